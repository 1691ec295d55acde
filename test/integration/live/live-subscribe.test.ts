/**
 * `subscribe` / `unsubscribe` (API.md "Live updates"): who may watch which order, the acknowledgement
 * (order + missed events after since_seq), payload validation, and what arrives after the ack.
 */
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, connectSocket, emitAck, expectedUpdate, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let node: TestNode;
let acme: Tenant;
let other: Tenant;
/** o1: customer c1, courier k1, five applied events. o2: customer c2. oB: tenant `other`, customer c1. */
let o1: { id: string; tracking_token: string };
let o2: { id: string; tracking_token: string };
let oB: { id: string; tracking_token: string };

/** Posts a status change to an order of `tenant` on the node; returns the order after it. */
async function post(orderId: string, status: string, tenant = acme, fields: Record<string, unknown> = {}) {
  return (await postStatus(client(node.url, tenant.apiKey), orderId, status, fields)).order;
}

async function storedEvents(orderId: string) {
  const response = await client(node.url, acme.apiKey).get(`/v1/orders/${orderId}/events?since_seq=0`);
  expect(response.status).toBe(200);
  return (response.body.items as Array<Record<string, unknown>>).map(expectedUpdate);
}

beforeAll(async () => {
  node = await startTestNode({ env: { REDIS_PREFIX: unique('subscribe') } });
  acme = await createTenant(node.url, 'Acme');
  other = await createTenant(node.url, 'Other');
  const api = client(node.url, acme.apiKey);
  o1 = await placeOrder(api, { customer: { id: 'c1' } });
  o2 = await placeOrder(api, { customer: { id: 'c2' } });
  oB = await placeOrder(client(node.url, other.apiKey), { customer: { id: 'c1' } });
  expect((await api.post(`/v1/orders/${o1.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
  await post(o1.id, 'processing');
  await post(o1.id, 'shipped', acme, { location: { lat: 22.3, lng: 114.2 }, note: 'picked up' });
  await post(o1.id, 'in_transit');
  expect((await post(o1.id, 'in_transit')).version).toBe(5);
});

afterEach(() => closeAllSockets());

afterAll(async () => {
  closeAllSockets();
  await node?.close();
});

describe('subscribe: who may watch', () => {
  const owners: Array<[string, () => Promise<string>]> = [
    ['the customer who owns it', () => acme.token('customer', 'c1')],
    ['its tracking token', async () => o1.tracking_token],
    ['its assigned courier', () => acme.token('courier', 'k1')],
    ['staff of its tenant', () => acme.token('staff', 's1')],
    ['its business', async () => acme.apiKey],
  ];

  it.each(owners)('%s gets ok with the order as it reads it and no missed events', async (_who, token) => {
    const credential = await token();
    const socket = await connectSocket(node.url, credential);
    const ack = await subscribeOk(socket, o1.id);
    // The order as the same caller reads it over HTTP: a tracking link its tracking view (API.md "Tracking links").
    const read = await client(node.url, credential).get(`/v1/orders/${o1.id}`);
    // The shop's branding comes with the page's read only (its header), not with every live view.
    const { history: _history, branding: _branding, ...order } = read.body;
    expect(ack).toEqual({ ok: true, order, missed: [] });
    expect(ack.order).toMatchObject({ id: o1.id, status: 'in_transit', version: 5 });
  });

  const strangers: Array<[string, () => Promise<string>, () => string]> = [
    ['another customer', () => acme.token('customer', 'c2'), () => o1.id],
    ["another order's tracking token", async () => o2.tracking_token, () => o1.id],
    ['a courier it is not assigned to', () => acme.token('courier', 'k2'), () => o1.id],
    ["another tenant's business", async () => other.apiKey, () => o1.id],
    ["another tenant's staff", () => other.token('staff', 's1'), () => o1.id],
    ["another tenant's customer with the same customer id", () => other.token('customer', 'c1'), () => o1.id],
    ["a tracking token of another tenant's order", async () => oB.tracking_token, () => o1.id],
    ['the business, for an order id that does not exist', async () => acme.apiKey, () => 'ord_does_not_exist'],
  ];

  it.each(strangers)('%s gets not_found', async (_who, token, orderId) => {
    const socket = await connectSocket(node.url, await token());
    const ack = await emitAck(socket, 'subscribe', { order_id: orderId() });
    expect(ack).toEqual({ ok: false, error: { code: 'not_found', message: expect.any(String) } });
    // The refusal says nothing about the order.
    expect(JSON.stringify(ack)).not.toContain('in_transit');
    // The socket stays usable.
    expect(socket.connected).toBe(true);
  });

  it('a refused socket receives nothing of the order it asked for', async () => {
    const stranger = await connectSocket(node.url, await acme.token('customer', 'c2'));
    const strangerLog = Recorder.of(stranger);
    expect((await emitAck(stranger, 'subscribe', { order_id: o1.id })).ok).toBe(false);
    await subscribeOk(stranger, o2.id);
    await post(o1.id, 'in_transit');
    const marker = await post(o2.id, 'processing');
    const before = await strangerLog.untilSeq(o2.id, marker.version);
    expect(before).toEqual([]);
    expect(strangerLog.seqs(o1.id)).toEqual([]);
  });
});

describe('subscribe: payload validation', () => {
  const bad: Array<[string, unknown]> = [
    ['no payload', undefined],
    ['null', null],
    ['a string', 'ord_x'],
    ['no order_id', {}],
    ['a numeric order_id', { order_id: 5 }],
    ['an empty order_id', { order_id: '' }],
    ['an over-long order_id', { order_id: 'o'.repeat(201) }],
    ['a negative since_seq', { order_id: 'ORDER', since_seq: -1 }],
    ['a fractional since_seq', { order_id: 'ORDER', since_seq: 1.5 }],
    ['a string since_seq', { order_id: 'ORDER', since_seq: '2' }],
  ];

  it.each(bad)('refuses %s with ok:false', async (_what, payload) => {
    const socket = await connectSocket(node.url, acme.apiKey);
    const withOrder = payload && typeof payload === 'object' && (payload as { order_id?: unknown }).order_id === 'ORDER';
    const sent = withOrder ? { ...(payload as object), order_id: o1.id } : payload;
    const ack = await emitAck(socket, 'subscribe', sent);
    expect(ack).toEqual({ ok: false, error: { code: 'validation_failed', message: expect.any(String) } });
    // A good request afterwards still works on the same socket.
    expect((await subscribeOk(socket, o1.id)).order.id).toBe(o1.id);
  });

  it('unsubscribe without an order_id is refused', async () => {
    const socket = await connectSocket(node.url, acme.apiKey);
    expect(await emitAck(socket, 'unsubscribe', {})).toEqual({ ok: false, error: expect.objectContaining({ code: 'validation_failed' }) });
  });
});

describe('subscribe: since_seq and what follows the ack', () => {
  it.each([0, 1, 2, 3, 4, 5, 9])('since_seq=%i returns exactly the stored events with seq > N', async (sinceSeq) => {
    const stored = await storedEvents(o1.id);
    const socket = await connectSocket(node.url, await acme.token('customer', 'c1'));
    const ack = await subscribeOk(socket, o1.id, sinceSeq);
    expect(ack.missed).toEqual(stored.filter((event) => (event.seq as number) > sinceSeq));
    expect(ack.missed.map((update) => update.seq)).toEqual(range(sinceSeq + 1, ack.order.version));
  });

  it('after the ack every later event arrives once, in order, with nothing of the missed ones again', async () => {
    const socket = await connectSocket(node.url, o1.tracking_token);
    const log = Recorder.of(socket);
    const ack = await subscribeOk(socket, o1.id, 2);
    const version = ack.order.version;
    expect(ack.missed.map((update) => update.seq)).toEqual(range(3, version));
    await post(o1.id, 'in_transit', acme, { location: { lat: 22.31, lng: 114.17 } });
    await post(o1.id, 'in_transit');
    await log.untilSeq(o1.id, version + 2);
    expect(log.seqs(o1.id)).toEqual([version + 1, version + 2]);
    const [first] = log.of('order_status_update');
    expect(first).toEqual({
      order_id: o1.id,
      seq: version + 1,
      status: 'in_transit',
      type: 'status',
      scan_type: null,
      occurred_at: expect.any(String),
      location: { lat: 22.31, lng: 114.17 },
    });
    expect((await storedEvents(o1.id)).slice(version, version + 2)).toEqual(log.of('order_status_update'));
  });

  it('subscribing twice on one socket still delivers each event once', async () => {
    const socket = await connectSocket(node.url, await acme.token('customer', 'c1'));
    const log = Recorder.of(socket);
    await subscribeOk(socket, o1.id);
    const again = await subscribeOk(socket, o1.id);
    const base = again.order.version;
    await post(o1.id, 'in_transit');
    await post(o1.id, 'in_transit');
    await log.untilSeq(o1.id, base + 2);
    expect(log.seqs(o1.id)).toEqual([base + 1, base + 2]);
  });

  it('unsubscribe stops the events; subscribing again resumes them', async () => {
    const socket = await connectSocket(node.url, await acme.token('customer', 'c1'));
    const log = Recorder.of(socket);
    const first = await subscribeOk(socket, o1.id);
    expect(await emitAck(socket, 'unsubscribe', { order_id: o1.id })).toEqual({ ok: true });
    const unseen = await post(o1.id, 'in_transit');
    expect(unseen.version).toBe(first.order.version + 1);
    const again = await subscribeOk(socket, o1.id, first.order.version);
    // What happened while unsubscribed comes in the ack, not as a push.
    expect(again.missed.map((update) => update.seq)).toEqual([unseen.version]);
    const marker = await post(o1.id, 'in_transit');
    expect(await log.untilSeq(o1.id, marker.version)).toEqual([]);
    expect(log.seqs(o1.id)).toEqual([marker.version]);
    // Unsubscribing from an order never subscribed to is harmless.
    expect(await emitAck(socket, 'unsubscribe', { order_id: o2.id })).toEqual({ ok: true });
  });
});
