import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ErrorStatus, Route } from './route';
import { errorResponse } from './schemas';

const ERROR_TEXT: Record<ErrorStatus, string> = {
  400: 'invalid_json, validation_failed (details lists each field) or invalid_code (a confirmation code that does not confirm)',
  401: 'unauthorized: missing, invalid or expired credentials',
  403: 'forbidden: this role may not do this',
  404: 'not_found: no such resource, or not yours',
  409: 'illegal_transition, idempotency_conflict, insufficient_points, limit_reached or webhook_disabled',
  413: 'payload_too_large: body over 1 MiB (an import: over 20 MiB or 10,000 lines)',
  415: 'unsupported_media_type: the body is not of the media type this route reads (Accept names it)',
  429: 'rate_limited: the request budget is spent; try again after Retry-After seconds',
  503: 'unavailable: a dependency is down; try again after Retry-After seconds',
};

/** The parts of the API, as the document's tags: client generators group their calls by them. */
export const API_TAGS = {
  tenants: 'Tenants (platform admin), their settings and the tokens a business mints for its people',
  branding: "A tenant's branding (read publicly too), its logo, and its message templates in each language",
  orders: 'Orders: placement, reads, search, status changes, assignment and bulk import',
  couriers: 'Couriers: batched scans and live positions, their records and devices',
  devices: "Devices' own intake: positions from Traccar Client or OsmAnd, OwnTracks and Overland, with the device key as credential",
  customers: "Customers: alert preferences, loyalty points, and their personal data's export and erasure",
  push: 'Web Push: the VAPID public key, and the push subscriptions of customers and tracking links',
  reports: "Reports over the tenant's orders",
  webhooks: "Outbound webhooks: endpoints, secrets, the delivery log and replays",
  sources: 'Inbound sources: upstream systems posting signed status batches',
  payments: "Payment providers: their credentials, and their own signed notifications",
  service: 'Health, readiness, metrics and this description',
} as const;

export type ApiTag = keyof typeof API_TAGS;

/** A produced document's schema: text for a text media type, bytes for any other (a PDF). */
function producedSchema(mediaType: string): object {
  return mediaType.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' };
}

/** Headers the server sends, described once and referred to by the responses that carry them. */
const HEADERS = {
  'RateLimit-Limit': { description: "requests the caller's budget allows per window", schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'requests left in the current window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'seconds until the current window ends', schema: { type: 'integer' } },
  'Retry-After': { description: 'seconds to wait before trying again', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'the scheme to authenticate with: Bearer', schema: { type: 'string' } },
  Accept: { description: 'the media types the route reads', schema: { type: 'string' } },
} as const;

type HeaderName = keyof typeof HEADERS;

/** The rate limit headers: on every answer of a route that spends a budget (API.md "Limits"). */
const RATE_LIMIT_HEADERS: readonly HeaderName[] = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];

/** Headers of an error answer besides the rate limit's, as the error mapper sets them. */
const ERROR_HEADERS: Partial<Record<ErrorStatus, readonly HeaderName[]>> = {
  401: ['WWW-Authenticate'],
  415: ['Accept'],
  429: ['Retry-After'],
  503: ['Retry-After'],
};

/** The OpenAPI 3.1 document, as `/openapi.json` answers it. */
export type OpenApiDocument = {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string; license: { name: string; identifier: string } };
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
};

function jsonSchema(schema: z.ZodType): object {
  // Requests are described as clients send them (before transforms such as defaults).
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

const headerRefs = (names: readonly HeaderName[]) =>
  Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));

/** Whether a route spends a request budget: every authenticated route, and those that say they answer 429. */
function isLimited(route: Route): boolean {
  return route.roles !== 'public' || (route.errors?.includes(429) ?? false);
}

/** Every error status a route can answer: what its declaration implies, and what it declares besides. */
export function errorStatuses(route: Route): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>(route.errors ?? []);
  const hasParams = /:\w/.test(route.path);
  if (route.body || route.rawBody || route.query || hasParams) statuses.add(400);
  if (route.roles !== 'public') {
    // A token is checked (401) and its role (403); its budget is spent (429); tokens and the work behind the
    // route need the store, which may be down (503).
    for (const status of [401, 403, 429, 503] as const) statuses.add(status);
  }
  if (route.body || route.rawBody) {
    statuses.add(413);
    statuses.add(415);
  }
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: Route & { tag?: ApiTag }): object {
  const limited = isLimited(route) ? RATE_LIMIT_HEADERS : [];
  const parameters: unknown[] = [...route.path.matchAll(/:(\w+)/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (route.query) {
    const schema = jsonSchema(route.query) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({ name, in: 'query', required: schema.required?.includes(name) ?? false, schema: property });
    }
  }
  for (const [name, header] of Object.entries(route.requestHeaders ?? {})) {
    parameters.push({ name, in: 'header', required: header.required ?? false, description: header.description, schema: { type: 'string' } });
  }
  const successHeaders = {
    ...headerRefs(limited),
    ...Object.fromEntries(Object.entries(route.headers ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }])),
  };
  const success = (description: string) => ({
    description,
    ...(Object.keys(successHeaders).length > 0 ? { headers: successHeaders } : {}),
    ...(route.response
      ? { content: { 'application/json': { schema: jsonSchema(route.response) } } }
      : route.produces
        ? { content: { [route.produces]: { schema: producedSchema(route.produces) } } }
        : {}),
  });
  const responses: Record<string, unknown> = { [route.status]: success('success') };
  for (const extra of route.alsoReturns ?? []) responses[extra.status] = success(extra.description);
  for (const status of errorStatuses(route)) {
    const headers = headerRefs([...limited, ...(ERROR_HEADERS[status] ?? [])]);
    responses[status] = {
      description: ERROR_TEXT[status],
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.tag ? { tags: [route.tag] } : {}),
    ...(route.roles === 'public' ? { security: [] } : { 'x-roles': route.roles }),
    parameters,
    ...(route.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } }
      : route.rawBody
        ? {
            requestBody: {
              required: true,
              description: route.rawBody.description,
              content: Object.fromEntries(
                [route.rawBody.mediaType, ...(route.rawBody.alsoMediaTypes ?? [])].map((type) => [type, { schema: jsonSchema(route.rawBody!.schema) }]),
              ),
            },
          }
        : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document, generated from the same declarations that validate requests and type answers. */
export function buildOpenApi(routes: ReadonlyArray<Route & { tag?: ApiTag }>): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  for (const route of routes) {
    if (operationIds.has(route.operationId)) throw new Error(`two routes have the operationId ${route.operationId}`);
    operationIds.add(route.operationId);
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order tracking API',
      version: '1',
      description: 'Real-time order tracking: orders and their status history, couriers, customers, webhooks and sources.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: the node that serves this document (PUBLIC_URL in front of a proxy).
    servers: [{ url: '/', description: 'the node serving this document' }],
    tags: Object.entries(API_TAGS).map(([name, description]) => ({ name, description })),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: { Error: jsonSchema(errorResponse) },
      headers: HEADERS,
    },
  };
}

const tags = new WeakMap<OpenApiDocument, string>();

/**
 * The document's ETag, a digest of it, computed once. Weak (`W/`): the answer is the same document whichever
 * encoding it is compressed in.
 */
export function openApiTag(document: OpenApiDocument): string {
  let tag = tags.get(document);
  if (tag === undefined) {
    tag = `W/"${createHash('sha256').update(JSON.stringify(document)).digest('base64url').slice(0, 27)}"`;
    tags.set(document, tag);
  }
  return tag;
}
