/**
 * Tracking links (API.md "Tracking links"): a link reads the order's tracking view (never its customer's contact
 * details, items, metadata or notes), stops working some days after the order's course ended
 * (`tracking_link_days`), at once when its customer's personal data is erased, and when the order gets a new link
 * (`POST /v1/orders/:id/tracking-token`) — over HTTP (401) and live, on every node (its sockets disconnected, new
 * handshakes refused). A courier's position reaches an order's customer and links only while that order is out for
 * delivery; staff still see the fleet.
 */
import type { Socket } from 'socket.io-client';
import type { Order } from '../../../src/domain/order';
import { buildOrder, placedEvent } from '../../support/contracts/fixtures';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { craftJwt } from '../../support/jwt';
import { liveCluster } from '../../support/live-fixture';
import { JWT_SECRET } from '../../support/node-settings';
import { placeOrder, postStatus } from '../../support/orders';
import { type Received, Recorder } from '../../support/recorder';
import { connectSocket, emitAck, handshake, subscribeOk } from '../../support/sockets';

jest.setTimeout(60_000);

const cluster = liveCluster('links', { tenant: 'Acme' });

const DAY_MS = 24 * 3600 * 1000;

/** The fields of the tracking view, and nothing else (API.md "Tracking links"). */
const VIEW_FIELDS = [
  'arriving_at',
  'customer',
  'default_locale',
  'delivered_at',
  'destination',
  'eta',
  'external_id',
  'id',
  'last_location',
  'promised_by',
  // Null until the order is delivered (API.md "Proof of delivery").
  'proof',
  'status',
  'version',
];
const EVENT_FIELDS = ['occurred_at', 'recorded_at', 'scan_type', 'seq', 'status', 'type'];

/** A socket's disconnection, listened for from now on. */
function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', (reason) => resolve(reason)));
}

/** An order with personal data, items, metadata and a note in its history; its link is the placement's. */
async function privateOrder(api: Client) {
  const order = await placeOrder(api, {
    external_id: unique('shop'),
    customer: { id: unique('cust'), name: 'Chan Tai Man', email: 'chan@example.com', phone: '+85291234567', locale: 'en' },
    destination: { address: '12 Tai Hang Rd', lat: 22.28, lng: 114.19 },
    amount: { value: 12900, currency: 'HKD' },
    items: [{ sku: 'sofa', qty: 1 }],
    metadata: { gate: 'B', vip: true },
  });
  await postStatus(api, order.id, 'processing', { note: 'door code 4711' });
  return order;
}

