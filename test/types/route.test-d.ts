/**
 * Type test of the route helper (checked by `tsc --noEmit`, never run): a handler's input follows from its route's
 * path, roles and schemas, and its answer must be what the route declares (what the OpenAPI document shows).
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Principal } from '../../src/domain/principal';
import { route, type ParamNames, type PathParams } from '../../src/http/route';
import { expectTrue, type Equal } from './expect-type';

const thing = z.object({ id: z.string(), size: z.number().int(), note: z.string().nullable() });
const body = z.strictObject({ size: z.number().int().default(1), tags: z.array(z.string()).optional() });
const query = z.strictObject({ limit: z.coerce.number().int().default(50), cursor: z.string().optional() });
const common = { operationId: 'op', summary: 'a route' } as const;

// Path parameters: one string per `:name`, and nothing else.
expectTrue<Equal<ParamNames<'/v1/orders/:id/status'>, 'id'>>();
expectTrue<Equal<ParamNames<'/v1/webhooks/:id/deliveries/:message_id/replay'>, 'id' | 'message_id'>>();
expectTrue<Equal<ParamNames<'/v1/orders'>, never>>();
expectTrue<Equal<PathParams<'/v1/webhooks/:id/deliveries/:message_id'>, { readonly id: string; readonly message_id: string }>>();

route({
  ...common,
  method: 'get',
  path: '/v1/things/:id/parts/:part_id',
  roles: ['business'],
  status: 200,
  response: thing,
  handler: async ({ params }) => {
    expectTrue<Equal<typeof params.id, string>>();
    expectTrue<Equal<typeof params.part_id, string>>();
    // @ts-expect-error: the path has no :other
    void params.other;
    return { body: { id: params.id, size: 1, note: null } };
  },
});

// The caller: narrowed to the declared roles.
route({
  ...common,
  method: 'get',
  path: '/v1/mine',
  roles: ['courier'],
  status: 204,
  handler: async ({ principal }) => {
    expectTrue<Equal<typeof principal, Extract<Principal, { role: 'courier' }>>>();
    void principal.subject;
    return {};
  },
});
route({
  ...common,
  method: 'get',
  path: '/v1/tenant',
  roles: ['business', 'staff'],
  status: 204,
  handler: async ({ principal }) => {
    expectTrue<Equal<typeof principal, Extract<Principal, { role: 'business' | 'staff' }>>>();
    void principal.tenantId;
    // @ts-expect-error: a business has no subject; a role check that would find one is not needed
    void principal.subject;
    if (principal.role === 'staff') void principal.subject;
    // @ts-expect-error: a courier cannot call this route, so the handler never sees one
    if (principal.role === 'courier') return {};
    return {};
  },
});

// A public route gets no caller at all (no made-up principal).
route({
  ...common,
  method: 'get',
  path: '/v1/open',
  roles: 'public',
  status: 204,
  // @ts-expect-error: there is no principal on a public route
  handler: async ({ principal }) => (void principal, {}),
});

// The body and the query, as their schemas parse them; undefined when not declared.
route({
  ...common,
  method: 'post',
  path: '/v1/things',
  roles: ['business'],
  body,
  query,
  status: 201,
  response: thing,
  handler: async ({ body, query }) => {
    expectTrue<Equal<typeof body, { size: number; tags?: string[] | undefined }>>();
    expectTrue<Equal<typeof query, { limit: number; cursor?: string | undefined }>>();
    return { body: { id: 'x', size: body.size, note: null } };
  },
});
route({
  ...common,
  method: 'get',
  path: '/v1/plain',
  roles: ['business'],
  status: 204,
  handler: async ({ body, query }) => {
    expectTrue<Equal<typeof body, undefined>>();
    expectTrue<Equal<typeof query, undefined>>();
    return {};
  },
});

// The answer: the response schema's shape, at a declared status, with declared headers.
const answers = { ...common, method: 'post', path: '/v1/answers', roles: ['business'], status: 201, response: thing } as const;
route({ ...answers, handler: async () => ({ body: { id: 'x', size: 1, note: null } }) });
// @ts-expect-error: a field the schema requires is missing
route({ ...answers, handler: async () => ({ body: { id: 'x', size: 1 } }) });
// @ts-expect-error: a field of the wrong type
route({ ...answers, handler: async () => ({ body: { id: 'x', size: '1', note: null } }) });
// @ts-expect-error: no body at all, where the schema describes one
route({ ...answers, handler: async () => ({}) });
// @ts-expect-error: 200 is not a status this route declares
route({ ...answers, handler: async () => ({ status: 200, body: { id: 'x', size: 1, note: null } }) });
route({
  ...answers,
  alsoReturns: [{ status: 200, description: 'a repeat' }],
  handler: async () => ({ status: 200, body: { id: 'x', size: 1, note: null } }),
});
// Answers are checked structurally: declared fields must be there with their types; a header beside the declared
// ones is caught where none of them is given.
// @ts-expect-error: a header the route does not declare
route({ ...answers, handler: async () => ({ body: { id: 'x', size: 1, note: null }, headers: { 'X-Secret': '1' } }) });
route({
  ...answers,
  headers: { 'Thing-Version': 'the version' },
  handler: async () => ({ body: { id: 'x', size: 1, note: null }, headers: { 'Thing-Version': '2' } }),
});
// An error answer only at a declared error status, with the error body.
route({ ...answers, errors: [503], handler: async () => ({ status: 503, body: { error: { code: 'unavailable', message: 'down' } } }) });
// @ts-expect-error: 503 is not declared
route({ ...answers, handler: async () => ({ status: 503, body: { error: { code: 'unavailable', message: 'down' } } }) });

// A route without a response schema answers no body; one that produces another media type answers text or a stream.
const bare = { ...common, method: 'delete', path: '/v1/bare', roles: ['business'], status: 204 } as const;
route({ ...bare, handler: async () => ({}) });
// @ts-expect-error: nothing is declared to be answered
route({ ...bare, handler: async () => ({ body: { deleted: true } }) });
route({ ...bare, status: 200, produces: 'text/csv', handler: async () => ({ body: 'a,b\n' }) });
route({ ...bare, status: 200, produces: 'text/csv', handler: async () => ({ body: Readable.from(['a,b\n']) }) });
// A JSON document may be streamed only by a route that says so.
// @ts-expect-error: not declared streamed
route({ ...answers, handler: async () => ({ body: Readable.from(['{}']) }) });
route({ ...answers, streamed: true, handler: async () => ({ body: Readable.from(['{}']) }) });
