/**
 * Failover between two server processes sharing DATA_DIR and REDIS_PREFIX: a TrackingClient watching an
 * order through node A keeps receiving every event exactly once, in order, after A is SIGKILLed mid-flow.
 */
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { placeOrder } from '../../support/orders';
import { startPoster } from '../../support/poster';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, expectedUpdate, nextConnection, trackingClient } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

jest.setTimeout(90_000);

// Two processes on one data directory; the client is closed before they are killed.
afterAll(() => closeAllSockets());
const cluster = processCluster({ per: 'file' });
const env = { REDIS_PREFIX: unique('failover') };

it('a client on a SIGKILLed node moves to the other one and ends with every event once, in order', async () => {
  const a = await cluster.spawn({ env });
  const b = await cluster.spawn({ env });
  const tenant = await createTenant(a.url);
  const order = await placeOrder(client(b.url, tenant.apiKey), { customer: { id: 'c1' } });

  const live = trackingClient({ urls: [a.url, b.url], token: order.tracking_token, socket: { transports: ['websocket'] }, maxBackoffMs: 500 });
  const log = Recorder.ofClient(live);
  const disconnects: string[] = [];
  live.on('disconnected', (reason) => disconnects.push(reason));
  await live.connect();
  expect(live.url).toBe(a.url);
  expect((await live.subscribe(order.id)).version).toBe(1);

  const poster = startPoster([b.url], tenant.apiKey, order.id);
  await log.untilSeq(order.id, 20, 30_000);
  const moved = nextConnection(live);
  expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  expect(await moved).toBe(b.url);
  expect(disconnects).toHaveLength(1);
  const atMove = live.lastSeq(order.id)!;
  await log.until((e) => e.event === 'update' && e.data.seq >= atMove + 20, 'events after the move', 30_000);
  const { versions, failures } = await poster.stop();
  expect(failures).toEqual([]);
  const last = Math.max(...versions);
  expect(last).toBeGreaterThanOrEqual(atMove + 20);
  await log.untilSeq(order.id, last, 30_000);

  // Every event once, in order, and exactly what node B's store holds.
  expect(log.seqs(order.id)).toEqual(range(2, last));
  const stored = await client(b.url, tenant.apiKey).get(`/v1/orders/${order.id}/events?since_seq=1&limit=1000`);
  expect(stored.status).toBe(200);
  const storedUpdates = (stored.body.items as Array<Record<string, unknown>>).map(expectedUpdate);
  expect(log.of('update')).toEqual(storedUpdates);
  expect(live.url).toBe(b.url);
  // Node B survived the whole thing.
  expect(b.child.exitCode).toBeNull();
});
