import { expectError } from '../../support/expect-error';
import { type ApiResponse, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { allOrderIds, placeOrder } from '../../support/orders';
import { keepAliveClient, type KeepAliveClient } from '../../support/raw-http';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';

const MiB = 1024 * 1024;

/** JSON text of `levels` nested arrays: `[[…]]`. Built as text: the value itself must never be walked recursively. */
const nestedArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
/** JSON text of `levels` nested objects, the outermost included: `{"a":{"a":{}}}` is 3. */
const nestedObjects = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

describe('input hardening: hostile bodies are refused cleanly and store nothing', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;

  tenantNode((started) => ({ server, tenant, biz } = started));

  const paths = (error: { details?: unknown }) => ((error.details ?? []) as Array<{ path: string }>).map((d) => d.path);
  const postOrder = (rawBody: string, headers?: Record<string, string>) =>
    request(server.url, 'POST', '/v1/orders', { token: tenant.apiKey, rawBody, headers });
  /** Sends, expects a 400 validation_failed, checks no order appeared, and returns the detail paths. */
  async function refusedPaths(send: () => Promise<ApiResponse>): Promise<string[]> {
    const before = (await allOrderIds(biz)).sort();
    const error = expectError(await send(), 400, 'validation_failed');
    expect((await allOrderIds(biz)).sort()).toEqual(before);
    return paths(error);
  }

  describe('deep nesting → 400 validation_failed naming the field', () => {
    // About 40 KB of brackets: far under the size limit, far over any stack a recursive walk would need.
    const DEEP = 20_000;
    const bodies: Record<string, string> = {
      metadata: `{"customer":{"id":"c-deep"},"metadata":{"a":${nestedArrays(DEEP)}}}`,
      items: `{"customer":{"id":"c-deep"},"items":[${nestedArrays(DEEP)}]}`,
    };
    it.each([
      ['metadata', {}],
      ['metadata', { 'Idempotency-Key': 'deep-key' }],
      ['items', {}],
      ['items', { 'Idempotency-Key': 'deep-key-items' }],
    ])('%s nested 20,000 levels deep (headers %j)', async (field, headers) => {
      const body = bodies[field]!;
      expect(body.length).toBeLessThan(50_000);
      expect(await refusedPaths(() => postOrder(body, headers))).toEqual([field]);
    });
    it('metadata may be 32 levels deep, not 33 (API.md)', async () => {
      const ok = await postOrder(`{"customer":{"id":"c-32"},"metadata":${nestedObjects(32)}}`);
      expect(ok.status).toBe(201);
      expect(JSON.stringify(ok.body.metadata)).toBe(nestedObjects(32));
      expect(await refusedPaths(() => postOrder(`{"customer":{"id":"c-33"},"metadata":${nestedObjects(33)}}`))).toEqual(['metadata']);
    });
    it('items nested past 32 levels are refused the same way', async () => {
      expect((await postOrder(`{"customer":{"id":"c-i32"},"items":${nestedArrays(32)}}`)).status).toBe(201);
      expect(await refusedPaths(() => postOrder(`{"customer":{"id":"c-i33"},"items":${nestedArrays(33)}}`))).toEqual(['items']);
    });
    it('the body reader refuses any body nested past 64 levels, before the route schema sees it', async () => {
      // `extra` is not a field of the schema: only the reader's own depth check can name it.
      const response = await postOrder(`{"customer":{"id":"c-x"},"extra":${nestedArrays(DEEP)}}`);
      const error = expectError(response, 400, 'validation_failed');
      expect(error.details).toEqual([expect.objectContaining({ path: 'extra', message: expect.stringMatching(/64 levels/) })]);
      const scans = await request(server.url, 'POST', '/v1/scans', {
        token: await tenant.token('courier', 'k-deep'),
        rawBody: `{"scans":[${nestedArrays(DEEP)}]}`,
      });
      expect(paths(expectError(scans, 400, 'validation_failed'))).toEqual(['scans']);
    });
  });

  describe('an own __proto__ key anywhere → 400 validation_failed naming its path, never dropped', () => {
    it.each([
      ['metadata.__proto__', '{"customer":{"id":"c-p"},"metadata":{"__proto__":{"admin":true},"kept":1}}'],
      ['metadata.deep.__proto__', '{"customer":{"id":"c-p"},"metadata":{"deep":{"__proto__":{"x":1}}}}'],
      ['items.1.__proto__', '{"customer":{"id":"c-p"},"items":[{"sku":"a"},{"__proto__":{"sku":"b"}}]}'],
      ['customer.__proto__', '{"customer":{"id":"c-p","__proto__":{"name":"Mallory"}}}'],
    ])('%s', async (path, body) => {
      expect(await refusedPaths(() => postOrder(body))).toEqual([path]);
    });
    it('a key merely named like it (constructor, __proto__ as a value) is data and kept', async () => {
      const res = await postOrder('{"customer":{"id":"c-q"},"metadata":{"constructor":{"x":1},"note":"__proto__"}}');
      expect(res.status).toBe(201);
      expect(res.body.metadata).toEqual({ constructor: { x: 1 }, note: '__proto__' });
    });
  });

  describe('a chunked body over 1 MiB on a keep-alive connection', () => {
    let keepAlive: KeepAliveClient;
    beforeEach(() => {
      keepAlive = keepAliveClient(server.url);
    });
    afterEach(() => keepAlive.close());

    it('413 says Connection: close and closes; the next request goes on a new connection and is answered', async () => {
      // Twice the limit: the unread rest is far more than the server's socket buffers hold.
      const big = JSON.stringify({ customer: { id: 'c-big' }, metadata: { blob: 'x'.repeat(2 * MiB) } });
      const before = (await allOrderIds(biz)).sort();
      const first = await keepAlive.send('POST', '/v1/orders', { token: tenant.apiKey, body: big, chunked: true });
      // Left open, the connection would carry this request and never answer it (the test times out).
      const next = await keepAlive.send('GET', '/v1/orders', { token: tenant.apiKey });
      expect(first.status).toBe(413);
      expect(first.body.error.code).toBe('payload_too_large');
      expect(first.headers.connection).toBe('close');
      expect(next).toMatchObject({ status: 200, reusedSocket: false });
      expect((await allOrderIds(biz)).sort()).toEqual(before);
    }, 15_000);
    it('a small request keeps its connection alive as before', async () => {
      expect((await keepAlive.send('GET', '/v1/orders', { token: tenant.apiKey })).status).toBe(200);
      const again = await keepAlive.send('GET', '/v1/orders', { token: tenant.apiKey });
      expect(again).toMatchObject({ status: 200, reusedSocket: true });
    });
  });

  describe('notify at placement: a missing channel is false', () => {
    it.each([
      [{ sms: true }, { email: false, sms: true }],
      [{ email: true }, { email: true, sms: false }],
      [{}, { email: false, sms: false }],
    ])('notify %j → 201 with notify %j', async (notify, stored) => {
      const placed = await placeOrder(biz, { customer: { id: unique('c-notify') }, notify });
      expect(placed.notify).toEqual(stored);
      expect((await biz.get(`/v1/orders/${placed.id}`)).body.notify).toEqual(stored);
    });
    it('a channel that is not a boolean is still refused', async () => {
      const error = expectError(await biz.post('/v1/orders', { customer: { id: 'c-n' }, notify: { sms: 'yes' } }), 400, 'validation_failed');
      expect(paths(error)).toEqual(['notify.sms']);
    });
  });

  describe('status answers name the event they are about', () => {
    it('applied, late and duplicate answers carry `event`; a replay is the original event', async () => {
      const { id } = await placeOrder(biz);
      const processing = await biz.post(`/v1/orders/${id}/status`, { status: 'processing', event_id: 'e1' });
      expect(processing.status).toBe(200);
      expect(processing.headers.get('event-outcome')).toBe('applied');
      expect(processing.body.event).toMatchObject({ event_id: 'e1', seq: 2, status: 'processing', order_id: id, applied: true });
      const shipped = await biz.post(`/v1/orders/${id}/status`, { status: 'shipped', event_id: 'e2' });
      expect(shipped.body).toMatchObject({ status: 'shipped', version: 3, event: { event_id: 'e2', seq: 3 } });

      const replay = await biz.post(`/v1/orders/${id}/status`, { status: 'processing', event_id: 'e1' });
      expect(replay.status).toBe(200);
      expect(replay.headers.get('event-outcome')).toBe('duplicate');
      expect(replay.headers.get('event-seq')).toBe('2');
      expect(replay.body).toMatchObject({ id, status: 'shipped', version: 3 });
      expect(replay.body.event).toMatchObject({ event_id: 'e1', seq: 2, status: 'processing', applied: true });

      const late = await biz.post(`/v1/orders/${id}/status`, {
        status: 'in_transit',
        event_id: 'e-late',
        occurred_at: new Date(Date.now() - 3_600_000).toISOString(),
      });
      expect(late.headers.get('event-outcome')).toBe('late');
      expect(late.headers.get('event-seq')).toBeNull();
      expect(late.body.event).toMatchObject({ event_id: 'e-late', seq: null, status: 'in_transit', applied: false });
      expect((await biz.get(`/v1/orders/${id}`)).body.history).toHaveLength(4);
    });
    it('assign answers have no event; the OpenAPI document says which answers do', async () => {
      const { id } = await placeOrder(biz);
      const assigned = await biz.post(`/v1/orders/${id}/assign`, { courier_id: 'k-ev' });
      expect(assigned.status).toBe(200);
      expect(assigned.body).not.toHaveProperty('event');
      const doc = (await request(server.url, 'GET', '/openapi.json')).body;
      const schemaOf = (path: string) => doc.paths[path].post.responses['200'].content['application/json'].schema;
      expect(schemaOf('/v1/orders/{id}/status').properties.event).toBeDefined();
      expect(schemaOf('/v1/orders/{id}/status').required).toContain('event');
      expect(schemaOf('/v1/orders/{id}/assign').properties.event).toBeUndefined();
    });
  });
});
