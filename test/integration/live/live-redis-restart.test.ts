/**
 * Redis goes away and comes back (API.md "Service endpoints", ARCHITECTURE.md "Cluster"): HTTP keeps serving,
 * readiness reports the outage, nothing crashes; afterwards pushes work again across nodes, and watchers end
 * with every event (including those applied during the outage) exactly once, in order.
 */
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { adapterRoomChannel, orderChannel, shardSubscribers } from '../../support/redis-keys';
import { startRedis, stopAllRedis, type RedisServer } from '../../support/redis-server';
import { connectSocket, subscribeOk, trackingClient } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

let redis: RedisServer;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};

// The nodes' own Redis, which the test stops and restarts: started before them, stopped after them.
beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  redis = await startRedis();
});
const pair = liveCluster('redis', { env: () => ({ REDIS_URL: redis.url }) });
afterAll(async () => {
  await stopAllRedis();
  process.off('unhandledRejection', onUnhandled);
});

let a: TestNode;
let b: TestNode;
beforeAll(() => {
  ({ a, b } = pair);
});

const ready = async (url: string) => (await client(url).get('/readyz')).status;

it('serves HTTP through a Redis outage and afterwards delivers every event once, in order', async () => {
  const tenant = await createTenant(a.url);
  const api = (url: string) => client(url, tenant.apiKey);
  const order = await placeOrder(api(a.url), { customer: { id: 'c1' } });
  const post = async (url: string) => {
    const response = await api(url).post(`/v1/orders/${order.id}/status`, { status: 'in_transit' });
    expect(response.status).toBe(200);
    return response.body.version as number;
  };

  const customerA = await connectSocket(a.url, await tenant.token('customer', 'c1'));
  const staffA = await connectSocket(a.url, await tenant.token('staff', 's1'));
  const customerLog = Recorder.of(customerA);
  const staffLog = Recorder.of(staffA);
  await subscribeOk(customerA, order.id);
  const live = trackingClient({ urls: [a.url, b.url], token: order.tracking_token, socket: { transports: ['websocket'] } });
  const liveLog = Recorder.ofClient(live);
  await live.connect();
  await live.subscribe(order.id);

  // Before: an event posted on B reaches node A.
  expect(await post(b.url)).toBe(2);
  await customerLog.untilSeq(order.id, 2);
  await staffLog.untilSeq(order.id, 2);
  const watched = [orderChannel(pair.prefix, order.id), adapterRoomChannel(pair.prefix, `tenant:${tenant.id}`)];
  expect(await shardSubscribers(redis.url, watched)).toEqual([1, 1]);

  await redis.stop();
  await eventually(async () => (await ready(a.url)) === 503 && (await ready(b.url)) === 503, 'readyz 503 on both nodes');

  // During the outage: writes and reads are served on both nodes; the last ones are applied on B, so node A
  // can only learn of them from the store once Redis is back.
  const outage: number[] = [];
  for (const url of [a.url, b.url, a.url, b.url, b.url, b.url]) outage.push(await post(url));
  expect(outage).toEqual(range(3, 8));
  for (const url of [a.url, b.url]) {
    expect((await client(url).get('/healthz')).status).toBe(200);
    const readiness = await client(url).get('/readyz');
    expect(readiness.status).toBe(503);
    expect(readiness.body).toEqual({ error: { code: 'unavailable', message: expect.any(String) } });
    expect(readiness.headers.get('retry-after')).not.toBeNull();
    const read = await api(url).get(`/v1/orders/${order.id}`);
    expect(read.status).toBe(200);
    expect(read.body.version).toBe(8);
  }
  // A socket can still connect and subscribe (on B, which streams nothing for this order yet).
  const trackerB = await connectSocket(b.url, order.tracking_token);
  const trackerLog = Recorder.of(trackerB);
  const outageAck = await subscribeOk(trackerB, order.id, 2);
  expect(outageAck.order.version).toBe(8);
  expect(outageAck.missed.map((update) => update.seq)).toEqual(range(3, 8));

  await redis.restart();
  await eventually(async () => (await ready(a.url)) === 200 && (await ready(b.url)) === 200, 'readyz 200 on both nodes');
  // The events applied on B during the outage reach the watchers on A (resync from the store), with no push.
  await customerLog.untilSeq(order.id, 8);
  await liveLog.untilSeq(order.id, 8);

  // Pushes work again: once both nodes have their subscriptions back, an event posted on B reaches node A
  // through Redis (the subscribers on A and the tenant feed there) and the socket that subscribed on B.
  await eventually(async () => {
    const counts = await shardSubscribers(redis.url, watched);
    return counts !== null && counts[0] === 2 && counts[1] === 1;
  }, 'subscriptions restored');
  expect(await post(b.url)).toBe(9);
  await customerLog.untilSeq(order.id, 9);
  await staffLog.untilSeq(order.id, 9);
  await trackerLog.untilSeq(order.id, 9);
  expect(await post(a.url)).toBe(10);
  await trackerLog.untilSeq(order.id, 10);
  await liveLog.untilSeq(order.id, 10);
  await customerLog.untilSeq(order.id, 10);

  expect(customerLog.seqs(order.id)).toEqual(range(2, 10));
  expect(liveLog.seqs(order.id)).toEqual(range(2, 10));
  expect(trackerLog.seqs(order.id)).toEqual([9, 10]);
  expect(live.url).toBe(a.url);
  const stored = await api(b.url).get(`/v1/orders/${order.id}/events?since_seq=0`);
  expect((stored.body.items as Array<{ seq: number }>).map((event) => event.seq)).toEqual(range(1, 10));

  // Nothing crashed: both nodes answer, and no promise was left rejected unhandled.
  expect(unhandled).toEqual([]);
  expect(customerA.connected && staffA.connected && trackerB.connected).toBe(true);
});
