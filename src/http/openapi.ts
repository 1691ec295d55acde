import { z } from 'zod';
import { errorResponse } from './schemas';
import type { RouteSpec } from './route';

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid_json or validation_failed (details lists each field)',
  401: 'unauthorized: missing, invalid or expired token',
  403: 'forbidden: this role may not do this',
  404: 'not_found: no such resource, or not yours',
  409: 'illegal_transition, idempotency_conflict, insufficient_points, limit_reached or webhook_disabled',
  413: 'payload_too_large: body over 1 MiB (an import: over 20 MiB or 10,000 lines)',
  429: 'rate_limited: request budget spent (Retry-After)',
  503: 'unavailable: a dependency is down (Retry-After)',
};

function jsonSchema(schema: z.ZodType): object {
  // Requests are described as clients send them (before transforms such as defaults).
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The OpenAPI 3.1 document, generated from the same schemas that validate requests. */
export function buildOpenApi(routes: RouteSpec[]): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of routes) {
    const path = spec.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [...spec.path.matchAll(/:(\w+)/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (spec.query) {
      const schema = jsonSchema(spec.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
      }
    }
    const statuses = new Set<number>([400, ...(spec.roles === 'public' ? [] : [401, 403]), ...(spec.errors ?? [])]);
    if (spec.body || spec.rawBody) statuses.add(413);
    const responses: Record<string, unknown> = {
      [spec.status]: spec.response
        ? { description: 'success', content: { 'application/json': { schema: jsonSchema(spec.response) } } }
        : spec.produces
          ? { description: 'success', content: { [spec.produces]: { schema: { type: 'string' } } } }
          : { description: 'success' },
    };
    for (const extra of spec.alsoReturns ?? []) {
      responses[extra.status] = {
        description: extra.description,
        ...(spec.response ? { content: { 'application/json': { schema: jsonSchema(spec.response) } } } : {}),
      };
    }
    for (const status of [...statuses].sort()) {
      responses[status] = {
        description: ERROR_TEXT[status] ?? 'error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[path] ??= {};
    paths[path]![spec.method] = {
      summary: spec.summary,
      ...(spec.roles === 'public' ? { security: [] } : { 'x-roles': spec.roles }),
      parameters,
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body) } } } }
        : spec.rawBody
          ? {
              requestBody: {
                required: true,
                description: spec.rawBody.description,
                content: { [spec.rawBody.mediaType]: { schema: jsonSchema(spec.rawBody.schema) } },
              },
            }
          : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Order tracking API', version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorResponse) },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
