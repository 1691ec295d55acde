/**
 * A socket's rights hold only while its token and its access hold (API.md "Limits"): a courier's socket stops
 * getting an order's events and positions the moment the order is reassigned, on every node; a socket whose
 * token expires is disconnected; a handshake the server cannot check (store down) is not called unauthorized.
 */
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, emitAck, handshake, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
let biz: Client;
liveCluster('authz', { tenant: 'Acme', ready: (started) => ({ a, b, tenant, biz } = started) });

/** An order assigned to `courierId` and on its way, so positions are pushed to its watchers. */
async function onTheWay(courierId: string) {
  const order = await placeOrder(biz, {});
  expect((await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId })).status).toBe(200);
  expect((await biz.post(`/v1/orders/${order.id}/status`, { status: 'shipped' })).status).toBe(200);
  return order;
}

describe.each([
  ['the same node', () => a],
  ['the other node', () => b],
])('an order reassigned away from a courier, watched on %s', (_where, watchNode) => {
  it('stops its events and positions to that courier at once; its other order keeps coming', async () => {
    const order = await onTheWay('k1');
    const kept = await onTheWay('k1');
    const k1 = await connectSocket(watchNode().url, await tenant.token('courier', 'k1'));
    const seen = Recorder.of(k1);
    await subscribeOk(k1, order.id);
    await subscribeOk(k1, kept.id);
    const k2Token = await tenant.token('courier', 'k2');

    // Reassigned on node A; right after, the order moves on and its new courier reports a position.
    expect((await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k2' })).status).toBe(200);
    expect((await biz.post(`/v1/orders/${order.id}/status`, { status: 'in_transit' })).status).toBe(200);
    expect((await client(a.url, k2Token).post('/v1/couriers/me/location', { lat: 22.3, lng: 114.2 })).status).toBe(204);
    // The marker: the order k1 still carries moves on after all of that.
    expect((await biz.post(`/v1/orders/${kept.id}/status`, { status: 'in_transit' })).status).toBe(200);
    const before = await seen.untilSeq(kept.id, 3);
    expect(before.filter((entry) => entry.data?.order_id === order.id)).toEqual([]);
    // And HTTP agrees: the order is not k1's to see any more, so a new subscription is refused too.
    expect(await emitAck(k1, 'subscribe', { order_id: order.id })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

it('a reassignment made while the watching node missed the message still takes effect (from the store)', async () => {
  const order = await onTheWay('k3');
  const k3 = await connectSocket(b.url, await tenant.token('courier', 'k3'));
  const seen = Recorder.of(k3);
  await subscribeOk(k3, order.id);
  const staff = await connectSocket(b.url, await tenant.token('staff', 's1'));
  const staffSeen = Recorder.of(staff);
  await subscribeOk(staff, order.id);
  // Written straight to the store, as a node that died before publishing would leave it.
  const stored = await a.node.parts.store.orders.loadOrder(order.id);
  expect((await a.node.parts.store.orders.assignCourier(order.id, stored!.rev, 'k4', new Date().toISOString())).kind).toBe('ok');
  // B compares with the store twice a second: k3 is out of the room once it has, and gets nothing after.
  const room = `order:${order.id}`;
  // (the client's socket id is the server's id of it)
  await eventually(() => !b.node.parts.io.of('/').adapter.rooms.get(room)?.has(k3.id!), 'k3 out of the room');
  expect((await biz.post(`/v1/orders/${order.id}/status`, { status: 'in_transit' })).status).toBe(200);
  await staffSeen.untilSeq(order.id, 3);
  expect(seen.seqs(order.id)).toEqual([]);
});

it('a socket whose token expires is disconnected, and the token no longer connects', async () => {
  const order = await placeOrder(biz, { customer: { id: 'c-exp' } });
  const token = await tenant.token('customer', 'c-exp', 2);
  const socket = await connectSocket(a.url, token);
  await subscribeOk(socket, order.id);
  // The node keeps what the token grants and when it runs out, not the token itself.
  const held = a.node.parts.io.of('/').sockets.get(socket.id!)!;
  expect(held.handshake.auth).not.toHaveProperty('token');
  expect(held.data.expiresAt).toBeGreaterThan(Date.now());
  const reason = await new Promise<string>((resolve) => socket.once('disconnect', (why) => resolve(why)));
  expect(reason).toBe('io server disconnect');
  expect(await handshake(a.url, token)).toBe('unauthorized');
});

it('a handshake the server cannot check answers unavailable, not unauthorized', async () => {
  const node = await startTestNode({ env: { REDIS_PREFIX: unique('authz-down') } });
  try {
    const fresh = await createTenant(node.url, 'Fresh'); // its API key has not been looked up yet
    await node.node.parts.store.lifecycle.close(); // the store is gone
    expect(await handshake(node.url, fresh.apiKey)).toBe('unavailable');
    expect(await handshake(node.url, 'ak_not-a-real-key')).toBe('unavailable');
    expect(await handshake(node.url, 'forged.jwt.token')).toBe('unauthorized');
  } finally {
    await node.close();
  }
});

it('a flood of bad handshakes from one address spends its anonymous budget and is refused as rate_limited', async () => {
  const node = await startTestNode({ env: { REDIS_PREFIX: unique('authz-flood'), RATE_LIMIT_ANON: '3/min' } });
  try {
    const fresh = await createTenant(node.url, 'Flooded');
    for (let i = 0; i < 3; i++) expect(await handshake(node.url, `ak_guess-${i}`)).toBe('unauthorized');
    expect(await handshake(node.url, 'ak_guess-4')).toBe('rate_limited');
    // Valid credentials are not anonymous: they still connect.
    expect(await handshake(node.url, fresh.apiKey)).toBe('connected');
  } finally {
    await node.close();
  }
});
