/**
 * Live positions are paced (LIVE_POSITION_MS): an order's watchers get at most one `courier_location` per interval,
 * the first fix after a quiet spell at once and the newest one at the end of each interval, never a stale one last.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { placeOrder } from '../../support/orders';
import { Recorder, type Received } from '../../support/recorder';
import { connectSocket, subscribeOk } from '../../support/sockets';

jest.setTimeout(60_000);

const INTERVAL_MS = 400;
const cluster = liveCluster('positions', { tenant: 'Acme', env: () => ({ LIVE_POSITION_MS: String(INTERVAL_MS) }) });

async function ok(promise: Promise<{ status: number; body: any }>, status = 200) {
  const response = await promise;
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

it('a fast stream of fixes reaches a watcher at most once per interval, ending with the newest', async () => {
  const { a, b, tenant } = cluster;
  const api = client(a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c1' } });
  await ok(api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' }));
  await ok(api.post(`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' }));
  const watcher = await connectSocket(a.url, await tenant.token('customer', 'c1'));
  const staff = await connectSocket(a.url, await tenant.token('staff', 's1'));
  const arrivals: Array<{ lat: number; at: number }> = [];
  watcher.on('courier_location', (update: { lat: number }) => arrivals.push({ lat: update.lat, at: Date.now() }));
  const [log, staffLog] = [watcher, staff].map(Recorder.of) as [Recorder, Recorder];
  await subscribeOk(watcher, order.id);

  // The courier reports to node B, one fix right after another.
  const courier = client(b.url, await tenant.token('courier', 'k1'));
  const fixes = Array.from({ length: 15 }, (_, index) => 10 + index / 100);
  const started = Date.now();
  for (const [index, lat] of fixes.entries()) {
    await ok(courier.post('/v1/couriers/me/location', { lat, lng: 114.1, at: new Date(started + index).toISOString() }), 204);
    // The first fix after a quiet spell goes at once.
    if (index === 0) await log.until(isFix(order.id, lat), 'the first fix');
  }
  const newest = fixes.at(-1)!;
  await Promise.all([log.until(isFix(order.id, newest), 'the newest fix'), staffLog.until(isFix(order.id, newest), 'the newest fix in the feed')]);
  const elapsed = Date.now() - started;

  expect(arrivals[0]!.lat).toBe(fixes[0]);
  expect(arrivals.at(-1)!.lat).toBe(newest);
  expect(arrivals.length).toBeLessThan(fixes.length);
  expect(arrivals.length).toBeLessThanOrEqual(Math.ceil(elapsed / INTERVAL_MS) + 1);
  // Never two within one interval (a little slack for timers firing early on a busy machine).
  for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]!.at - arrivals[i - 1]!.at).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
  // Each fix that came is newer than the one before it.
  for (let i = 1; i < arrivals.length; i++) expect(arrivals[i]!.lat).toBeGreaterThan(arrivals[i - 1]!.lat);
  // Nothing more comes once the newest went: the interval that follows it ends quiet.
  const count = arrivals.length;
  await ok(courier.post('/v1/couriers/me/location', { lat: 11, lng: 114.1 }), 204);
  await log.until(isFix(order.id, 11), 'a later fix');
  expect(arrivals.length).toBe(count + 1);
});

function isFix(orderId: string, lat: number) {
  return (entry: Received) => entry.event === 'courier_location' && entry.data.order_id === orderId && entry.data.lat === lat;
}
