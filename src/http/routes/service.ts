import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import { ForbiddenError, UnauthorizedError } from '../../domain/errors';
import { ClientAddresses } from '../client-address';
import { DependencyDownError } from '../../dependency-state';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { okResponse, openApiResponse, readinessResponse } from '../schemas';
import { openApiTag, type OpenApiDocument } from '../openapi';

/**
 * How long `/readyz` waits for the dependencies. Behind a partition a dependency does not refuse, it stops answering
 * (packets dropped, no reset), and a probe that waits for it hangs until the prober gives up, reading "no answer"
 * instead of "not ready". Shorter than common load-balancer health-check timeouts (5 s).
 */
const READINESS_TIMEOUT_MS = 2000;

/** Resolves as `work` does, or rejects once `ms` have passed without an answer. */
function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const OK = { ok: true } as const;

/**
 * Who may read `/metrics` (API.md "Limits (more)"): with `METRICS_TOKEN` set, whoever sends it as a bearer token;
 * without it, callers on the node's own machine only. The metrics tell routes, load and error rates, which are
 * nobody else's business.
 * @throws UnauthorizedError (401) without the token, ForbiddenError (403) from another machine
 */
function checkMetricsReader(ctx: Context, metricsToken: string | undefined): void {
  if (metricsToken !== undefined) {
    const sent = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1] ?? '';
    const expected = Buffer.from(metricsToken);
    const given = Buffer.from(sent);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthorizedError('GET /metrics wants the metrics token');
    return;
  }
  if (!ClientAddresses.isLoopback(ctx.ip)) throw new ForbiddenError('GET /metrics answers the node\'s own machine only (or set METRICS_TOKEN)');
}

/** Health, readiness, metrics and the API description. */
export function serviceRoutes({ metrics, metricsToken, rateLimit, readiness, logger }: HttpDeps, openapi: () => OpenApiDocument): Route[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'The process is up',
      roles: 'public',
      status: 200,
      response: okResponse,
      handler: async () => ({ body: OK }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'The store (and Redis, when used) answer; what the node serves without (the MQTT broker) is a warning',
      roles: 'public',
      status: 200,
      response: readinessResponse,
      errors: [503],
      handler: async () => {
        try {
          const warnings = await withDeadline(readiness(), READINESS_TIMEOUT_MS);
          return { body: warnings.length > 0 ? { ...OK, warnings: [...warnings] } : OK };
        } catch (error) {
          // A probe every few seconds during an outage: the outage's own lines say it once.
          if (error instanceof DependencyDownError) logger.debug({ dependency: error.dependency }, 'not ready');
          else logger.warn({ err: error }, 'not ready');
          return {
            status: 503,
            headers: { 'Retry-After': '1' },
            body: { error: { code: 'unavailable', message: 'a dependency is not reachable' } },
          };
        }
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (with the metrics token, or from the node\'s own machine)',
      roles: 'public',
      status: 200,
      produces: 'text/plain',
      errors: [401, 403],
      handler: async ({ ctx }) => {
        try {
          checkMetricsReader(ctx, metricsToken);
        } catch (error) {
          // Refused like any call without valid credentials: it spends the address's budget, so the token cannot
          // be guessed at full speed.
          await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
          throw error;
        }
        ctx.type = metrics.registry.contentType;
        return { body: await metrics.registry.metrics() };
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApi',
      summary: 'This API, described in OpenAPI 3.1',
      roles: 'public',
      requestHeaders: { 'If-None-Match': { description: 'the ETag of a copy the client has: 304 while it is current' } },
      status: 200,
      response: openApiResponse,
      headers: {
        ETag: 'the version of this document (it changes only with the server)',
        'Cache-Control': 'public, no-cache: a copy may be kept, and checked with If-None-Match before each use',
      },
      alsoReturns: [{ status: 304, description: 'not modified: the copy If-None-Match names is current (no body)' }],
      handler: async () => {
        const document = openapi();
        return { body: document, headers: { ETag: openApiTag(document), 'Cache-Control': 'public, no-cache' } };
      },
    }),
  ];
}
