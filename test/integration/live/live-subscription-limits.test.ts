/**
 * A subscription's edges (API.md "Live updates", "Limits"): the acknowledgement comes before any later event
 * even while others post to the order, an `unsubscribe` sent while its `subscribe` is in flight wins, a socket
 * follows at most 200 orders, and a socket flooding requests is refused and then cut, never starving the node.
 */
import type { Socket } from 'socket.io-client';
import { type Client, client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, emitAck, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
let biz: Client;
liveCluster('limits', { tenant: 'Acme', ready: (started) => ({ a, b, tenant, biz } = started) });

/** Posts `in_transit` to the order, alternating nodes, until stopped. */
function poster(orderId: string, offset: number) {
  let stopping = false;
  const loop = (async () => {
    for (let i = offset; !stopping; i++) {
      const url = i % 2 === 0 ? a.url : b.url;
      const response = await client(url, tenant.apiKey).post(`/v1/orders/${orderId}/status`, { status: 'in_transit' });
      expect(response.status).toBe(200);
    }
  })();
  return async () => {
    stopping = true;
    await loop;
  };
}

it('acknowledges a subscribe before any later event, while three posters keep the order busy', async () => {
  const order = await placeOrder(biz, {});
  await biz.post(`/v1/orders/${order.id}/status`, { status: 'shipped' });
  const stops = [poster(order.id, 0), poster(order.id, 1), poster(order.id, 2)];
  const watchers: Array<{ seen: Recorder; acked: Promise<unknown> }> = [];
  for (let i = 0; i < 60; i++) {
    const socket = await connectSocket(i % 2 === 0 ? a.url : b.url, tenant.apiKey);
    const seen = Recorder.of(socket);
    // Recorded from the acknowledgement callback itself, which runs in the order packets arrive (a promise
    // continuation would run after packets that came in the same chunk).
    const acked = new Promise((resolve) =>
      socket.emit('subscribe', { order_id: order.id }, (ack: unknown) => {
        seen.push('ack', ack);
        resolve(ack);
      }),
    );
    watchers.push({ seen, acked });
  }
  await Promise.all(watchers.map((watcher) => watcher.acked));
  for (const stop of stops) await stop();

  for (const { seen } of watchers) {
    const own = seen.received.filter(
      (entry) => entry.event === 'ack' || (entry.event === 'order_status_update' && entry.data.order_id === order.id),
    );
    // The tenant feed (business socket) carries the order's events until the subscription takes over: the ack
    // must come before the subscription's first event, and from it on every seq follows once, in order.
    const ackAt = own.findIndex((entry) => entry.event === 'ack');
    const ack = own[ackAt]!.data as { ok: boolean; order: { version: number } };
    expect(ack.ok).toBe(true);
    const after = own.slice(ackAt + 1).map((entry) => entry.data.seq as number);
    expect(after).toEqual(after.map((_, i) => ack.order.version + 1 + i));
    const before = own.slice(0, ackAt).map((entry) => entry.data.seq as number);
    expect(before.every((seq) => seq <= ack.order.version)).toBe(true);
  }
});

it('an unsubscribe sent while the subscribe is in flight applies after it: the socket ends up out of the room', async () => {
  const marker = await placeOrder(biz, {});
  const order = await placeOrder(biz, {});
  const customer = await connectSocket(b.url, order.tracking_token);
  const seen = Recorder.of(customer);
  // The tracking link of `order` cannot watch `marker`; a second socket carries the marker.
  const markerSocket = await connectSocket(b.url, marker.tracking_token);
  const markerSeen = Recorder.of(markerSocket);
  await subscribeOk(markerSocket, marker.id);

  const [subscribed, unsubscribed] = await Promise.all([
    emitAck(customer, 'subscribe', { order_id: order.id }),
    emitAck(customer, 'unsubscribe', { order_id: order.id }),
  ]);
  expect(subscribed.ok).toBe(true);
  expect(unsubscribed).toEqual({ ok: true });

  const response = await biz.post(`/v1/orders/${order.id}/status`, { status: 'shipped' });
  await biz.post(`/v1/orders/${marker.id}/status`, { status: 'shipped' });
  await markerSeen.untilSeq(marker.id, 2);
  // Delivered to B's room (the marker came after it on the same node) but this socket is not in it any more.
  const orderAfter = await a.node.parts.store.orders.loadOrder(order.id);
  expect(await a.node.parts.presence.handedToWatcher(orderAfter!, Number(response.headers.get('event-seq')))).toBe(false);
  expect(seen.seqs(order.id)).toEqual([]);
});

describe('at most 200 subscriptions per socket', () => {
  let socket: Socket;
  let orders: string[];

  beforeAll(async () => {
    orders = [];
    for (let i = 0; i < 201; i++) orders.push((await placeOrder(biz, {})).id);
  });

  it('refuses the 201st with too_many_subscriptions; a resubscription at the cap and one after leaving are fine', async () => {
    socket = await connectSocket(a.url, tenant.apiKey);
    const acks = await Promise.all(orders.slice(0, 200).map((id) => emitAck(socket, 'subscribe', { order_id: id })));
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
    const refused = await emitAck(socket, 'subscribe', { order_id: orders[200] });
    expect(refused).toEqual({ ok: false, error: { code: 'too_many_subscriptions', message: expect.any(String) } });
    // A resubscription (resume by since_seq) of a followed order does not count twice.
    expect((await emitAck(socket, 'subscribe', { order_id: orders[0], since_seq: 0 })).ok).toBe(true);
    expect(await emitAck(socket, 'unsubscribe', { order_id: orders[0] })).toEqual({ ok: true });
    expect((await emitAck(socket, 'subscribe', { order_id: orders[200] })).ok).toBe(true);
  });

  it('a refused subscription of someone else\'s order holds no place', async () => {
    socket = await connectSocket(a.url, tenant.apiKey);
    const other = await createTenant(a.url, 'Other');
    const foreign = await placeOrder(client(a.url, other.apiKey), {});
    for (let i = 0; i < 5; i++) {
      expect(await emitAck(socket, 'subscribe', { order_id: foreign.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    const acks = await Promise.all(orders.slice(0, 200).map((id) => emitAck(socket, 'subscribe', { order_id: id })));
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);
  });
});

it('a socket flooding subscribe is refused past its budget and then disconnected; the node keeps serving', async () => {
  const order = await placeOrder(biz, {});
  const flooder = await connectSocket(a.url, tenant.apiKey);
  const cut = new Promise<string>((resolve) => flooder.once('disconnect', (reason) => resolve(reason)));
  // Past the budget (300 a second), requests are refused rather than served ...
  const burst = await Promise.all(
    Array.from({ length: 400 }, () => emitAck(flooder, 'subscribe', { order_id: order.id }, 5000)),
  );
  const codes = burst.map((ack) => (ack.ok ? 'ok' : ack.error.code));
  expect(codes.filter((code) => code === 'ok')).toHaveLength(300);
  expect(codes.filter((code) => code === 'rate_limited')).toHaveLength(100);
  // ... and a socket that keeps going is cut.
  for (let i = 0; i < 2000 && flooder.connected; i++) flooder.emit('subscribe', { order_id: order.id }, () => {});
  expect(await cut).toBe('io server disconnect');
  // Others are served as before.
  const other = await connectSocket(a.url, tenant.apiKey);
  expect((await subscribeOk(other, order.id)).order.id).toBe(order.id);
  expect((await biz.get('/healthz')).status).toBe(200);
});
