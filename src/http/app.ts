import Router from '@koa/router';
import Koa, { type Context, type Middleware, type Next } from 'koa';
import { UnauthorizedError } from '../domain/errors';
import type { Principal } from '../domain/principal';
import type { ClientAddresses } from './client-address';
import type { HttpDeps } from './deps';
import { errorMapper } from './error-mapper';
import { compressJson } from './compression';
import { buildOpenApi, type ApiTag, type OpenApiDocument } from './openapi';
import type { Route } from './route';
import { courierRecordRoutes } from './routes/courier-records';
import { courierRoutes } from './routes/couriers';
import { customerSessionRoutes } from './routes/customer-sessions';
import { customerRoutes } from './routes/customers';
import { deviceIntakeRoutes, deviceRoutes } from './routes/devices';
import { importRoutes } from './routes/import';
import { labelRoutes } from './routes/labels';
import { paymentProviderRoutes } from './routes/payment-providers';
import { paymentRoutes } from './routes/payments';
import { attachmentRoutes } from './routes/attachments';
import { brandingRoutes } from './routes/branding';
import { loyaltyRoutes } from './routes/loyalty';
import { orderRoutes } from './routes/orders';
import { privacyRoutes } from './routes/privacy';
import { pushRoutes } from './routes/push';
import { reportRoutes } from './routes/reports';
import { serviceRoutes } from './routes/service';
import { sourceRoutes } from './routes/sources';
import { tenantRoutes } from './routes/tenants';
import { webhookRoutes } from './routes/webhooks';
import { textGuard } from './text-guard';

/** A route with the part of the API it belongs to. */
export type TaggedRoute = Route & { tag: ApiTag };

const tagged = (tag: ApiTag, routes: Route[]): TaggedRoute[] => routes.map((route) => ({ ...route, tag }));

/** Every route of the API, in one list: mounted on the router and described in `/openapi.json`. */
export function allRoutes(deps: HttpDeps): TaggedRoute[] {
  let document: OpenApiDocument | undefined;
  const routes: TaggedRoute[] = [];
  const openapi = (): OpenApiDocument => (document ??= buildOpenApi(routes));
  routes.push(
    ...tagged('tenants', tenantRoutes(deps)),
    ...tagged('branding', brandingRoutes(deps)),
    ...tagged('orders', orderRoutes(deps)),
    ...tagged('orders', importRoutes(deps)),
    ...tagged('orders', labelRoutes(deps)),
    ...tagged('orders', paymentRoutes(deps)),
    ...tagged('orders', attachmentRoutes(deps)),
    ...tagged('couriers', courierRoutes(deps)),
    ...tagged('couriers', courierRecordRoutes(deps)),
    ...tagged('couriers', deviceRoutes(deps)),
    ...tagged('devices', deviceIntakeRoutes(deps)),
    ...tagged('customers', customerRoutes(deps)),
    ...tagged('customers', customerSessionRoutes(deps)),
    ...tagged('customers', privacyRoutes(deps)),
    ...tagged('customers', loyaltyRoutes(deps)),
    ...tagged('push', pushRoutes(deps)),
    ...tagged('reports', reportRoutes(deps)),
    ...tagged('webhooks', webhookRoutes(deps)),
    ...tagged('sources', sourceRoutes(deps)),
    ...tagged('payments', paymentProviderRoutes(deps)),
    ...tagged('service', serviceRoutes(deps, openapi)),
  );
  return routes;
}

