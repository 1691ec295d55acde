import http from 'node:http';
import { expectError } from '../../support/expect-error';
import { type ApiResponse, client, type Client, request } from '../../support/http';
import type { TestNode } from '../../support/node';
import { allOrderIds, placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';
import { iso } from '../../support/time';

const MiB = 1024 * 1024;

describe('bad input is refused cleanly and stores nothing', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let courier: Client;
  let courierToken: string;
  let orderId: string;

  tenantNode(async (started) => {
    ({ server, tenant, biz } = started);
    courierToken = await tenant.token('courier', 'k1');
    courier = client(server.url, courierToken);
    orderId = (await placeOrder(biz, { customer: { id: 'c1', name: 'Ada' } })).id;
    await biz.post(`/v1/orders/${orderId}/assign`, { courier_id: 'k1' });
  });

  /** What a refused request must leave as it was: the tenant's orders and the order's state and history. */
  async function state() {
    const order = (await biz.get(`/v1/orders/${orderId}`)).body;
    return {
      ids: (await allOrderIds(biz)).sort(),
      order: { status: order.status, version: order.version, courier_id: order.courier_id, updated_at: order.updated_at },
      history: order.history.length,
    };
  }
  async function refused(send: () => Promise<ApiResponse>, status: number, code?: string) {
    const before = await state();
    const response = await send();
    const error = expectError(response, status, code);
    expect(await state()).toEqual(before);
    return error;
  }
  const paths = (error: { details?: unknown }) => ((error.details ?? []) as Array<{ path: string }>).map((d) => d.path);
  const raw = (method: string, path: string, rawBody: string, token = tenant.apiKey) => () =>
    request(server.url, method, path, { token, rawBody });

  describe('malformed JSON → 400 invalid_json', () => {
    it.each([
      ['POST', '/v1/orders', '{"customer": {"id": "c1"}'],
      ['POST', '/v1/orders', "{customer: {id: 'c1'}}"],
      ['POST', '/v1/orders', '{"customer": {"id": "c1"}} trailing'],
      ['POST', '/v1/orders/:id/status', '{"status": "processing",}'],
      ['POST', '/v1/orders/:id/assign', 'courier_id=k9'],
    ])('%s %s %s', async (method, path, body) => {
      await refused(raw(method, path.replace(':id', orderId), body), 400, 'invalid_json');
    });
    it('POST /v1/scans with broken JSON (courier)', async () => {
      await refused(raw('POST', '/v1/scans', '{"scans": [', courierToken), 400, 'invalid_json');
    });
  });

  describe('schema violations → 400 validation_failed with every bad field', () => {
    it('wrong types in an order are each listed by path', async () => {
      const error = await refused(
        () => biz.post('/v1/orders', {
          customer: { id: 42, email: 'not-an-email', phone: '555' },
          amount: { value: '12900', currency: 'usd' },
          destination: { lat: '22.3' },
          notify: { email: 'yes', sms: false },
        }),
        400,
        'validation_failed',
      );
      expect(paths(error).sort()).toEqual(
        ['amount.currency', 'amount.value', 'customer.email', 'customer.id', 'customer.phone', 'destination.lat', 'notify.email'].sort(),
      );
    });
    it.each([
      ['an empty body', ''],
      ['null', 'null'],
      ['an array', '[]'],
      ['a string', '"order"'],
      ['a missing customer', '{"external_id": "x"}'],
      ['an operator object as id', '{"customer": {"id": {"$gt": ""}}}'],
      ['a __proto__ key', '{"customer": {"id": "c1"}, "__proto__": {"status": "delivered"}}'],
      ['a constructor key', '{"customer": {"id": "c1", "constructor": {"prototype": {"x": 1}}}}'],
      ['an over-long id', JSON.stringify({ customer: { id: 'x'.repeat(201) } })],
    ])('POST /v1/orders with %s', async (_name, body) => {
      await refused(raw('POST', '/v1/orders', body), 400, 'validation_failed');
    });
    it('unknown status → 400 (status post and search)', async () => {
      const error = await refused(() => biz.post(`/v1/orders/${orderId}/status`, { status: 'teleported' }), 400, 'validation_failed');
      expect(paths(error)).toEqual(['status']);
      await refused(() => biz.post(`/v1/orders/${orderId}/status`, { status: 'PROCESSING' }), 400, 'validation_failed');
      await refused(() => biz.post(`/v1/orders/${orderId}/status`, { status: 'processing', location: { lat: 100, lng: 0 } }), 400, 'validation_failed');
      await refused(() => biz.post(`/v1/orders/${orderId}/status`, { status: 'processing', occurred_at: 'yesterday' }), 400, 'validation_failed');
      await refused(() => biz.get('/v1/orders?status=placed,teleported'), 400, 'validation_failed');
    });
    it('a bad scan is rejected on its own naming the field and changes nothing; a body that is no scan list → 400', async () => {
      // API.md: one bad scan does not fail the others (test/integration/scan-batch.test.ts covers mixed batches).
      const before = await state();
      const res = await courier.post('/v1/scans', {
        scans: [
          { event_id: 'bad-1', order_id: orderId, type: 'teleport', occurred_at: iso() },
          { event_id: 'x', order_id: { $ne: null }, type: 'pickup', occurred_at: iso() },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.results.map((r: { event_id: string; outcome: string; error: { code: string } & { details?: unknown } }) =>
        [r.event_id, r.outcome, r.error.code, paths(r.error)])).toEqual([
        ['bad-1', 'rejected', 'validation_failed', ['type']],
        ['x', 'rejected', 'validation_failed', ['order_id']],
      ]);
      expect(await state()).toEqual(before);
      await refused(() => courier.post('/v1/scans', { scans: 'all' }), 400, 'validation_failed');
    });
  });

  describe('bodies over 1 MiB → 413 payload_too_large', () => {
    const big = JSON.stringify({ customer: { id: 'c-big' }, metadata: { blob: 'x'.repeat(MiB) } });
    it('with a Content-Length', async () => {
      await refused(raw('POST', '/v1/orders', big), 413, 'payload_too_large');
      await refused(raw('POST', `/v1/orders/${orderId}/status`, JSON.stringify({ status: 'processing', note: 'x'.repeat(MiB) })), 413, 'payload_too_large');
    });
    it('chunked, without a Content-Length', async () => {
      const send = () =>
        new Promise<ApiResponse>((resolve, reject) => {
          const req = http.request(`${server.url}/v1/orders`, {
            method: 'POST',
            headers: { authorization: `Bearer ${tenant.apiKey}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
          });
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), headers: new Headers() }));
          });
          // The server may answer and close before the whole body is sent.
          req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
          for (let i = 0; i < big.length; i += 64 * 1024) req.write(big.slice(i, i + 64 * 1024));
          req.end();
        });
      await refused(send, 413, 'payload_too_large');
    });
    it('a body just under the limit is accepted', async () => {
      const body = JSON.stringify({ customer: { id: 'c-under' }, metadata: { blob: 'x'.repeat(MiB - 200) } });
      expect(Buffer.byteLength(body)).toBeLessThan(MiB);
      expect((await request(server.url, 'POST', '/v1/orders', { token: tenant.apiKey, rawBody: body })).status).toBe(201);
    });
  });

  describe('a body of another media type → 415 unsupported_media_type', () => {
    /** Posts `body` with exactly these headers (fetch would add a Content-Type of its own). */
    const post = (path: string, body: string, contentType: string | null) => () =>
      new Promise<ApiResponse>((resolve, reject) => {
        const headers: Record<string, string> = { authorization: `Bearer ${tenant.apiKey}`, 'content-length': String(Buffer.byteLength(body)) };
        if (contentType !== null) headers['content-type'] = contentType;
        const req = http.request(`${server.url}${path.replace(':id', orderId)}`, { method: 'POST', headers });
        req.on('response', (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            const answered = new Headers();
            for (const [name, value] of Object.entries(res.headers)) if (typeof value === 'string') answered.set(name, value);
            resolve({ status: res.statusCode!, body: text === '' ? text : JSON.parse(text), headers: answered });
          });
        });
        req.on('error', reject);
        req.end(body);
      });
    const order = JSON.stringify({ customer: { id: 'c-typed' } });

    it.each([
      ['/v1/orders', order, 'text/plain'],
      ['/v1/orders', order, 'text/plain; charset=utf-8'],
      ['/v1/orders', order, 'application/x-ndjson'],
      ['/v1/orders', 'customer%5Bid%5D=c1', 'application/x-www-form-urlencoded'],
      ['/v1/orders', order, null],
      ['/v1/orders/:id/status', JSON.stringify({ status: 'processing' }), 'text/plain'],
    ])('POST %s with %s as %s', async (path, body, contentType) => {
      let answer: ApiResponse | undefined;
      await refused(async () => (answer = await post(path, body, contentType)()), 415, 'unsupported_media_type');
      expect(answer!.headers.get('accept')).toBe('application/json, application/*+json');
    });

    it('JSON is read under any JSON media type', async () => {
      for (const contentType of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/vnd.shop+json']) {
        const external = `typed-${contentType.replace(/\W/g, '-')}-${Date.now()}`;
        const placed = await post('/v1/orders', JSON.stringify({ external_id: external, customer: { id: 'c-typed' } }), contentType)();
        expect({ contentType, status: placed.status }).toEqual({ contentType, status: 201 });
      }
    });

    it('an empty body is answered as before, whatever its media type: 400 validation_failed', async () => {
      for (const contentType of ['text/plain', null]) {
        await refused(post('/v1/orders', '', contentType), 400, 'validation_failed');
      }
    });

    it('is documented on every operation with a body', async () => {
      const document = (await request(server.url, 'GET', '/openapi.json')).body;
      expect(document.paths['/v1/orders'].post.responses['415']).toMatchObject({
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        headers: { Accept: { $ref: '#/components/headers/Accept' } },
      });
      expect(document.paths['/v1/orders'].get.responses['415']).toBeUndefined();
    });
  });

  describe('ids and queries that look like operators → clean 4xx', () => {
    const weirdIds = [
      '%7B%22%24gt%22%3A%22%22%7D',
      '$where',
      '%24ne',
      '%27%20OR%20%271%27%3D%271',
      '*',
      '%25',
      '..%2F..%2Fetc%2Fpasswd',
    ];
    it.each(weirdIds)('order id %s → 404 on every id route', async (id) => {
      await refused(() => biz.get(`/v1/orders/${id}`), 404, 'not_found');
      await refused(() => biz.get(`/v1/orders/${id}/events`), 404, 'not_found');
      await refused(() => biz.post(`/v1/orders/${id}/status`, { status: 'processing' }), 404, 'not_found');
      await refused(() => biz.post(`/v1/orders/${id}/assign`, { courier_id: 'k9' }), 404, 'not_found');
    });
    // API.md "Limits (more)": a path that is not text (here a NUL) is refused before any route looks it up.
    it('order id ord_%00 → 400 validation_failed on every id route', async () => {
      const id = 'ord_%00';
      await refused(() => biz.get(`/v1/orders/${id}`), 400, 'validation_failed');
      await refused(() => biz.get(`/v1/orders/${id}/events`), 400, 'validation_failed');
      await refused(() => biz.post(`/v1/orders/${id}/status`, { status: 'processing' }), 400, 'validation_failed');
      await refused(() => biz.post(`/v1/orders/${id}/assign`, { courier_id: 'k9' }), 400, 'validation_failed');
    });
    it.each([
      'status[$ne]=x',
      'customer_id[$gt]=',
      'customer_id=c1&customer_id=c2',
      'q[$regex]=.*',
      'courier_id[$exists]=true',
      'limit=1e400',
      'limit=-1',
      'limit=abc',
      'created_from=not-a-date',
      'since_seq=1',
      '__proto__[status]=delivered',
    ])('search ?%s → 400', async (query) => {
      await refused(() => biz.get(`/v1/orders?${query}`), 400, 'validation_failed');
    });
    it('events ?since_seq operators → 400', async () => {
      await refused(() => biz.get(`/v1/orders/${orderId}/events?since_seq[$gt]=0`), 400, 'validation_failed');
      await refused(() => biz.get(`/v1/orders/${orderId}/events?since_seq=abc`), 400, 'validation_failed');
    });
    it('a q made of SQL/LIKE wildcards matches nothing rather than everything', async () => {
      for (const q of ['%', '_', "' OR '1'='1", '*']) {
        const res = await biz.get(`/v1/orders?q=${encodeURIComponent(q)}`);
        expect(res.status).toBe(200);
        expect(res.body.items).toEqual([]);
      }
    });
  });
});
