import { expectError } from '../../support/expect-error';
import { client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { allOrderIds, placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';
import { iso } from '../../support/time';

type Ev = { seq: number | null; status: string; event_id: string; applied: boolean; occurred_at: string };

describe('every route: happy path and error codes', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  tenantNode((started) => ({ server, tenant, biz } = started));

  describe('POST /v1/tenants', () => {
    it('admin creates a tenant: 201 {id, name, api_key}', async () => {
      const res = await client(server.url, ADMIN_TOKEN).post('/v1/tenants', { name: 'Globex' });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ id: expect.any(String), name: 'Globex', api_key: expect.any(String) });
      expect((await client(server.url, res.body.api_key).get('/v1/orders')).status).toBe(200);
    });
    it('401 without or with a bad token, 403 for a business key, 400 for a bad body', async () => {
      expectError(await client(server.url).post('/v1/tenants', { name: 'X' }), 401, 'unauthorized');
      expectError(await client(server.url, 'not-a-token').post('/v1/tenants', { name: 'X' }), 401, 'unauthorized');
      expectError(await biz.post('/v1/tenants', { name: 'X' }), 403, 'forbidden');
      const admin = client(server.url, ADMIN_TOKEN);
      for (const body of [{}, { name: '' }, { name: 42 }, { name: 'X', extra: 1 }]) {
        expectError(await admin.post('/v1/tenants', body), 400, 'validation_failed');
      }
    });
  });

  describe('POST /v1/tokens', () => {
    it.each(['customer', 'courier', 'staff'] as const)('business mints a %s token that works', async (role) => {
      const res = await biz.post('/v1/tokens', { role, subject: 'sub-1', ttl_s: 120 });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ token: expect.any(String), expires_at: expect.any(String) });
      expect(Math.abs(Date.parse(res.body.expires_at) - (Date.now() + 120_000))).toBeLessThan(5_000);
      expect((await client(server.url, res.body.token).get('/v1/orders')).status).toBe(200);
    });
    it('403 for staff, customer and admin; 400 for bad role or ttl', async () => {
      for (const token of [await tenant.token('staff', 's1'), await tenant.token('customer', 'c1'), ADMIN_TOKEN]) {
        expectError(await client(server.url, token).post('/v1/tokens', { role: 'staff', subject: 'x' }), 403, 'forbidden');
      }
      for (const body of [
        { role: 'admin', subject: 'x' },
        { role: 'tracker', subject: 'x' },
        { role: 'staff', subject: 'x', ttl_s: 0 },
        { role: 'staff', subject: 'x', ttl_s: 1.5 },
        { role: 'staff', subject: 'x', ttl_s: 31 * 24 * 3600 },
        { role: 'staff', subject: 'x', ttl_s: '60' },
      ]) {
        expectError(await biz.post('/v1/tokens', body), 400, 'validation_failed');
      }
    });
  });

  describe('POST /v1/orders', () => {
    it('201 with tracking_token that reads the order', async () => {
      const customer = { id: 'c-place', name: 'Ada', email: 'ada@example.com', phone: '+15550000001', locale: 'en' };
      const res = await biz.post('/v1/orders', { customer, amount: { value: 12900, currency: 'HKD' } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'placed', version: 1, tenant_id: tenant.id, customer, courier_id: null });
      expect(typeof res.body.tracking_token).toBe('string');
      const viaTracker = await client(server.url, res.body.tracking_token).get(`/v1/orders/${res.body.id}`);
      expect(viaTracker.status).toBe(200);
      expect(viaTracker.body.id).toBe(res.body.id);
    });
    it('Idempotency-Key: repeat → 200 same order; different body → 409 idempotency_conflict', async () => {
      const key = unique('idem');
      const body = { customer: { id: 'c-idem' }, metadata: { k: key } };
      const first = await biz.post('/v1/orders', body, { headers: { 'Idempotency-Key': key } });
      expect(first.status).toBe(201);
      const again = await biz.post('/v1/orders', body, { headers: { 'Idempotency-Key': key } });
      expect(again.status).toBe(200);
      expect(again.body.id).toBe(first.body.id);
      const conflict = await biz.post('/v1/orders', { ...body, customer: { id: 'c-other' } }, { headers: { 'Idempotency-Key': key } });
      expectError(conflict, 409, 'idempotency_conflict');
      expect(await allOrderIds(biz, 'customer_id=c-other')).toEqual([]);
      expect(await allOrderIds(biz, 'customer_id=c-idem')).toEqual([first.body.id]);
    });
    it('same external_id → 200 with the original order', async () => {
      const ext = unique('shop');
      const first = await placeOrder(biz, { external_id: ext, customer: { id: 'c-ext' } });
      const again = await biz.post('/v1/orders', { external_id: ext, customer: { id: 'c-ext' }, metadata: { v: 2 } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ id: first.id, metadata: null });
      expect(await allOrderIds(biz, `q=${ext}`)).toEqual([first.id]);
    });
    it('a customer places for itself (201), not for another customer (403)', async () => {
      const me = client(server.url, await tenant.token('customer', 'c-self'));
      const own = await me.post('/v1/orders', { customer: { id: 'c-self' } });
      expect(own.status).toBe(201);
      expect(own.body.customer.id).toBe('c-self');
      expectError(await me.post('/v1/orders', { customer: { id: 'c-victim' } }), 403, 'forbidden');
      expect(await allOrderIds(biz, 'customer_id=c-victim')).toEqual([]);
    });
  });

  describe('reads, events and status', () => {
    let id: string;
    beforeAll(async () => {
      id = (await placeOrder(biz)).id;
    });
    it('POST status → 200 with Event-Seq; GET returns history oldest first; events since_seq', async () => {
      const res = await biz.post(`/v1/orders/${id}/status`, { status: 'processing', event_id: 'e-proc', note: 'picking' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'processing', version: 2 });
      expect(res.headers.get('event-seq')).toBe('2');
      const shipped = await biz.post(`/v1/orders/${id}/status`, { status: 'shipped', location: { lat: 22.3, lng: 114.2 } });
      expect(shipped.body.version).toBe(3);
      const got = await biz.get(`/v1/orders/${id}`);
      expect(got.status).toBe(200);
      expect(got.body.history.map((e: Ev) => [e.seq, e.status])).toEqual([[1, 'placed'], [2, 'processing'], [3, 'shipped']]);
      expect(got.body.history[2]).toMatchObject({ location: { lat: 22.3, lng: 114.2 }, source: 'business', applied: true });
      const since = await biz.get(`/v1/orders/${id}/events?since_seq=1`);
      expect(since.status).toBe(200);
      expect(since.body.items.map((e: Ev) => e.seq)).toEqual([2, 3]);
      expect((await biz.get(`/v1/orders/${id}/events?since_seq=3`)).body.items).toEqual([]);
      expectError(await biz.get(`/v1/orders/${id}/events?since_seq=-1`), 400, 'validation_failed');
    });
    it('duplicate event_id → same Event-Seq, Event-Outcome duplicate, nothing new recorded', async () => {
      const before = (await biz.get(`/v1/orders/${id}`)).body;
      const dup = await biz.post(`/v1/orders/${id}/status`, { status: 'processing', event_id: 'e-proc' });
      expect(dup.status).toBe(200);
      expect(dup.headers.get('event-seq')).toBe('2');
      expect(dup.headers.get('event-outcome')).toBe('duplicate');
      const after = (await biz.get(`/v1/orders/${id}`)).body;
      expect(after.history).toHaveLength(before.history.length);
      expect(after).toMatchObject({ status: before.status, version: before.version });
    });
    it('late event → 200, status unchanged, kept in history with applied:false and seq:null', async () => {
      const latest = await biz.post(`/v1/orders/${id}/status`, { status: 'in_transit', occurred_at: iso() });
      expect(latest.body.status).toBe('in_transit');
      const late = await biz.post(`/v1/orders/${id}/status`, { status: 'out_for_delivery', event_id: 'e-late', occurred_at: iso(-3_600_000) });
      expect(late.status).toBe(200);
      expect(late.body).toMatchObject({ status: 'in_transit', version: latest.body.version });
      const got = (await biz.get(`/v1/orders/${id}`)).body;
      expect(got).toMatchObject({ status: 'in_transit', version: latest.body.version });
      expect(got.history.find((e: Ev) => e.event_id === 'e-late')).toMatchObject({ applied: false, seq: null, status: 'out_for_delivery' });
      // Oldest first means by occurred_at: the late event sits before the events that happened after it.
      const occurred = got.history.map((e: Ev) => e.occurred_at);
      expect([...occurred].sort()).toEqual(occurred);
      const events = (await biz.get(`/v1/orders/${id}/events?since_seq=0`)).body.items as Ev[];
      expect(events.every((e) => e.applied && e.seq !== null)).toBe(true);
    });
    it('occurred_at > 5 min ahead → 400; illegal transition → 409; unknown order → 404', async () => {
      const future = await biz.post(`/v1/orders/${id}/status`, { status: 'out_for_delivery', occurred_at: iso(10 * 60_000) });
      expect(expectError(future, 400, 'validation_failed').details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'occurred_at' })]));
      await biz.post(`/v1/orders/${id}/status`, { status: 'delivered' });
      const illegal = await biz.post(`/v1/orders/${id}/status`, { status: 'processing' });
      expect(expectError(illegal, 409, 'illegal_transition').details).toEqual({ from: 'delivered', to: 'processing' });
      expect((await biz.get(`/v1/orders/${id}`)).body.status).toBe('delivered');
      expectError(await biz.get('/v1/orders/ord_nope'), 404, 'not_found');
      expectError(await biz.get('/v1/orders/ord_nope/events'), 404, 'not_found');
      expectError(await biz.post('/v1/orders/ord_nope/status', { status: 'processing' }), 404, 'not_found');
    });
  });

  it('POST /v1/orders/:id/assign → 200; 404 unknown order; 400 bad body; 403 courier', async () => {
    const { id } = await placeOrder(biz);
    const res = await biz.post(`/v1/orders/${id}/assign`, { courier_id: 'k-assign' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, courier_id: 'k-assign', version: 1 });
    expect((await biz.get(`/v1/orders/${id}`)).body.courier_id).toBe('k-assign');
    expectError(await biz.post('/v1/orders/ord_nope/assign', { courier_id: 'k' }), 404, 'not_found');
    expectError(await biz.post(`/v1/orders/${id}/assign`, {}), 400, 'validation_failed');
    const courier = client(server.url, await tenant.token('courier', 'k-assign'));
    expectError(await courier.post(`/v1/orders/${id}/assign`, { courier_id: 'k-assign' }), 403, 'forbidden');
  });

  describe('GET /v1/orders search', () => {
    let api: Client;
    let orders: Array<Record<string, any>>;
    beforeAll(async () => {
      const t = await createTenant(server.url, 'Search');
      api = client(server.url, t.apiKey);
      orders = [];
      for (let i = 0; i < 5; i++) {
        const customer = { id: `sc${i}`, name: `Grace Hopper${i}`, email: `g${i}@navy.example`, phone: `+1555000010${i}` };
        orders.push(await placeOrder(api, { external_id: `ext-${i}`, customer }));
      }
      await api.post(`/v1/orders/${orders[1]!.id}/status`, { status: 'processing' });
      await api.post(`/v1/orders/${orders[2]!.id}/status`, { status: 'shipped' });
      await api.post(`/v1/orders/${orders[3]!.id}/assign`, { courier_id: 'k-search' });
    });
    const ids = (res: { body: { items: Array<{ id: string }> } }) => res.body.items.map((o) => o.id).sort();

    it('filters by status list, customer_id, courier_id and created range', async () => {
      expect(ids(await api.get('/v1/orders?status=processing,shipped'))).toEqual([orders[1]!.id, orders[2]!.id].sort());
      expect(ids(await api.get('/v1/orders?customer_id=sc4'))).toEqual([orders[4]!.id]);
      expect(ids(await api.get('/v1/orders?courier_id=k-search'))).toEqual([orders[3]!.id]);
      const pivot = orders[2]!.created_at as string;
      const from = (await api.get(`/v1/orders?created_from=${pivot}`)).body.items as Array<{ id: string; created_at: string }>;
      expect(from.map((o) => o.id).sort()).toEqual(orders.filter((o) => o.created_at >= pivot).map((o) => o.id).sort());
      const to = (await api.get(`/v1/orders?created_to=${pivot}`)).body.items as Array<{ id: string }>;
      expect(to.map((o) => o.id).sort()).toEqual(orders.filter((o) => o.created_at <= pivot).map((o) => o.id).sort());
      expect(from.map((o) => o.id)).toContain(orders[2]!.id);
      expect(to.map((o) => o.id)).toContain(orders[2]!.id);
    });
    it('q matches id, external_id, customer name, email and phone', async () => {
      const o = orders[3]!;
      for (const q of [o.id, 'ext-3', 'Grace Hopper3', 'hopper3', 'g3@navy.example', '+15550000103', '15550000103']) {
        expect(ids(await api.get(`/v1/orders?q=${encodeURIComponent(q)}`))).toEqual([o.id]);
      }
    });
    it('limit + cursor pages newest first, next_cursor null at the end; limit > 200 → 400', async () => {
      const seen: Array<{ id: string; created_at: string }> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: any = await api.get(`/v1/orders?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items);
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor && pages < 10);
      expect(cursor).toBeNull();
      expect(pages).toBe(3);
      const key = (o: Record<string, any>) => `${o.created_at}|${o.id}`;
      expect(seen.map(key)).toEqual(orders.map(key).sort().reverse());
      expectError(await api.get('/v1/orders?limit=201'), 400, 'validation_failed');
      expectError(await api.get('/v1/orders?cursor=garbage'), 400, 'validation_failed');
    });
  });

  describe('couriers', () => {
    it('POST /v1/scans: results in input order with each outcome', async () => {
      const courier = client(server.url, await tenant.token('courier', 'k1'));
      const [free, mine, theirs, early] = [await placeOrder(biz), await placeOrder(biz), await placeOrder(biz), await placeOrder(biz)];
      await biz.post(`/v1/orders/${mine.id}/assign`, { courier_id: 'k1' });
      await biz.post(`/v1/orders/${theirs.id}/assign`, { courier_id: 'k2' });
      await biz.post(`/v1/orders/${early.id}/assign`, { courier_id: 'k1' });
      const now = iso();
      const scans = [
        { event_id: 's1', order_id: free.id, type: 'pickup', occurred_at: now },
        { event_id: 's2', order_id: mine.id, type: 'pickup', occurred_at: now, location: { lat: 1, lng: 2 } },
        { event_id: 's2', order_id: mine.id, type: 'pickup', occurred_at: now },
        { event_id: 's3', order_id: theirs.id, type: 'pickup', occurred_at: now },
        { event_id: 's4', order_id: early.id, type: 'failed_attempt', occurred_at: now },
        { event_id: 's5', order_id: mine.id, type: 'hub_in', occurred_at: iso(-3_600_000) },
        { event_id: 's6', order_id: early.id, type: 'pickup', occurred_at: now },
      ];
      const res = await courier.post('/v1/scans', { scans });
      expect(res.status).toBe(200);
      expect(res.body.results).toEqual([
        { event_id: 's1', outcome: 'applied', seq: 2 },
        { event_id: 's2', outcome: 'applied', seq: 2 },
        { event_id: 's2', outcome: 'duplicate', seq: 2 },
        { event_id: 's3', outcome: 'rejected', error: expect.objectContaining({ code: 'not_found' }) },
        { event_id: 's4', outcome: 'rejected', error: expect.objectContaining({ code: 'illegal_transition' }) },
        { event_id: 's5', outcome: 'late', seq: null },
        { event_id: 's6', outcome: 'applied', seq: 2 },
      ]);
      expect((await biz.get(`/v1/orders/${free.id}`)).body).toMatchObject({ status: 'shipped', courier_id: 'k1' });
      const mineNow = (await biz.get(`/v1/orders/${mine.id}`)).body;
      expect(mineNow).toMatchObject({ status: 'shipped', version: 2 });
      expect(mineNow.history.map((e: Ev) => [e.event_id, e.seq, e.applied])).toEqual([['s5', null, false], [`placed-${mine.id}`, 1, true], ['s2', 2, true]]);
      expect((await biz.get(`/v1/orders/${theirs.id}`)).body).toMatchObject({ status: 'placed', courier_id: 'k2', version: 1 });
      expect((await biz.get(`/v1/orders/${early.id}`)).body).toMatchObject({ status: 'shipped', version: 2 });
    });
    it('POST /v1/scans: 0 or 501 scans → 400; non-courier → 403', async () => {
      const courier = client(server.url, await tenant.token('courier', 'k1'));
      expectError(await courier.post('/v1/scans', { scans: [] }), 400, 'validation_failed');
      const many = Array.from({ length: 501 }, (_, i) => ({ event_id: `m${i}`, order_id: 'ord_x', type: 'hub_in', occurred_at: iso() }));
      expectError(await courier.post('/v1/scans', { scans: many }), 400, 'validation_failed');
      expectError(await biz.post('/v1/scans', { scans: many.slice(0, 1) }), 403, 'forbidden');
    });
    it('POST /v1/couriers/me/location → 204, kept as last_location only on shipped/in_transit/out_for_delivery orders', async () => {
      const courierId = unique('k-loc');
      const setup: Array<[string, string | null, string]> = [
        ['shipped', courierId, 'yes'], ['in_transit', courierId, 'yes'], ['out_for_delivery', courierId, 'yes'],
        ['placed', courierId, 'no'], ['delivered', courierId, 'no'], ['shipped', 'k-someone-else', 'no'],
      ];
      const ids: string[] = [];
      for (const [status, courier] of setup) {
        const { id } = await placeOrder(biz);
        await biz.post(`/v1/orders/${id}/assign`, { courier_id: courier });
        if (status !== 'placed') expect((await biz.post(`/v1/orders/${id}/status`, { status })).status).toBe(200);
        ids.push(id);
      }
      const courier = client(server.url, await tenant.token('courier', courierId));
      const at = iso(-1000);
      const res = await courier.post('/v1/couriers/me/location', { lat: 22.31, lng: 114.17, heading: 90, speed: 4.2, at });
      expect(res.status).toBe(204);
      // Positions are stored in coalesced batches; flush the pending one instead of waiting for the timer.
      await server.node.parts.couriers!.flush();
      for (const [i, [, , expected]] of setup.entries()) {
        const got = (await biz.get(`/v1/orders/${ids[i]}`)).body;
        expect(got.last_location).toEqual(expected === 'yes' ? { lat: 22.31, lng: 114.17, at } : null);
      }
      expectError(await courier.post('/v1/couriers/me/location', { lat: 91, lng: 0 }), 400, 'validation_failed');
      expectError(await biz.post('/v1/couriers/me/location', { lat: 1, lng: 1 }), 403, 'forbidden');
    });
  });

  describe('service endpoints', () => {
    it('healthz and readyz answer 200 without a token', async () => {
      expect(await request(server.url, 'GET', '/healthz')).toMatchObject({ status: 200, body: { ok: true } });
      expect(await request(server.url, 'GET', '/readyz')).toMatchObject({ status: 200, body: { ok: true } });
    });
    it('metrics is Prometheus text with the service metrics', async () => {
      const res = await request(server.url, 'GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      for (const name of ['http_requests_total', 'store_write_batch_size', 'actors_live']) {
        expect(res.body).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
      }
      expect(res.body).toMatch(/^http_requests_total\{[^}]*route="\/v1\/orders"[^}]*\} \d+/m);
    });
    it('openapi.json is OpenAPI 3.1.0 with every route', async () => {
      const res = await request(server.url, 'GET', '/openapi.json');
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      const expected: Array<[string, string]> = [
        ['/v1/tenants', 'post'], ['/v1/tokens', 'post'], ['/v1/orders', 'post'], ['/v1/orders', 'get'],
        ['/v1/orders/{id}', 'get'], ['/v1/orders/{id}/events', 'get'], ['/v1/orders/{id}/status', 'post'],
        ['/v1/orders/{id}/assign', 'post'], ['/v1/scans', 'post'], ['/v1/couriers/me/location', 'post'],
        ['/healthz', 'get'], ['/readyz', 'get'], ['/metrics', 'get'], ['/openapi.json', 'get'],
      ];
      for (const [path, method] of expected) expect(res.body.paths?.[path]?.[method]).toBeDefined();
    });
    it('an unknown route is 404 with the error shape', async () => {
      expectError(await request(server.url, 'GET', '/v1/nope', { token: tenant.apiKey }), 404, 'not_found');
      expectError(await request(server.url, 'GET', '/nope'), 404, 'not_found');
    });
    it('a route matches in any letter case and with a trailing slash; another method of it is 405 naming the ones it has', async () => {
      const order = await placeOrder(biz, { customer: { id: 'c-route' } });
      for (const path of [`/v1/orders/${order.id}`, `/V1/Orders/${order.id}`, `/v1/orders/${order.id}/`]) {
        const res = await request(server.url, 'GET', path, { token: tenant.apiKey });
        expect([path, res.status, res.body.id]).toEqual([path, 200, order.id]);
      }
      expect((await request(server.url, 'GET', '/healthz/')).status).toBe(200);
      const wrong = await request(server.url, 'DELETE', `/v1/orders/${order.id}/status`, { token: tenant.apiKey });
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
      expectError(await request(server.url, 'GET', `/v1/orders/${order.id}/nope`, { token: tenant.apiKey }), 404, 'not_found');
    });
  });
});
