import type { AddressInfo } from 'node:net';
import http from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import pino from 'pino';
import { z } from 'zod';
import { UnauthorizedError } from '../../src/domain/errors';
import type { Principal } from '../../src/domain/principal';
import { errorMapper } from '../../src/http/error-mapper';
import { route, type Authenticate, type Route } from '../../src/http/route';

/**
 * The route helper as a request meets it: what reaches a handler (caller, params, query, body) and what comes back,
 * on a Koa app with the error mapper, as the server mounts routes.
 */
describe('route()', () => {
  const seen: unknown[] = [];
  let authentications = 0;
  /** The bearer token is the role; `nobody` is no valid token. */
  const authenticate: Authenticate = async (ctx) => {
    authentications++;
    const token = /^Bearer (\w+)$/.exec(ctx.get('authorization'))?.[1];
    const principals: Record<string, Principal> = {
      business: { role: 'business', tenantId: 't1' },
      staff: { role: 'staff', tenantId: 't1', subject: 's1' },
      customer: { role: 'customer', tenantId: 't1', subject: 'c1' },
    };
    const principal = token ? principals[token] : undefined;
    if (!principal) throw new UnauthorizedError();
    return principal;
  };

  const routes: Route[] = [
    route({
      method: 'get',
      path: '/things/:id/parts/:part_id',
      operationId: 'getPart',
      summary: 'two parameters',
      roles: ['business', 'staff'],
      query: z.strictObject({ limit: z.coerce.number().int().min(1).default(10) }),
      status: 200,
      response: z.object({ id: z.string(), part: z.string(), limit: z.number(), role: z.string() }),
      handler: async ({ principal, params, query }) => {
        seen.push({ principal, params });
        return { body: { id: params.id, part: params.part_id, limit: query.limit, role: principal.role } };
      },
    }),
    route({
      method: 'get',
      path: '/open',
      operationId: 'open',
      summary: 'public',
      roles: 'public',
      status: 200,
      response: z.object({ keys: z.array(z.string()) }),
      handler: async (input) => ({ body: { keys: Object.keys(input).sort() } }),
    }),
    route({
      method: 'post',
      path: '/things',
      operationId: 'createThing',
      summary: 'a JSON body; 201, or 200 for a repeat',
      roles: ['business'],
      body: z.strictObject({ name: z.string().min(1), again: z.boolean().default(false) }),
      status: 201,
      response: z.object({ name: z.string() }),
      alsoReturns: [{ status: 200, description: 'a repeat' }],
      headers: { 'Thing-Name': 'the name' },
      handler: async ({ body }) => ({ status: body.again ? 200 : 201, body: { name: body.name }, headers: { 'Thing-Name': body.name } }),
    }),
    route({
      method: 'post',
      path: '/lines',
      operationId: 'postLines',
      summary: 'a body the handler reads itself',
      roles: ['business'],
      rawBody: { mediaType: 'text/csv', schema: z.string(), description: 'CSV' },
      status: 204,
      handler: async ({ ctx }) => {
        let text = '';
        for await (const chunk of ctx.req) text += String(chunk);
        seen.push(text);
        return {};
      },
    }),
  ];

  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const app = new Koa();
    const router = new Router();
    for (const declared of routes) router[declared.method](declared.path, (ctx) => declared.answer(ctx, ctx.params, authenticate));
    app.use(errorMapper(pino({ level: 'silent' })));
    app.use(router.routes());
    server = http.createServer(app.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    authentications = 0;
  });

  const call = async (method: string, path: string, options: { token?: string; body?: string; type?: string } = {}) => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.type) headers['content-type'] = options.type;
    const response = await fetch(base + path, { method, headers, body: options.body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };

  it('hands the handler its path parameters by name, the parsed query and the caller', async () => {
    const answer = await call('GET', '/things/a%20b/parts/p-1', { token: 'staff' });
    expect(answer).toMatchObject({ status: 200, body: { id: 'a b', part: 'p-1', limit: 10, role: 'staff' } });
    expect(seen).toEqual([{ principal: { role: 'staff', tenantId: 't1', subject: 's1' }, params: { id: 'a b', part_id: 'p-1' } }]);
    expect((await call('GET', '/things/x/parts/y?limit=0', { token: 'business' })).body.error.code).toBe('validation_failed');
  });

  it('refuses a role the route does not declare (403) and a missing token (401) before the handler runs', async () => {
    expect((await call('GET', '/things/x/parts/y', { token: 'customer' })).body.error.code).toBe('forbidden');
    expect((await call('GET', '/things/x/parts/y')).body.error.code).toBe('unauthorized');
    expect(await call('POST', '/things', { token: 'customer', body: '{"name":"n"}', type: 'application/json' })).toMatchObject({ status: 403 });
    expect(seen).toEqual([]);
  });

  it('gives a public route no caller and asks for no token', async () => {
    expect(await call('GET', '/open', { token: 'business' })).toMatchObject({ status: 200, body: { keys: ['authenticate', 'body', 'ctx', 'params', 'query'] } });
    expect(authentications).toBe(0);
  });

  it('answers with the declared status, another declared success status, and the declared headers', async () => {
    const created = await call('POST', '/things', { token: 'business', body: '{"name":"n1"}', type: 'application/json' });
    expect(created).toMatchObject({ status: 201, body: { name: 'n1' } });
    expect(created.headers.get('thing-name')).toBe('n1');
    expect(await call('POST', '/things', { token: 'business', body: '{"name":"n1","again":true}', type: 'application/json' })).toMatchObject({
      status: 200,
    });
  });

  it('reads a JSON body only when it is sent as JSON: 415 with Accept otherwise, 400 for what the schema refuses', async () => {
    const wrongType = await call('POST', '/things', { token: 'business', body: '{"name":"n"}', type: 'text/plain' });
    expect(wrongType).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    expect(wrongType.headers.get('accept')).toBe('application/json, application/*+json');
    expect(await call('POST', '/things', { token: 'business', body: '{"name":""}', type: 'application/json' })).toMatchObject({
      status: 400,
      body: { error: { code: 'validation_failed', details: [{ path: 'name' }] } },
    });
    expect(await call('POST', '/things', { token: 'business', body: '{"name":', type: 'application/json' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_json' } },
    });
    // No body at all is the schema's to refuse, whatever the headers say.
    expect(await call('POST', '/things', { token: 'business' })).toMatchObject({ status: 400, body: { error: { code: 'validation_failed' } } });
  });

  it('checks the media type of a body the handler reads itself, and leaves the body to it', async () => {
    expect(await call('POST', '/lines', { token: 'business', body: 'a,b\n1,2\n', type: 'text/csv; charset=utf-8' })).toMatchObject({ status: 204 });
    expect(seen).toEqual(['a,b\n1,2\n']);
    const json = await call('POST', '/lines', { token: 'business', body: '{"a":1}', type: 'application/json' });
    expect(json).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } });
    expect(json.headers.get('accept')).toBe('text/csv');
    expect(seen).toEqual(['a,b\n1,2\n']);
  });
});