/** Builds the Koa application. */
export function createApp(deps: HttpDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged by the error mapper, once
  const caller = (ctx: Context) => authenticate(ctx, deps);
  // Every non-public route is under /v1 and rate limited; the public ones are infrastructure probes, signed source
  // deliveries, payment providers' notifications and devices' positions, which check their signature or key and spend their budget themselves
  // (routes/sources.ts, routes/payment-providers.ts, routes/devices.ts), and sign-ins and the VAPID public key, which spend their client address's
  // budget (routes/courier-records.ts, routes/customer-sessions.ts, routes/push.ts).
  const routers = new Map<string, Router>();
  for (const route of allRoutes(deps)) {
    const group = routeGroup(route.path);
    if (/[:(*]/.test(group)) throw new Error(`route ${route.path}: a parameter in the first two segments`);
    let router = routers.get(group);
    if (!router) routers.set(group, (router = new Router()));
    router[route.method](route.path, async (ctx) => {
      ctx.state.route = route.path;
      await route.answer(ctx, ctx.params, caller);
    });
  }
  app.use(clientAddress(deps.clients));
  app.use(observe(deps));
  app.use(errorMapper(deps.logger));
  app.use(textGuard(deps.rateLimit)); // a path or query that is not text: 400, spending the address's budget
  app.use(noStore);
  if (deps.pages) app.use(deps.pages); // compresses what it serves itself
  app.use(compressJson());
  app.use(notModified);
  app.use(routed(routers));
  return app;
}

/**
 * A path's group: its first two segments (`/v1/orders` of `/v1/orders/:id/status`), in lower case as the router
 * matches them. No route has a parameter there, so every route a request could match is in its path's group.
 */
function routeGroup(path: string): string {
  const second = path.indexOf('/', 1);
  const end = second === -1 ? -1 : path.indexOf('/', second + 1);
  const group = end === -1 ? path : path.slice(0, end);
  // A trailing slash matches as if absent (`/healthz/`).
  return (group.length > 1 && group.endsWith('/') ? group.slice(0, -1) : group).toLowerCase();
}

/**
 * Routes a request through its path's group alone (its routes, then its 405 and `Allow` answers): the router tries
 * every route of a router in turn, and a group holds a dozen where the API has about a hundred.
 */
function routed(routers: ReadonlyMap<string, Router>) {
  const dispatcher = (router: Router) => {
    const routes = router.routes() as Middleware;
    const allowed = router.allowedMethods() as Middleware;
    return (ctx: Context, next: Next) => routes(ctx, () => allowed(ctx, next));
  };
  const dispatch = new Map([...routers].map(([group, router]) => [group, dispatcher(router)] as const));
  // A path of no group still gets the router's answer to a method it does not implement (501).
  const none = dispatcher(new Router());
  return async (ctx: Context, next: Next): Promise<void> => {
    await (dispatch.get(routeGroup(ctx.path)) ?? none)(ctx, next);
  };
}

/**
 * The caller, once its budget admits the request. A call without valid credentials spends the budget of its
 * client address first, so a flood of bad tokens is answered 429 rather than worked through as 401s.
 * @throws UnauthorizedError, or RateLimitedError when the budget is spent
 */
async function authenticate(ctx: Context, { tokens, rateLimit }: HttpDeps): Promise<Principal> {
  let principal: Principal;
  try {
    principal = await tokens.authenticate(bearer(ctx));
  } catch (error) {
    if (error instanceof UnauthorizedError) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
    throw error;
  }
  await rateLimit.admit(ctx, principal);
  return principal;
}

function bearer(ctx: Context): string | undefined {
  const header = ctx.get('authorization');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Sets `ctx.ip` to the client's address (behind trusted proxies, the one they report): the anonymous budget,
 * `/metrics` and everything else that reads `ctx.ip` then agree on who the client is.
 */
function clientAddress(clients: ClientAddresses) {
  return async (ctx: Context, next: Next): Promise<void> => {
    ctx.request.ip = clients.of(ctx.req);
    await next();
  };
}

/**
 * API answers are never stored by a browser or a shared cache (API.md "Limits (more)"): most carry personal data
 * or credentials (orders, customers, exports, loyalty, tokens), and the rest gain nothing from a cache. A route
 * that means otherwise sets its own `Cache-Control`.
 */
async function noStore(ctx: Context, next: Next): Promise<void> {
  if (ctx.path.startsWith('/v1/')) ctx.set('Cache-Control', 'no-store');
  await next();
}

/**
 * A GET (or HEAD) whose `If-None-Match` names the ETag of the answer is answered 304 without the body: the client's
 * copy is current. Only answers that carry an ETag (`/openapi.json`) can be.
 */
async function notModified(ctx: Context, next: Next): Promise<void> {
  await next();
  if (ctx.status === 200 && ctx.response.get('ETag') && ctx.fresh) ctx.status = 304;
}

/** Request metrics and one structured log line per request. */
function observe(deps: HttpDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: ctx.method, route: (ctx.state.route as string | undefined) ?? 'unmatched', status: String(ctx.status) };
      deps.metrics.httpRequests.inc(labels);
      deps.metrics.httpDuration.observe(labels, seconds);
      if (deps.logger.isLevelEnabled('debug')) {
        deps.logger.debug({ ...labels, ms: Math.round(seconds * 1e4) / 10 }, 'request');
      }
    }
  };
}
