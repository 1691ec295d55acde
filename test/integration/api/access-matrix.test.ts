import jwt from 'jsonwebtoken';
import { expectError } from '../../support/expect-error';
import { client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { craftJwt } from '../../support/jwt';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN, JWT_SECRET } from '../../support/node-settings';
import { allOrderIds, placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';
import { iso } from '../../support/time';

type Actor =
  | 'admin'
  | 'A business' | 'A staff' | 'A courier assigned' | 'A courier not assigned'
  | 'A customer owning' | 'A customer not owning' | 'A tracker of this order' | 'A tracker of another order'
  | 'B business' | 'B staff' | 'B courier same id' | 'B customer same id' | 'B tracker';
type Action = 'get' | 'events' | 'status' | 'assign' | 'scan';
/** HTTP status, or for scans (200 per batch) the scan's outcome. */
type Expect = 200 | 403 | 404 | 'applied' | 'rejected';

// Who may do what to tenant A's order (placed for customer c1, assigned to courier k1).
const MATRIX: Record<Actor, Record<Action, Expect>> = {
  'admin':                      { get: 403, events: 403, status: 403, assign: 403, scan: 403 },
  'A business':                 { get: 200, events: 200, status: 200, assign: 200, scan: 403 },
  'A staff':                    { get: 200, events: 200, status: 200, assign: 200, scan: 403 },
  'A courier assigned':         { get: 200, events: 200, status: 403, assign: 403, scan: 'applied' },
  'A courier not assigned':     { get: 404, events: 404, status: 403, assign: 403, scan: 'rejected' },
  'A customer owning':          { get: 200, events: 200, status: 403, assign: 403, scan: 403 },
  'A customer not owning':      { get: 404, events: 404, status: 403, assign: 403, scan: 403 },
  'A tracker of this order':    { get: 200, events: 200, status: 403, assign: 403, scan: 403 },
  'A tracker of another order': { get: 404, events: 404, status: 403, assign: 403, scan: 403 },
  'B business':                 { get: 404, events: 404, status: 404, assign: 404, scan: 403 },
  'B staff':                    { get: 404, events: 404, status: 404, assign: 404, scan: 403 },
  'B courier same id':          { get: 404, events: 404, status: 403, assign: 403, scan: 'rejected' },
  'B customer same id':         { get: 404, events: 404, status: 403, assign: 403, scan: 403 },
  'B tracker':                  { get: 404, events: 404, status: 403, assign: 403, scan: 403 },
};

describe('access matrix: two tenants × every role × every order route', () => {
  let server: TestNode;
  let a: Tenant;
  let b: Tenant;
  let bizA: Client;
  let bizB: Client;
  let order: Record<string, any>; // A's order: customer c1, courier k1
  let other: Record<string, any>; // A's order: customer c2
  let orderB: Record<string, any>; // B's order: customer c1, courier k1
  const tokens = {} as Record<Actor, string>;

  beforeAll(async () => {
    server = await startTestNode();
    a = await createTenant(server.url, 'A');
    b = await createTenant(server.url, 'B');
    bizA = client(server.url, a.apiKey);
    bizB = client(server.url, b.apiKey);
    order = await placeOrder(bizA, { customer: { id: 'c1', name: 'Alice' }, external_id: 'shared-ext' });
    other = await placeOrder(bizA, { customer: { id: 'c2' } });
    orderB = await placeOrder(bizB, { customer: { id: 'c1' }, external_id: 'shared-ext' });
    expect((await bizA.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
    expect((await bizB.post(`/v1/orders/${orderB.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
    Object.assign(tokens, {
      'admin': ADMIN_TOKEN,
      'A business': a.apiKey,
      'A staff': await a.token('staff', 's1'),
      'A courier assigned': await a.token('courier', 'k1'),
      'A courier not assigned': await a.token('courier', 'k2'),
      'A customer owning': await a.token('customer', 'c1'),
      'A customer not owning': await a.token('customer', 'c2'),
      'A tracker of this order': order.tracking_token,
      'A tracker of another order': other.tracking_token,
      'B business': b.apiKey,
      'B staff': await b.token('staff', 's1'),
      'B courier same id': await b.token('courier', 'k1'),
      'B customer same id': await b.token('customer', 'c1'),
      'B tracker': orderB.tracking_token,
    } satisfies Record<Actor, string>);
  });
  afterAll(() => server.close());

  /** A's order as its business sees it: what a refused call must leave untouched. */
  const snapshot = async () => {
    const got = (await bizA.get(`/v1/orders/${order.id}`)).body;
    return { status: got.status, version: got.version, courier_id: got.courier_id, history: got.history.length };
  };

  const call = (actor: Actor, action: Action) => {
    const api = client(server.url, tokens[actor]);
    switch (action) {
      case 'get': return api.get(`/v1/orders/${order.id}`);
      case 'events': return api.get(`/v1/orders/${order.id}/events?since_seq=0`);
      case 'status': return api.post(`/v1/orders/${order.id}/status`, { status: 'in_transit' });
      case 'assign': return api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' });
      case 'scan':
        return api.post('/v1/scans', { scans: [{ event_id: unique('scan'), order_id: order.id, type: 'hub_in', occurred_at: iso() }] });
    }
  };

  const cases = (Object.entries(MATRIX) as Array<[Actor, Record<Action, Expect>]>).flatMap(([actor, row]) =>
    (Object.entries(row) as Array<[Action, Expect]>).map(([action, expected]) => [actor, action, expected] as const),
  );

  it.each(cases)('%s → %s → %s', async (actor, action, expected) => {
    const before = await snapshot();
    const res = await call(actor, action);
    const mutating = action === 'status' || action === 'assign' || action === 'scan';
    if (expected === 403 || expected === 404) {
      expectError(res, expected, expected === 403 ? 'forbidden' : 'not_found');
      expect(JSON.stringify(res.body)).not.toContain(order.id);
      if (mutating) expect(await snapshot()).toEqual(before);
      return;
    }
    expect(res.status).toBe(200);
    if (action === 'scan') {
      const [result] = res.body.results;
      if (expected === 'applied') {
        expect(result).toMatchObject({ outcome: 'applied', seq: before.version + 1 });
      } else {
        expect(result).toMatchObject({ outcome: 'rejected', error: { code: 'not_found' } });
        expect(JSON.stringify(result)).not.toContain(order.id);
        expect(await snapshot()).toEqual(before);
      }
      return;
    }
    // A tracking link reads the tracking view (API.md "Tracking links"): its order's id, not its tenant or courier.
    const tracker = actor === 'A tracker of this order';
    if (action === 'events') {
      expect(res.body.items.length).toBeGreaterThan(0);
      if (!tracker) expect(res.body.items.every((e: { order_id: string }) => e.order_id === order.id)).toBe(true);
    } else {
      if (tracker) expect(Object.keys(res.body)).not.toContain('tenant_id');
      expect(res.body).toMatchObject(tracker ? { id: order.id } : { id: order.id, tenant_id: a.id, courier_id: 'k1' });
    }
  });

  it('a hidden order answers exactly like a missing one', async () => {
    for (const api of [bizB, client(server.url, tokens['A customer not owning'])]) {
      const hidden = await api.get(`/v1/orders/${order.id}`);
      const missing = await api.get('/v1/orders/ord_doesnotexist00000000000000');
      expect({ status: hidden.status, body: hidden.body }).toEqual({ status: missing.status, body: missing.body });
    }
  });

  it('an unassigned courier replaying an event id of the order is rejected not_found, not told "duplicate"', async () => {
    // `placed-<order id>` is every order's first event id; `recent` was just applied by the order's actor.
    // A "duplicate" answer (with its seq) would confirm the order exists and leak its progress.
    const recent = unique('recent');
    const applied = await client(server.url, tokens['A business']).post(`/v1/orders/${order.id}/status`, { status: 'in_transit', event_id: recent });
    expect(applied.status).toBe(200);
    const outcomes: string[] = [];
    for (const actor of ['B courier same id', 'A courier not assigned'] as const) {
      for (const eventId of [`placed-${order.id}`, recent]) {
        const res = await client(server.url, tokens[actor]).post('/v1/scans', {
          scans: [{ event_id: eventId, order_id: order.id, type: 'hub_in', occurred_at: iso() }],
        });
        expect(res.status).toBe(200);
        outcomes.push(`${actor} / ${eventId === recent ? 'recent' : 'placed'}: ${res.body.results[0].outcome} ${res.body.results[0].error?.code ?? res.body.results[0].seq}`);
      }
    }
    expect(outcomes).toEqual([
      'B courier same id / placed: rejected not_found',
      'B courier same id / recent: rejected not_found',
      'A courier not assigned / placed: rejected not_found',
      'A courier not assigned / recent: rejected not_found',
    ]);
  });

  describe('search', () => {
    it('tenant B never sees A orders, whatever the filter', async () => {
      const seen = await allOrderIds(bizB);
      expect(seen).toEqual([orderB.id]);
      for (const query of [`q=${order.id}`, 'customer_id=c1', 'courier_id=k1', 'q=shared-ext', 'q=alice']) {
        const ids = await allOrderIds(bizB, query);
        expect(ids).not.toContain(order.id);
        expect(ids).not.toContain(other.id);
      }
    });
    it('a customer sees only its own orders, even when asking for another customer', async () => {
      const c1 = client(server.url, tokens['A customer owning']);
      expect(await allOrderIds(c1)).toEqual([order.id]);
      expect(await allOrderIds(c1, 'customer_id=c2')).toEqual([]);
      expect(await allOrderIds(c1, `q=${other.id}`)).toEqual([]);
      expect(await allOrderIds(client(server.url, tokens['A customer not owning']), 'customer_id=c1')).toEqual([]);
    });
    it('a courier sees only its assigned orders; trackers and admin may not search', async () => {
      expect(await allOrderIds(client(server.url, tokens['A courier assigned']))).toEqual([order.id]);
      expect(await allOrderIds(client(server.url, tokens['A courier assigned']), 'courier_id=k2')).toEqual([]);
      expect(await allOrderIds(client(server.url, tokens['A courier not assigned']))).toEqual([]);
      expect(await allOrderIds(client(server.url, tokens['A courier not assigned']), 'courier_id=k1')).toEqual([]);
      expectError(await client(server.url, tokens['A tracker of this order']).get('/v1/orders'), 403, 'forbidden');
      expectError(await client(server.url, ADMIN_TOKEN).get('/v1/orders'), 403, 'forbidden');
    });
  });

  describe('mass assignment', () => {
    it.each([
      ['status', 'delivered'],
      ['tenant_id', 'B'],
      ['version', 99],
      ['courier_id', 'k1'],
      ['id', 'ord_chosen'],
    ])('POST /v1/orders with %s → 400 validation_failed and nothing created', async (field, value) => {
      const before = await allOrderIds(bizA);
      const ext = unique('mass');
      const body = { external_id: ext, customer: { id: 'c1' }, [field]: value === 'B' ? b.id : value };
      for (const api of [bizA, client(server.url, tokens['A customer owning'])]) {
        const error = expectError(await api.post('/v1/orders', body), 400, 'validation_failed');
        expect(JSON.stringify(error.details)).toContain(field);
      }
      expect(await allOrderIds(bizA)).toEqual(before);
      expect(await allOrderIds(bizA, `q=${ext}`)).toEqual([]);
      expect(await allOrderIds(bizB, `q=${ext}`)).toEqual([]);
    });
    it('a customer token cannot post a status to its own order', async () => {
      const before = await snapshot();
      const res = await client(server.url, tokens['A customer owning']).post(`/v1/orders/${order.id}/status`, { status: 'delivered' });
      expectError(res, 403, 'forbidden');
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('bad credentials → 401', () => {
    let claims: { tid: string; role: string; sub: string };
    beforeAll(async () => {
      const minted = await bizA.post('/v1/tokens', { role: 'customer', subject: 'c1', ttl_s: 1 });
      expect(minted.status).toBe(201);
      expect(Date.parse(minted.body.expires_at) - Date.now()).toBeLessThanOrEqual(1_000);
      const decoded = jwt.decode(minted.body.token) as Record<string, unknown>;
      expect(decoded).toMatchObject({ tid: a.id, role: 'customer', sub: 'c1', iss: 'order-tracking' });
      expect((decoded.exp as number) - (decoded.iat as number)).toBe(1);
      claims = { tid: a.id, role: 'customer', sub: 'c1' };
    });
    const now = () => Math.floor(Date.now() / 1000);
    const get = (token: string) => request(server.url, 'GET', `/v1/orders/${order.id}`, { headers: { authorization: `Bearer ${token}` } });

    it('a crafted token with a future exp works (the layout is right)', async () => {
      expect((await get(craftJwt({ ...claims, iat: now(), exp: now() + 600 }, JWT_SECRET))).status).toBe(200);
    });
    it('expired token → 401', async () => {
      expectError(await get(craftJwt({ ...claims, iat: now() - 120, exp: now() - 60 }, JWT_SECRET)), 401, 'unauthorized');
    });
    it('forged token (other secret), alg none and garbage → 401', async () => {
      const forged = craftJwt({ ...claims, iat: now(), exp: now() + 600 }, 'another-secret-another-secret-another-secret');
      const unsigned = jwt.sign({ ...claims, iss: 'order-tracking' }, null as unknown as string, { algorithm: 'none' });
      for (const token of [forged, unsigned, 'garbage', 'a.b.c', `${a.apiKey}x`, 'ak_unknown']) {
        expectError(await get(token), 401, 'unauthorized');
      }
      expectError(await request(server.url, 'GET', `/v1/orders/${order.id}`), 401, 'unauthorized');
      expectError(await request(server.url, 'GET', '/v1/orders', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }), 401, 'unauthorized');
    });
  });
});
