import type { HttpDeps } from '../deps';
import { route, type RouteSpec } from '../route';

/**
 * How long `/readyz` waits for the dependencies. Behind a partition a dependency does not refuse, it stops answering
 * (packets dropped, no reset), and a probe that waits for it hangs until the prober gives up, reading "no answer"
 * instead of "not ready". Shorter than common load-balancer health-check timeouts (5 s).
 */
const READINESS_TIMEOUT_MS = 2000;

/** Resolves as `work` does, or rejects once `ms` have passed without an answer. */
function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Health, readiness, metrics and the API description. */
export function serviceRoutes({ metrics, readiness, logger }: HttpDeps, openapi: () => object): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'The process is up',
      roles: 'public',
      status: 200,
      handler: async () => ({ body: { ok: true } }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'The store (and Redis, when used) answer',
      roles: 'public',
      status: 200,
      errors: [503],
      handler: async () => {
        try {
          await withDeadline(readiness(), READINESS_TIMEOUT_MS);
          return { body: { ok: true } };
        } catch (error) {
          logger.warn({ err: error }, 'not ready');
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
      summary: 'Prometheus metrics',
      roles: 'public',
      status: 200,
      handler: async ({ ctx }) => {
        ctx.type = metrics.registry.contentType;
        return { body: await metrics.registry.metrics() };
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API, described in OpenAPI 3.1',
      roles: 'public',
      status: 200,
      handler: async () => ({ body: openapi() }),
    }),
  ];
}
