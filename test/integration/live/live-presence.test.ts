/**
 * Presence across nodes (API.md "Notifications": the customer is reached over the socket when the customer or the
 * order's tracking link has a socket watching the order on any node, and "a websocket delivery counts only when
 * the event was handed to a watching socket"): asked on node A about sockets on node B, through the Socket.IO
 * adapter, for one applied event at a time.
 */
import type { Socket } from 'socket.io-client';
import type { Order } from '../../../src/domain/order';
import type { Presence } from '../../../src/domain/presence';
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, emitAck, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let acme: Tenant;
let other: Tenant;
liveCluster('presence', {
  tenant: 'Acme',
  ready: async (started) => {
    ({ a, b, tenant: acme } = started);
    other = await createTenant(a.url, 'Other');
  },
});

/** The presence check the node's notifier uses. */
function presenceOn(node: TestNode): Presence {
  return node.node.parts.presence;
}

/** An order as the store holds it (what the notifier hands to the presence check). */
async function loadOrder(orderId: string): Promise<Order> {
  const order = await a.node.parts.store.orders.loadOrder(orderId);
  if (!order) throw new Error(`no order ${orderId}`);
  return order;
}

/** Resolves once `node` has processed the disconnection of `socket` (its rooms are left by then). */
function goneFrom(node: TestNode, socket: Socket): Promise<void> {
  const serverSocket = node.node.parts.io.of('/').sockets.get(socket.id!);
  if (!serverSocket) return Promise.resolve();
  return new Promise((resolve) => serverSocket.once('disconnect', () => resolve()));
}

async function closeAndWait(node: TestNode, socket: Socket): Promise<void> {
  const gone = goneFrom(node, socket);
  socket.close();
  await gone;
}

async function newOrder(customerId: string, tenant = acme) {
  const placed = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: customerId } });
  return { placed, order: await loadOrder(placed.id) };
}

/** Applies an event on node A and returns its seq and the order after it. */
async function applyOnA(orderId: string, status = 'in_transit', tenant = acme) {
  const response = await client(a.url, tenant.apiKey).post(`/v1/orders/${orderId}/status`, { status });
  expect(response.status).toBe(200);
  return { seq: Number(response.headers.get('event-seq')), order: await loadOrder(orderId) };
}

describe('handedToWatcher', () => {
  it('is true once the event reached the customer watching on the other node, false for events after it left', async () => {
    const { order } = await newOrder('c1');
    const onA = presenceOn(a);
    const before = await applyOnA(order.id, 'processing');
    expect(await onA.handedToWatcher(before.order, before.seq)).toBe(false);

    const customer = await connectSocket(b.url, await acme.token('customer', 'c1'));
    const seen = Recorder.of(customer);
    await subscribeOk(customer, order.id);
    const watched = await applyOnA(order.id, 'shipped');
    await seen.untilSeq(order.id, watched.seq);
    expect(await onA.handedToWatcher(watched.order, watched.seq)).toBe(true);
    expect(await presenceOn(b).handedToWatcher(watched.order, watched.seq)).toBe(true);

    await closeAndWait(b, customer);
    const after = await applyOnA(order.id, 'in_transit');
    expect(await onA.handedToWatcher(after.order, after.seq)).toBe(false);
    expect(await presenceOn(b).handedToWatcher(after.order, after.seq)).toBe(false);
  });

  it('waits for an event still on its way to the watching node rather than answering too early', async () => {
    const { placed, order } = await newOrder('c1b');
    const tracker = await connectSocket(b.url, placed.tracking_token);
    await subscribeOk(tracker, order.id);
    const response = await client(a.url, acme.apiKey).post(`/v1/orders/${order.id}/status`, { status: 'shipped' });
    // Asked the moment the event is applied on A, before B can have delivered it.
    expect(await presenceOn(a).handedToWatcher(await loadOrder(order.id), Number(response.headers.get('event-seq')))).toBe(true);
  });

  it("counts the order's tracking link, also when it got the event in its subscribe acknowledgement", async () => {
    const { placed, order } = await newOrder('c2');
    const onA = presenceOn(a);
    const tracker = await connectSocket(b.url, placed.tracking_token);
    expect((await emitAck(tracker, 'subscribe', { order_id: order.id })).ok).toBe(true);
    const live = await applyOnA(order.id, 'shipped');
    expect(await onA.handedToWatcher(live.order, live.seq)).toBe(true);
    expect(await emitAck(tracker, 'unsubscribe', { order_id: order.id })).toEqual({ ok: true });
    const missed = await applyOnA(order.id, 'in_transit');
    expect(await onA.handedToWatcher(missed.order, missed.seq)).toBe(false);
    // Back with since_seq: the acknowledgement hands it the event it missed.
    const ack = await subscribeOk(tracker, order.id, live.seq);
    expect(ack.missed.map((update) => update.seq)).toEqual([missed.seq]);
    expect(await onA.handedToWatcher(missed.order, missed.seq)).toBe(true);
  });

  it('does not count staff, business or courier sockets watching the order', async () => {
    const { order } = await newOrder('c3');
    expect((await client(a.url, acme.apiKey).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
    const watchers = [
      await connectSocket(b.url, await acme.token('staff', 's1')),
      await connectSocket(b.url, acme.apiKey),
      await connectSocket(a.url, await acme.token('courier', 'k1')),
    ];
    const seen = watchers.map((socket) => Recorder.of(socket));
    for (const socket of watchers) await subscribeOk(socket, order.id);
    const applied = await applyOnA(order.id, 'shipped');
    for (const recorder of seen) await recorder.untilSeq(order.id, applied.seq);
    expect(await presenceOn(a).handedToWatcher(applied.order, applied.seq)).toBe(false);
    expect(await presenceOn(b).handedToWatcher(applied.order, applied.seq)).toBe(false);
  });

  it("does not count the same customer id in another tenant, nor the tracking link of the customer's other order", async () => {
    const { order } = await newOrder('c4');
    const { placed: sibling } = await newOrder('c4');
    const { placed: elsewhere } = await newOrder('c4', other);
    const otherTenantCustomer = await connectSocket(b.url, await other.token('customer', 'c4'));
    await subscribeOk(otherTenantCustomer, elsewhere.id);
    const siblingTracker = await connectSocket(b.url, sibling.tracking_token);
    await subscribeOk(siblingTracker, sibling.id);
    const applied = await applyOnA(order.id, 'shipped');
    expect(await presenceOn(a).handedToWatcher(applied.order, applied.seq)).toBe(false);
  });

  it('does not count a customer socket that is connected but not watching the order (it would not see the update)', async () => {
    const { order } = await newOrder('c5');
    const { order: watched } = await newOrder('c5');
    const customer = await connectSocket(b.url, await acme.token('customer', 'c5'));
    const log = Recorder.of(customer);
    await subscribeOk(customer, watched.id);

    // The socket gets no update of the order it does not watch (its own order's event, posted after, is the marker) ...
    const unwatchedEvent = await applyOnA(order.id, 'shipped');
    const watchedEvent = await applyOnA(watched.id, 'shipped');
    expect(await log.untilSeq(watched.id, 2)).toEqual([]);
    // ... so a "shipped" alert for that order must not count as delivered over the socket.
    expect(await presenceOn(a).handedToWatcher(unwatchedEvent.order, unwatchedEvent.seq)).toBe(false);
    expect(await presenceOn(a).handedToWatcher(watchedEvent.order, watchedEvent.seq)).toBe(true);
  });
});
