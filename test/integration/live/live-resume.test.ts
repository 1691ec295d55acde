/**
 * Resuming by seq (ARCHITECTURE.md "Cluster"): a watcher that went away resubscribes with since_seq on any
 * node and gets exactly what it missed, then the live events; the TrackingClient does this by itself when its
 * node drops it or stops, and its user sees every event once, in order.
 */
import type { TrackingClient } from '../../../src/client/tracking-client';
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { startPoster } from '../../support/poster';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { connectSocket, nextConnection, subscribeOk, trackingClient } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
liveCluster('resume', { per: 'test', tenant: 'Acme', ready: (started) => ({ a, b, tenant } = started) });

function tracking(urls: string[], token: string): TrackingClient {
  return trackingClient({ urls, token, socket: { transports: ['websocket'] }, maxBackoffMs: 500 });
}

/** Posts `in_transit` on the node at `url`. */
async function post(url: string, orderId: string) {
  await postStatus(client(url, tenant.apiKey), orderId, 'in_transit');
}

async function storedSeqs(url: string, orderId: string): Promise<number[]> {
  const response = await client(url, tenant.apiKey).get(`/v1/orders/${orderId}/events?since_seq=0&limit=1000`);
  return (response.body.items as Array<{ seq: number }>).map((event) => event.seq);
}

it('a client that left resumes on the other node with since_seq: exactly the missed events, then live ones', async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c1' } });
  const first = tracking([a.url], order.tracking_token);
  const firstLog = Recorder.ofClient(first);
  await first.connect();
  await first.subscribe(order.id);
  for (let i = 0; i < 3; i++) await post(i % 2 ? a.url : b.url, order.id);
  await firstLog.untilSeq(order.id, 4);
  expect(firstLog.seqs(order.id)).toEqual([2, 3, 4]);
  const lastSeen = first.lastSeq(order.id)!;
  expect(lastSeen).toBe(4);
  first.close();

  for (let i = 0; i < 5; i++) await post(i % 2 ? a.url : b.url, order.id);
  const socket = await connectSocket(b.url, order.tracking_token);
  const log = Recorder.of(socket);
  const ack = await subscribeOk(socket, order.id, lastSeen);
  expect(ack.order.version).toBe(9);
  expect(ack.missed.map((update) => update.seq)).toEqual([5, 6, 7, 8, 9]);
  await post(a.url, order.id);
  await post(b.url, order.id);
  await log.untilSeq(order.id, 11);
  expect(log.seqs(order.id)).toEqual([10, 11]);
  expect(firstLog.seqs(order.id)).toEqual([2, 3, 4]);
});

it('a resubscription while events keep coming is seamless: missed and live join without gap or repeat', async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c1' } });
  const poster = startPoster([a.url, b.url], tenant.apiKey, order.id);
  const watcher = await connectSocket(a.url, tenant.apiKey);
  const watcherLog = Recorder.of(watcher);
  await subscribeOk(watcher, order.id);
  await watcherLog.untilSeq(order.id, 10);
  const resumer = await connectSocket(b.url, order.tracking_token);
  const resumerLog = Recorder.of(resumer);
  const ack = await subscribeOk(resumer, order.id, 5);
  await watcherLog.untilSeq(order.id, ack.order.version + 10);
  const { versions, failures } = await poster.stop();
  expect(failures).toEqual([]);
  const last = Math.max(...versions);
  await resumerLog.untilSeq(order.id, last);
  expect([...ack.missed.map((update) => update.seq), ...resumerLog.seqs(order.id)]).toEqual(range(6, last));
});

it('when its node drops the connection, the client moves to the next node and misses nothing', async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c1' } });
  const live = tracking([a.url, b.url], await tenant.token('customer', 'c1'));
  const log = Recorder.ofClient(live);
  await live.connect();
  expect(live.url).toBe(a.url);
  await live.subscribe(order.id);

  const poster = startPoster([b.url, a.url], tenant.apiKey, order.id);
  await log.untilSeq(order.id, 12);
  const moved = nextConnection(live);
  a.node.parts.io.local.disconnectSockets(true);
  expect(await moved).toBe(b.url);
  const atMove = live.lastSeq(order.id)!;
  await log.until((e) => e.event === 'update' && e.data.seq >= atMove + 15, 'events after the move');
  const { versions, failures } = await poster.stop();
  expect(failures).toEqual([]);
  const last = Math.max(...versions);
  await log.untilSeq(order.id, last);
  expect(log.seqs(order.id)).toEqual(range(2, last));
  expect(await storedSeqs(b.url, order.id)).toEqual(range(1, last));
});

it('when its node shuts down, the client moves to the next node and misses nothing', async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c1' } });
  const live = tracking([a.url, b.url], order.tracking_token);
  const log = Recorder.ofClient(live);
  await live.connect();
  await live.subscribe(order.id);

  const poster = startPoster([b.url], tenant.apiKey, order.id);
  await log.untilSeq(order.id, 10);
  const moved = nextConnection(live);
  await a.close({ keepData: true });
  expect(await moved).toBe(b.url);
  const atMove = live.lastSeq(order.id)!;
  await log.until((e) => e.event === 'update' && e.data.seq >= atMove + 15, 'events after the move');
  const { versions, failures } = await poster.stop();
  expect(failures).toEqual([]);
  const last = Math.max(...versions);
  await log.untilSeq(order.id, last);
  expect(log.seqs(order.id)).toEqual(range(2, last));
  expect(await storedSeqs(b.url, order.id)).toEqual(range(1, last));
});
