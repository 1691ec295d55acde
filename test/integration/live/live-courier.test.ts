/**
 * Courier positions (API.md "Couriers"): POST /v1/couriers/me/location is pushed as `courier_location` to the
 * tenant feed for the courier's orders on the way (shipped, in_transit, out_for_delivery), to the watchers of those
 * out for delivery (API.md "Tracking links": never to those of an order still in transit, whose customer would see the
 * courier at other customers' doors), on every node, and kept as the orders' `last_location`.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { type Received, Recorder } from '../../support/recorder';
import { connectSocket, subscribeOk, trackingClient } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
liveCluster('courier', { tenant: 'Acme', ready: (started) => ({ a, b, tenant } = started) });

async function ok(promise: Promise<{ status: number; body: any }>, status = 200) {
  const response = await promise;
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

const isLocation = (orderId: string, lat: number) => (e: Received) =>
  (e.event === 'courier_location' || e.event === 'location') && e.data.order_id === orderId && e.data.lat === lat;

it('pushes a position to the watchers of the courier orders on the way and to the tenant feed, and stores it', async () => {
  const api = client(a.url, tenant.apiKey);
  const onTheWay = await placeOrder(api, { customer: { id: 'c1' } });
  const notYet = await placeOrder(api, { customer: { id: 'c2' } });
  const othersOrder = await placeOrder(api, { customer: { id: 'c3' } });
  for (const [order, courier, status] of [
    [onTheWay, 'k1', 'out_for_delivery'],
    [notYet, 'k1', null],
    [othersOrder, 'k2', 'out_for_delivery'],
  ] as const) {
    await ok(api.post(`/v1/orders/${order.id}/assign`, { courier_id: courier }));
    if (status) await ok(api.post(`/v1/orders/${order.id}/status`, { status }));
  }
  const k1 = client(b.url, await tenant.token('courier', 'k1'));
  const k2 = client(b.url, await tenant.token('courier', 'k2'));

  // Watchers on node A; the couriers report to node B.
  const c1 = await connectSocket(a.url, await tenant.token('customer', 'c1'));
  const c2 = await connectSocket(a.url, await tenant.token('customer', 'c2'));
  const c3 = await connectSocket(a.url, await tenant.token('customer', 'c3'));
  const staff = await connectSocket(a.url, await tenant.token('staff', 's1'));
  const staffSubscribed = await connectSocket(b.url, await tenant.token('staff', 's2'));
  const [log1, log2, log3, staffLog, staffSubLog] = [c1, c2, c3, staff, staffSubscribed].map(Recorder.of) as [
    Recorder,
    Recorder,
    Recorder,
    Recorder,
    Recorder,
  ];
  await subscribeOk(c1, onTheWay.id);
  await subscribeOk(c2, notYet.id);
  await subscribeOk(c3, othersOrder.id);
  await subscribeOk(staffSubscribed, onTheWay.id);
  const live = trackingClient({ urls: [a.url], token: onTheWay.tracking_token, socket: { transports: ['websocket'] } });
  const liveLog = Recorder.ofClient(live);
  await live.connect();
  await live.subscribe(onTheWay.id);

  // 1. k1 reports with every field: only the order out for delivery is on the way.
  const first = { lat: 22.3, lng: 114.1, heading: 90, speed: 5.5, at: new Date(Date.now() - 1000).toISOString() };
  await ok(k1.post('/v1/couriers/me/location', first), 204);
  const expectedFirst = { order_id: onTheWay.id, courier_id: 'k1', ...first };
  expect((await log1.until(isLocation(onTheWay.id, 22.3), 'first position at c1')).data).toEqual(expectedFirst);
  expect((await staffLog.until(isLocation(onTheWay.id, 22.3), 'first position in the feed')).data).toEqual(expectedFirst);
  expect((await liveLog.until(isLocation(onTheWay.id, 22.3), 'first position at the client')).data).toEqual(expectedFirst);
  await b.node.parts.couriers!.flush();
  expect((await ok(api.get(`/v1/orders/${onTheWay.id}`))).last_location).toEqual({ lat: 22.3, lng: 114.1, at: first.at });
  expect((await ok(api.get(`/v1/orders/${notYet.id}`))).last_location).toBeNull();

  // 2. k2 reports without the optional fields: only its own order's watchers get it.
  await ok(k2.post('/v1/couriers/me/location', { lat: 1.5, lng: 2.5 }), 204);
  const k2Position = (await log3.until(isLocation(othersOrder.id, 1.5), 'k2 position at c3')).data;
  expect(k2Position).toEqual({ order_id: othersOrder.id, courier_id: 'k2', lat: 1.5, lng: 2.5, heading: null, speed: null, at: expect.any(String) });
  expect(Math.abs(Date.parse(k2Position.at) - Date.now())).toBeLessThan(60_000);
  await staffLog.until(isLocation(othersOrder.id, 1.5), 'k2 position in the feed');
  // c3 got nothing of k1 before it.
  expect(log3.of('courier_location')).toEqual([k2Position]);

  // 3. The placed order goes out for delivery (on node B, where the courier reports), then k1 reports again: now
  //    both of its orders get it. Each watcher's first position of this report is the marker for what it must not
  //    have had.
  await ok(client(b.url, tenant.apiKey).post(`/v1/orders/${notYet.id}/status`, { status: 'out_for_delivery' }));
  const second = { lat: 22.4, lng: 114.2 };
  await ok(k1.post('/v1/couriers/me/location', second), 204);
  const atC2 = (await log2.until(isLocation(notYet.id, 22.4), 'second position at c2')).data;
  expect(atC2).toEqual({ order_id: notYet.id, courier_id: 'k1', ...second, heading: null, speed: null, at: expect.any(String) });
  // The placed order's watcher had no position before its order was on the way.
  expect(log2.of('courier_location')).toEqual([atC2]);
  const atC1 = (await log1.until(isLocation(onTheWay.id, 22.4), 'second position at c1')).data;
  expect(atC1).toEqual({ ...atC2, order_id: onTheWay.id });
  // c1 had the first report, never k2's.
  expect(log1.of('courier_location')).toEqual([expectedFirst, atC1]);
  await liveLog.until(isLocation(onTheWay.id, 22.4), 'second position at the client');
  expect(liveLog.of('location')).toEqual([expectedFirst, atC1]);

  // A subscribed staff socket gets each position of the order once (the room, not also the feed).
  await staffSubLog.until(isLocation(notYet.id, 22.4), 'second position of the other order in the feed');
  await staffSubLog.until(isLocation(onTheWay.id, 22.4), 'second position of the subscribed order');
  expect(staffSubLog.of('courier_location').filter((update) => update.order_id === onTheWay.id)).toEqual([expectedFirst, atC1]);

  // The unsubscribed staff socket sees the tenant's couriers, each position once per order.
  await staffLog.until(isLocation(notYet.id, 22.4), 'second position of the other order in the feed');
  await staffLog.until(isLocation(onTheWay.id, 22.4), 'second position of the first order in the feed');
  const feed = staffLog.of('courier_location').map((update) => [update.order_id, update.courier_id, update.lat]);
  expect(feed.sort()).toEqual(
    [
      [onTheWay.id, 'k1', 22.3],
      [othersOrder.id, 'k2', 1.5],
      [onTheWay.id, 'k1', 22.4],
      [notYet.id, 'k1', 22.4],
    ].sort(),
  );

  await b.node.parts.couriers!.flush();
  const stored = await Promise.all([onTheWay, notYet, othersOrder].map((order) => ok(api.get(`/v1/orders/${order.id}`))));
  expect(stored.map((order) => order.last_location)).toEqual([
    { lat: 22.4, lng: 114.2, at: atC1.at },
    { lat: 22.4, lng: 114.2, at: atC2.at },
    { lat: 1.5, lng: 2.5, at: k2Position.at },
  ]);
  // Positions are not events: the orders' histories did not grow.
  expect(stored.map((order) => order.version)).toEqual([2, 2, 2]);
});

it('a courier with no order on the way reports without error and reaches nobody', async () => {
  const api = client(a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c5' } });
  await ok(api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k5' }));
  const watcher = await connectSocket(a.url, await tenant.token('customer', 'c5'));
  const staff = await connectSocket(a.url, tenant.apiKey);
  const [watcherLog, staffLog] = [Recorder.of(watcher), Recorder.of(staff)] as const;
  await subscribeOk(watcher, order.id);
  await ok(client(b.url, await tenant.token('courier', 'k5')).post('/v1/couriers/me/location', { lat: 5, lng: 5 }), 204);
  // Marker: the order goes out for delivery and the courier reports again; that report is the first anyone sees.
  await ok(client(b.url, tenant.apiKey).post(`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' }));
  await ok(client(b.url, await tenant.token('courier', 'k5')).post('/v1/couriers/me/location', { lat: 6, lng: 6 }), 204);
  await watcherLog.until(isLocation(order.id, 6), 'the marker position');
  await staffLog.until(isLocation(order.id, 6), 'the marker position in the feed');
  expect(watcherLog.of('courier_location').map((update) => update.lat)).toEqual([6]);
  expect(staffLog.of('courier_location').filter((update) => update.order_id === order.id).map((update) => update.lat)).toEqual([6]);
});
