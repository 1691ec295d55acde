import { DependencyDownError } from '../../dependency-state';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { okResponse, openApiResponse } from '../schemas';
import type { OpenApiDocument } from '../openapi';

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

const OK = { ok: true } as const;

/** Health, readiness, metrics and the API description. */
export function serviceRoutes({ metrics, readiness, logger }: HttpDeps, openapi: () => OpenApiDocument): Route[] {
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
      summary: 'The store (and Redis, when used) answer',
      roles: 'public',
      status: 200,
      response: okResponse,
      errors: [503],
      handler: async () => {
        try {
          await withDeadline(readiness(), READINESS_TIMEOUT_MS);
          return { body: OK };
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
      summary: 'Prometheus metrics',
      roles: 'public',
      status: 200,
      produces: 'text/plain',
      handler: async ({ ctx }) => {
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
      status: 200,
      response: openApiResponse,
      handler: async () => ({ body: openapi() }),
    }),
  ];
}