it('shows a link the tracking view: no contact details, items, metadata, notes or customer id; over HTTP and in the subscription', async () => {
  const { a, b, biz } = cluster;
  const order = await privateOrder(biz);
  const tracker = client(b.url, order.tracking_token);

  const read = await tracker.get(`/v1/orders/${order.id}`);
  expect(read.status).toBe(200);
  // The shop's branding comes with the page's read only (its header), not with every live view.
  const { history, branding, ...view } = read.body;
  expect(branding).toEqual({ display_name: expect.any(String), logo_url: null, primary_color: expect.stringMatching(/^#[0-9a-f]{6}$/), support_email: null, support_phone: null });
  expect(Object.keys(view).sort()).toEqual(VIEW_FIELDS);
  expect(view).toEqual({
    id: order.id,
    external_id: order.external_id,
    status: 'processing',
    version: 2,
    eta: null,
    promised_by: null,
    delivered_at: null,
    arriving_at: null,
    destination: { address: '12 Tai Hang Rd', lat: 22.28, lng: 114.19 },
    last_location: null,
    customer: { name: 'Chan Tai Man', locale: 'en' },
    proof: null,
    default_locale: 'en',
  });
  expect(history.map((event: Record<string, unknown>) => Object.keys(event).sort())).toEqual([EVENT_FIELDS, EVENT_FIELDS]);
  expect(history.map((event: Record<string, unknown>) => [event.seq, event.status])).toEqual([
    [1, 'placed'],
    [2, 'processing'],
  ]);
  const events = await tracker.get(`/v1/orders/${order.id}/events?since_seq=0`);
  expect(events.status).toBe(200);
  expect(events.body.items).toEqual(history);
  for (const text of [JSON.stringify(read.body), JSON.stringify(events.body)]) {
    for (const secret of ['4711', 'chan@example.com', '+85291234567', order.customer.id, 'sofa', 'vip']) expect(text).not.toContain(secret);
  }

  // The subscription hands the same view (the history aside).
  const socket = await connectSocket(a.url, order.tracking_token);
  const ack = await subscribeOk(socket, order.id);
  expect(ack.order).toEqual(view);

  // The business still reads the whole order and its notes.
  const whole = (await biz.get(`/v1/orders/${order.id}`)).body;
  expect(whole.customer.email).toBe('chan@example.com');
  expect(whole.history[1].note).toBe('door code 4711');
});

it('tells a link the languages for its page: the customer’s as one the pages speak, the tenant’s default_locale; over HTTP and in the subscription', async () => {
  const { a, b, biz } = cluster;
  const taiwanese = await placeOrder(biz, { customer: { id: unique('cust'), locale: 'zh-Hant-TW' } });
  const french = await placeOrder(biz, { customer: { id: unique('cust'), name: 'Amélie', locale: 'fr-FR' } });
  expect((await biz.put('/v1/tenants/me/settings', { default_locale: 'ar' })).status).toBe(200);
  try {
    const viewOf = async (order: { id: string; tracking_token: string }) => {
      const { history: _history, branding: _branding, ...view } = (await client(b.url, order.tracking_token).get(`/v1/orders/${order.id}`)).body;
      const ack = await subscribeOk(await connectSocket(a.url, order.tracking_token), order.id);
      expect(ack.order).toEqual(view);
      return view;
    };
    expect(await viewOf(taiwanese)).toMatchObject({ customer: { locale: 'zh-HK' }, default_locale: 'ar' });
    // A language no page speaks is left out: the view says nothing more of the customer than a page would use.
    const view = await viewOf(french);
    expect(view.customer).toEqual({ name: 'Amélie' });
    expect(view.default_locale).toBe('ar');
  } finally {
    await biz.put('/v1/tenants/me/settings', { default_locale: 'en' });
  }
});

describe('a link stops working tracking_link_days after its order became terminal', () => {
  /** An order stored as delivered `daysAgo` days ago (behind the API's back: the API cannot place one in the past). */
  async function deliveredDaysAgo(daysAgo: number): Promise<{ order: Order; link: string }> {
    const { a, tenant } = cluster;
    const placed = new Date(Date.now() - daysAgo * DAY_MS - 3600_000).toISOString();
    const delivered = new Date(Date.now() - daysAgo * DAY_MS).toISOString();
    const order = buildOrder(tenant.id, {
      customer: { id: unique('cust'), name: 'Lee' },
      created_at: placed,
      updated_at: delivered,
      last_event_at: delivered,
      delivered_at: delivered,
      status: 'delivered',
      version: 2,
    });
    const created = await a.node.parts.store.orders.createOrder({
      order,
      firstEvent: placedEvent(order),
      idempotency: null,
      externalScope: 'tenant',
    });
    expect(created.kind).toBe('created');
    const now = Math.floor(Date.now() / 1000);
    const link = craftJwt({ tid: tenant.id, role: 'tracker', oid: order.id, iat: now, exp: now + 3600 }, JWT_SECRET);
    return { order, link };
  }

  it('30 days by default, then as the tenant sets it; refused over HTTP and at the handshake', async () => {
    const { a, b, biz } = cluster;
    const recent = await deliveredDaysAgo(0.5);
    const older = await deliveredDaysAgo(2);
    const past = await deliveredDaysAgo(31);
    const opens = async ({ order, link }: { order: Order; link: string }) => (await client(b.url, link).get(`/v1/orders/${order.id}`)).status;

    expect(await opens(recent)).toBe(200);
    expect(await opens(older)).toBe(200);
    expectError(await client(b.url, past.link).get(`/v1/orders/${past.order.id}`), 401, 'unauthorized');
    expect(await handshake(a.url, past.link)).toBe('unauthorized');
    expect(await handshake(a.url, older.link)).toBe('connected');

    expect((await biz.put('/v1/tenants/me/settings', { tracking_link_days: 1 })).status).toBe(200);
    try {
      expect(await opens(recent)).toBe(200);
      expectError(await client(b.url, older.link).get(`/v1/orders/${older.order.id}`), 401, 'unauthorized');
      expect(await handshake(b.url, older.link)).toBe('unauthorized');
      // The business still reads it.
      expect((await biz.get(`/v1/orders/${older.order.id}`)).status).toBe(200);
    } finally {
      await biz.put('/v1/tenants/me/settings', { tracking_link_days: 30 });
    }
  });
});

it('a new link ends every earlier one at once: HTTP 401, its sockets disconnected on both nodes, its handshakes refused', async () => {
  const { a, b, tenant, biz } = cluster;
  const order = await placeOrder(biz);
  const first = order.tracking_token;
  const onA = await connectSocket(a.url, first);
  const onB = await connectSocket(b.url, first);
  await subscribeOk(onB, order.id);
  const [goneA, goneB] = [disconnected(onA), disconnected(onB)];

  // Only the business and its staff hand out links; another tenant's order is not there.
  for (const role of ['customer', 'courier'] as const) {
    const other = client(a.url, await tenant.token(role, `${role}-links`));
    expectError(await other.post(`/v1/orders/${order.id}/tracking-token`, {}), 403, 'forbidden');
  }
  expectError(await client(a.url, first).post(`/v1/orders/${order.id}/tracking-token`, {}), 403, 'forbidden');
  expectError(await biz.post('/v1/orders/ord_unknown/tracking-token', {}), 404, 'not_found');

  const staff = client(a.url, await tenant.token('staff', 's-links'));
  const renewed = await staff.post(`/v1/orders/${order.id}/tracking-token`, {});
  expect(renewed.status).toBe(201);
  const second: string = renewed.body.tracking_token;
  expect(Object.keys(renewed.body)).toEqual(['tracking_token']);

  expect(await goneA).toBe('io server disconnect');
  expect(await goneB).toBe('io server disconnect');
  for (const node of [a, b]) {
    expectError(await client(node.url, first).get(`/v1/orders/${order.id}`), 401, 'unauthorized');
    expect(await handshake(node.url, first)).toBe('unauthorized');
  }

  // The new link works, and lives through the next status; a further renewal ends it too, live.
  const fresh = await connectSocket(b.url, second);
  expect((await subscribeOk(fresh, order.id)).order.id).toBe(order.id);
  const freshLog = Recorder.of(fresh);
  await postStatus(biz, order.id, 'processing');
  await freshLog.untilSeq(order.id, 2);
  expect((await client(a.url, second).get(`/v1/orders/${order.id}`)).status).toBe(200);
  const goneFresh = disconnected(fresh);
  const third = await biz.post(`/v1/orders/${order.id}/tracking-token`, {});
  expect(third.status).toBe(201);
  expect(await goneFresh).toBe('io server disconnect');
  expectError(await client(b.url, second).get(`/v1/orders/${order.id}`), 401, 'unauthorized');
  expect((await client(b.url, third.body.tracking_token).get(`/v1/orders/${order.id}`)).status).toBe(200);
});

it('erasing the customer\'s personal data ends the order\'s links at once, live on both nodes too', async () => {
  const { a, b, biz } = cluster;
  const order = await privateOrder(biz);
  const onA = await connectSocket(a.url, order.tracking_token);
  const onB = await connectSocket(b.url, order.tracking_token);
  await subscribeOk(onA, order.id);
  const [goneA, goneB] = [disconnected(onA), disconnected(onB)];

  const erased = await client(b.url, cluster.tenant.apiKey).delete(`/v1/customers/${order.customer.id}/personal-data`);
  expect(erased.status).toBe(200);

  expect(await goneA).toBe('io server disconnect');
  expect(await goneB).toBe('io server disconnect');
  for (const node of [a, b]) {
    expectError(await client(node.url, order.tracking_token).get(`/v1/orders/${order.id}`), 401, 'unauthorized');
    expect(await handshake(node.url, order.tracking_token)).toBe('unauthorized');
  }
});

it("a courier's position reaches an order's customer and link only while that order is out for delivery; staff see it all", async () => {
  const { a, b, tenant, biz } = cluster;
  const courierId = unique('k');
  const delivering = await placeOrder(biz);
  const carried = await placeOrder(biz);
  for (const [order, status] of [
    [delivering, 'out_for_delivery'],
    [carried, 'in_transit'],
  ] as const) {
    expect((await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId })).status).toBe(200);
    await postStatus(biz, order.id, status);
  }
  // Watchers on node A; the courier reports to node B.
  const deliveringLink = await connectSocket(a.url, delivering.tracking_token);
  const carriedLink = await connectSocket(a.url, carried.tracking_token);
  const carriedCustomer = await connectSocket(a.url, await tenant.token('customer', carried.customer.id));
  const staff = await connectSocket(a.url, await tenant.token('staff', 's-fleet'));
  const [deliveringLog, carriedLog, customerLog, staffLog] = [deliveringLink, carriedLink, carriedCustomer, staff].map(Recorder.of) as [
    Recorder,
    Recorder,
    Recorder,
    Recorder,
  ];
  await subscribeOk(deliveringLink, delivering.id);
  await subscribeOk(carriedLink, carried.id);
  await subscribeOk(carriedCustomer, carried.id);

  const courier = client(b.url, await tenant.token('courier', courierId));
  expect((await courier.post('/v1/couriers/me/location', { lat: 22.29, lng: 114.18 })).status).toBe(204);
  const isLocation = (orderId: string) => (entry: Received) => entry.event === 'courier_location' && entry.data.order_id === orderId;
  await deliveringLog.until(isLocation(delivering.id), 'the position at the link of the order out for delivery');
  await staffLog.until(isLocation(delivering.id), 'the position of the order out for delivery in the feed');
  await staffLog.until(isLocation(carried.id), 'the position of the order in transit in the feed');
  // One node delivers a position to all its sockets at once, and each socket's messages keep their order: an
  // acknowledgement asked for now comes after anything the position sent these sockets.
  await emitAck(carriedLink, 'unsubscribe', { order_id: carried.id });
  await emitAck(carriedCustomer, 'unsubscribe', { order_id: carried.id });
  expect(carriedLog.of('courier_location')).toEqual([]);
  expect(customerLog.of('courier_location')).toEqual([]);

  // Stored, the position shows in the view of the order out for delivery only, also to the other order's customer.
  await b.node.parts.couriers!.flush();
  expect((await client(a.url, delivering.tracking_token).get(`/v1/orders/${delivering.id}`)).body.last_location).toMatchObject({ lat: 22.29 });
  expect((await client(a.url, carried.tracking_token).get(`/v1/orders/${carried.id}`)).body.last_location).toBeNull();
  const customer = client(a.url, await tenant.token('customer', carried.customer.id));
  expect((await customer.get(`/v1/orders/${carried.id}`)).body.last_location).toBeNull();
  expect((await biz.get(`/v1/orders/${carried.id}`)).body.last_location).toMatchObject({ lat: 22.29 });
});
