/**
 * Buffered positions (`POST /v1/couriers/me/locations`): a courier's app that was offline sends its fixes in one
 * request; each reaches the order's watchers once, in time order, on the node that took it and on the other, and
 * the newest is kept as `last_location`. A bad item fails the batch with the field named, and nothing is pushed.
 */
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';
import { iso } from '../../support/time';

jest.setTimeout(60_000);

// Every fix is pushed (no pacing): these tests follow each one of a batch.
const pair = liveCluster('locations', { env: () => ({ LIVE_POSITION_MS: '0' }) });
let tenant: Tenant;

beforeAll(async () => {
  tenant = await createTenant(pair.a.url);
});

it('pushes every buffered position once, oldest first, to watchers on both nodes, and keeps the newest', async () => {
  const api = client(pair.a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c-batch' } });
  expect((await api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k-batch' })).status).toBe(200);
  expect((await api.post(`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' })).status).toBe(200);
  const watchers = await Promise.all([pair.a.url, pair.b.url].map((url) => connectSocket(url, order.tracking_token)));
  const logs = watchers.map((socket) => Recorder.of(socket));
  for (const socket of watchers) await subscribeOk(socket, order.id);

  // Sent newest first, as an app might flush its buffer.
  const fixes = [
    { lat: 22.303, lng: 114.173, at: iso(-10_000) },
    { lat: 22.302, lng: 114.172, at: iso(-20_000) },
    { lat: 22.301, lng: 114.171, at: iso(-30_000) },
  ];
  const courier = client(pair.b.url, await tenant.token('courier', 'k-batch'));
  expect((await courier.post('/v1/couriers/me/locations', { positions: fixes })).status).toBe(204);

  for (const log of logs) {
    await log.until((entry) => entry.event === 'courier_location' && entry.data.lat === 22.303, 'the newest fix');
    expect(log.of('courier_location').map((update) => update.lat)).toEqual([22.301, 22.302, 22.303]);
  }
  // Kept with the next coalesced write: the newest fix, whatever order they came in.
  await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.last_location !== null, 'last_location stored');
  expect((await api.get(`/v1/orders/${order.id}`)).body.last_location).toMatchObject({ lat: 22.303, lng: 114.173 });
});

it('refuses a batch with a bad item, naming it, and pushes none of it', async () => {
  const api = client(pair.a.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c-bad' } });
  await api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k-bad' });
  await api.post(`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' });
  const watcher = await connectSocket(pair.a.url, order.tracking_token);
  const log = Recorder.of(watcher);
  await subscribeOk(watcher, order.id);
  const courier = client(pair.a.url, await tenant.token('courier', 'k-bad'));

  const bad = await courier.post('/v1/couriers/me/locations', { positions: [{ lat: 22.3, lng: 114.1 }, { lat: 95, lng: 114.1 }] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('validation_failed');
  expect(JSON.stringify(bad.body.error.details)).toContain('positions.1.lat');
  const tooMany = await courier.post('/v1/couriers/me/locations', { positions: Array.from({ length: 101 }, () => ({ lat: 22.3, lng: 114.1 })) });
  expect(tooMany.status).toBe(400);
  expect((await courier.post('/v1/couriers/me/locations', { positions: [] })).status).toBe(400);

  // A good position afterwards is the first and only one the watcher sees.
  expect((await courier.post('/v1/couriers/me/locations', { positions: [{ lat: 22.31, lng: 114.11 }] })).status).toBe(204);
  await log.until((entry) => entry.event === 'courier_location', 'the good position');
  expect(log.of('courier_location').map((update) => update.lat)).toEqual([22.31]);
});
