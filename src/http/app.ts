import Router from '@koa/router';
import Koa, { type Context, type Next } from 'koa';
import { UnauthorizedError } from '../domain/errors';
import { requireRole, type Principal } from '../domain/principal';
import { readJson } from './body';
import type { HttpDeps } from './deps';
import { errorMapper } from './error-mapper';
import { buildOpenApi } from './openapi';
import { validate, type RouteSpec } from './route';
import { courierRoutes } from './routes/couriers';
import { customerRoutes } from './routes/customers';
import { importRoutes } from './routes/import';
import { loyaltyRoutes } from './routes/loyalty';
import { orderRoutes } from './routes/orders';
import { privacyRoutes } from './routes/privacy';
import { reportRoutes } from './routes/reports';
import { serviceRoutes } from './routes/service';
import { sourceRoutes } from './routes/sources';
import { tenantRoutes } from './routes/tenants';
import { webhookRoutes } from './routes/webhooks';

/** Every route of the API, in one list: mounted on the router and described in `/openapi.json`. */
export function allRoutes(deps: HttpDeps): RouteSpec[] {
  let document: object | undefined;
  const routes: RouteSpec[] = [];
  const openapi = (): object => (document ??= buildOpenApi(routes));
  routes.push(
    ...tenantRoutes(deps),
    ...orderRoutes(deps),
    ...courierRoutes(deps),
    ...customerRoutes(deps),
    ...privacyRoutes(deps),
    ...loyaltyRoutes(deps),
    ...reportRoutes(deps),
    ...webhookRoutes(deps),
    ...sourceRoutes(deps),
    ...importRoutes(deps),
    ...serviceRoutes(deps, openapi),
  );
  return routes;
}

/** Builds the Koa application. */
export function createApp(deps: HttpDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged by the error mapper, once
  const router = new Router();
  for (const spec of allRoutes(deps)) mount(router, spec, deps);
  app.use(observe(deps));
  app.use(errorMapper(deps.logger));
  if (deps.pages) app.use(deps.pages);
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}

function mount(router: Router, spec: RouteSpec, deps: HttpDeps): void {
  router[spec.method](spec.path, async (ctx: Context) => {
    ctx.state.route = spec.path;
    let principal: Principal = { role: 'admin' };
    // Every non-public route is under /v1 and rate limited; the public ones are infrastructure probes, and signed
    // source deliveries, which check their signature and spend their budget themselves (routes/sources.ts).
    if (spec.roles !== 'public') {
      principal = await authenticate(ctx, deps);
      requireRole(principal, spec.roles);
    }
    const query = spec.query ? validate(spec.query, ctx.query, 'query') : undefined;
    const body = spec.body ? validate(spec.body, await readJson(ctx), 'body') : undefined;
    const result = await spec.handler({ ctx, principal, params: ctx.params as Record<string, string>, body, query });
    ctx.status = result.status ?? spec.status;
    for (const [name, value] of Object.entries(result.headers ?? {})) ctx.set(name, value);
    if (result.body !== undefined) ctx.body = result.body;
  });
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
