/**
 * Presence across nodes (API.md "Notifications": the customer is reached over the socket "when the customer
 * (or the order's tracking link) has a socket watching the order on any node"): asked on node A about sockets
 * on node B, through the Socket.IO adapter.
 */
import type { Socket } from 'socket.io-client';
import type { Order } from '../../src/domain/order';
import type { Presence } from '../../src/domain/presence';
import { ClusterPresence } from '../../src/gateways/presence';
import { placeOrder } from '../support/fixtures';
import { client } from '../support/http';
import { Recorder, closeAllSockets, connectSocket, emitAck, subscribeOk, uniquePrefix } from '../support/live';
import { createTenant, startPair, tempDir, type Tenant, type TestNode, type TestPair } from '../support/node';

jest.setTimeout(60_000);

const dataDir = tempDir();
let a: TestNode;
let b: TestNode;
let pair: TestPair | undefined;
let acme: Tenant;
let other: Tenant;

beforeAll(async () => {
  const env = { REDIS_PREFIX: uniquePrefix('presence') };
  pair = await startPair(env, dataDir);
  ({ a, b } = pair);
  acme = await createTenant(a.url, 'Acme');
  other = await createTenant(a.url, 'Other');
});

afterEach(() => closeAllSockets());

afterAll(async () => {
  closeAllSockets();
  await pair?.close();
});

/** The presence check the notifier uses, on one node (src/node.ts builds it the same way). */
function presenceOn(node: TestNode): Presence {
  const gateway = node.node.gateway as unknown as { io: ConstructorParameters<typeof ClusterPresence>[0] } | null;
  if (!gateway) throw new Error('the node has no gateway');
  return new ClusterPresence(gateway.io);
}

/** An order as the store holds it (what the notifier hands to the presence check). */
async function loadOrder(orderId: string): Promise<Order> {
  const order = await a.node.store.loadOrder(orderId);
  if (!order) throw new Error(`no order ${orderId}`);
  return order;
}

/** Resolves once `node` has processed the disconnection of `socket` (its rooms are left by then). */
function goneFrom(node: TestNode, socket: Socket): Promise<void> {
  const serverSocket = node.node.gateway!.io.of('/').sockets.get(socket.id!);
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

describe('isCustomerWatching', () => {
  it('is false with no socket, true while the customer watches on the other node, false once it disconnects', async () => {
    const { order } = await newOrder('c1');
    const onA = presenceOn(a);
    expect(await onA.isCustomerWatching(order)).toBe(false);

    const customer = await connectSocket(b.url, await acme.token('customer', 'c1'));
    await subscribeOk(customer, order.id);
    expect(await onA.isCustomerWatching(order)).toBe(true);
    expect(await presenceOn(b).isCustomerWatching(order)).toBe(true);

    await closeAndWait(b, customer);
    expect(await onA.isCustomerWatching(order)).toBe(false);
    expect(await presenceOn(b).isCustomerWatching(order)).toBe(false);
  });

  it("is true while the order's tracking link watches on the other node, false after it unsubscribes or disconnects", async () => {
    const { placed, order } = await newOrder('c2');
    const onA = presenceOn(a);
    const tracker = await connectSocket(b.url, placed.tracking_token);
    expect(await onA.isCustomerWatching(order)).toBe(false); // connected, not watching yet
    await subscribeOk(tracker, order.id);
    expect(await onA.isCustomerWatching(order)).toBe(true);
    expect(await emitAck(tracker, 'unsubscribe', { order_id: order.id })).toEqual({ ok: true });
    expect(await onA.isCustomerWatching(order)).toBe(false);
    await subscribeOk(tracker, order.id);
    expect(await onA.isCustomerWatching(order)).toBe(true);
    await closeAndWait(b, tracker);
    expect(await onA.isCustomerWatching(order)).toBe(false);
  });

  it('does not count staff, business or courier sockets watching the order', async () => {
    const { order } = await newOrder('c3');
    expect((await client(a.url, acme.apiKey).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
    const watchers = [
      await connectSocket(b.url, await acme.token('staff', 's1')),
      await connectSocket(b.url, acme.apiKey),
      await connectSocket(a.url, await acme.token('courier', 'k1')),
    ];
    for (const socket of watchers) await subscribeOk(socket, order.id);
    expect(await presenceOn(a).isCustomerWatching(order)).toBe(false);
    expect(await presenceOn(b).isCustomerWatching(order)).toBe(false);
  });

  it("does not count the same customer id in another tenant, nor the tracking link of the customer's other order", async () => {
    const { order } = await newOrder('c4');
    const { placed: sibling } = await newOrder('c4');
    const { placed: elsewhere } = await newOrder('c4', other);
    const otherTenantCustomer = await connectSocket(b.url, await other.token('customer', 'c4'));
    await subscribeOk(otherTenantCustomer, elsewhere.id);
    const siblingTracker = await connectSocket(b.url, sibling.tracking_token);
    await subscribeOk(siblingTracker, sibling.id);
    expect(await presenceOn(a).isCustomerWatching(order)).toBe(false);
  });

  it('does not count a customer socket that is connected but not watching the order (it would not see the update)', async () => {
    const { order } = await newOrder('c5');
    const { order: watched } = await newOrder('c5');
    const customer = await connectSocket(b.url, await acme.token('customer', 'c5'));
    const log = Recorder.of(customer);
    await subscribeOk(customer, watched.id);

    // The socket gets no update of the order it does not watch (its own order's event, posted after, is the marker) ...
    await client(a.url, acme.apiKey).post(`/v1/orders/${order.id}/status`, { status: 'shipped' });
    await client(a.url, acme.apiKey).post(`/v1/orders/${watched.id}/status`, { status: 'shipped' });
    expect(await log.untilSeq(watched.id, 2)).toEqual([]);
    // ... so a "shipped" alert for that order must not count as delivered over the socket.
    expect(await presenceOn(a).isCustomerWatching(await loadOrder(order.id))).toBe(false);
    expect(await presenceOn(a).isCustomerWatching(await loadOrder(watched.id))).toBe(true);
  });
});
