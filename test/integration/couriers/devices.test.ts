/**
 * Devices (API.md "Devices"): the apps and trackers couriers already have send positions with a key of their own,
 * and each position takes the courier's own way: pushed to the watchers of its orders out for delivery (on either
 * node), ETA, `last_location`. Each protocol is tested with its app's recorded wire format. Fixes are deduplicated by
 * time and kept one a second per device across the cluster; a removed device's key is refused at once on the other
 * node; bad input is refused and changes nothing.
 */
import { DESTINATION, offsetFromDestination } from '../../support/arrival-track';
import { eventually } from '../../support/eventually';
import { client, request, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import { placeOrder, type PlacedOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

// Every fix is pushed (no pacing): these tests follow each position a device sends.
const pair = liveCluster('devices', { env: () => ({ LIVE_POSITION_MS: '0' }) });
let tenant: Tenant;
let api: Client;

beforeAll(async () => {
  tenant = await createTenant(pair.a.url);
  api = client(pair.a.url, tenant.apiKey);
});

/** Unix seconds `offsetS` from now, as Traccar Client and OwnTracks send them. */
const seconds = (offsetS = 0) => Math.floor(Date.now() / 1000) + offsetS;

/** A courier record with an order out for delivery, watched on both nodes; the watchers' recorders. */
async function courierOnTheWay(destination: Record<string, unknown> = { address: '1 Harbour Rd', ...DESTINATION }) {
  const courierId = unique('k');
  expect((await api.post('/v1/couriers', { id: courierId, name: 'Kim' })).status).toBe(201);
  const order = await placeOrder(api, { destination });
  expect((await api.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId })).status).toBe(200);
  expect((await api.post(`/v1/orders/${order.id}/status`, { status: 'out_for_delivery' })).status).toBe(200);
  const watchers = await Promise.all([pair.a.url, pair.b.url].map((url) => connectSocket(url, order.tracking_token)));
  const logs = watchers.map((socket) => Recorder.of(socket));
  for (const socket of watchers) await subscribeOk(socket, order.id);
  return { courierId, order, logs };
}

async function addDevice(courierId: string, protocol: string, name?: string) {
  const added = await api.post(`/v1/couriers/${courierId}/devices`, { protocol, ...(name ? { name } : {}) });
  expect(added.status).toBe(201);
  return added.body as { id: string; key: string; protocol: string; name: string | null; setup: Record<string, string> };
}

/** Waits for a position at `lat` on every watcher. */
async function pushedEverywhere(logs: Recorder[], lat: number, what: string) {
  for (const log of logs) await log.until((entry) => entry.event === 'courier_location' && entry.data.lat === lat, what);
}

async function lastLocation(order: PlacedOrder, lat: number) {
  await pair.a.node.parts.couriers?.flush();
  await pair.b.node.parts.couriers?.flush();
  await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.last_location?.lat === lat, `last_location at ${lat}`);
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('keys and set-up', () => {
  it('adds a device with a key shown once and the set-up of each app; lists devices without keys; 20 at most', async () => {
    const courierId = unique('k');
    expect((await api.post('/v1/couriers', { id: courierId, name: 'Kim' })).status).toBe(201);
    const base = pair.a.url;
    const osmand = await addDevice(courierId, 'osmand', 'Traccar Client');
    expect(osmand.key).toMatch(/^dev_[A-Za-z0-9_-]{43}$/);
    expect(osmand.setup).toEqual({ url: `${base}/devices/osmand`, device_id: osmand.key });
    const owntracks = await addDevice(courierId, 'owntracks');
    expect(owntracks.setup).toMatchObject({ url: `${base}/devices/owntracks`, username: courierId, password: owntracks.key });
    const inline = new URL(owntracks.setup.config_url!).searchParams.get('inline')!;
    expect(owntracks.setup.config_url).toMatch(/^owntracks:\/\/\/config\?inline=/);
    expect(JSON.parse(Buffer.from(inline, 'base64').toString())).toEqual({
      _type: 'configuration', mode: 3, url: `${base}/devices/owntracks`, auth: true, username: courierId, password: owntracks.key, deviceId: owntracks.id,
    });
    const overland = await addDevice(courierId, 'overland');
    expect(overland.setup.url).toBe(`${base}/devices/overland?key=${overland.key}`);
    const link = new URL(overland.setup.import_url!);
    expect(`${link.protocol}//${link.host}`).toBe('overland://setup');
    expect(Object.fromEntries(link.searchParams)).toEqual({ url: overland.setup.url, token: overland.key, device_id: overland.id });
    const mqtt = await addDevice(courierId, 'mqtt', 'Van 7');
    expect(mqtt.setup).toEqual({ topic: `trk/devices/${mqtt.key}/position`, owntracks_topic: `owntracks/${courierId}/${mqtt.key}` });

    const listed = await client(pair.b.url, await tenant.token('staff', 's1')).get(`/v1/couriers/${courierId}/devices`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((device: Record<string, unknown>) => [device.id, device.protocol, device.name])).toEqual([
      [osmand.id, 'osmand', 'Traccar Client'], [owntracks.id, 'owntracks', null], [overland.id, 'overland', null], [mqtt.id, 'mqtt', 'Van 7'],
    ]);
    expect(JSON.stringify(listed.body)).not.toContain('dev_');

    for (let i = 4; i < 20; i++) await addDevice(courierId, 'mqtt');
    const over = await api.post(`/v1/couriers/${courierId}/devices`, { protocol: 'mqtt' });
    expect(over.status).toBe(409);
    expect(over.body.error).toMatchObject({ code: 'limit_reached', details: { limit: 20 } });
  });

  it('refuses an unknown courier, a bad protocol, a courier token, and a device of another courier', async () => {
    expect((await api.post(`/v1/couriers/${unique('nobody')}/devices`, { protocol: 'osmand' })).status).toBe(404);
    expect((await api.get(`/v1/couriers/${unique('nobody')}/devices`)).status).toBe(404);
    const courierId = unique('k');
    await api.post('/v1/couriers', { id: courierId, name: 'Kim' });
    const bad = await api.post(`/v1/couriers/${courierId}/devices`, { protocol: 'gpx' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect((await client(pair.a.url, await tenant.token('courier', courierId)).post(`/v1/couriers/${courierId}/devices`, { protocol: 'osmand' })).status).toBe(403);
    const device = await addDevice(courierId, 'osmand');
    expect((await api.delete(`/v1/couriers/${unique('k')}/devices/${device.id}`)).status).toBe(404);
    const other = await createTenant(pair.a.url);
    expect((await client(pair.a.url, other.apiKey).delete(`/v1/couriers/${courierId}/devices/${device.id}`)).status).toBe(404);
    expect((await api.delete(`/v1/couriers/${courierId}/devices/${device.id}`)).status).toBe(204);
    expect((await api.delete(`/v1/couriers/${courierId}/devices/${device.id}`)).status).toBe(404);
  });
});

describe('each protocol, as its app sends it, takes the courier position path', () => {
  it("OsmAnd / Traccar Client's query: GET, speed in knots, to a watcher on either node, and last_location", async () => {
    const { courierId, order, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    // traccar-client-android's ProtocolFormatter: id, timestamp (s), lat, lon, speed (knots), bearing, altitude, accuracy, batt.
    const query = `id=${encodeURIComponent(device.key)}&timestamp=${seconds(-5)}&lat=22.2934&lon=114.1689&speed=19.438444924406&bearing=271.0&altitude=12.0&accuracy=9.0&batt=87.0`;
    const answer = await request(pair.b.url, 'GET', `/devices/osmand?${query}`);
    expect(answer.status).toBe(200);
    await pushedEverywhere(logs, 22.2934, 'the Traccar Client position');
    const pushed = logs[0]!.of('courier_location')[0];
    expect(pushed).toMatchObject({ order_id: order.id, courier_id: courierId, lat: 22.2934, lng: 114.1689, heading: 271 });
    expect(pushed.speed).toBeCloseTo(10, 3);
    await lastLocation(order, 22.2934);
    expect((await api.get(`/v1/couriers/${courierId}`)).body.last_location).toMatchObject({ lat: 22.2934, lng: 114.1689 });
  });

  it('OsmAnd as a form body, and as a POST with the query (older Traccar Client) and no body', async () => {
    const { courierId, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    const form = `id=${encodeURIComponent(device.key)}&timestamp=${seconds(-20)}&lat=22.2935&lon=114.169&speed=0.0&bearing=0.0`;
    const posted = await request(pair.a.url, 'POST', '/devices/osmand', { rawBody: form, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.status).toBe(200);
    await pushedEverywhere(logs, 22.2935, 'the form position');
    const inQuery = await request(pair.a.url, 'POST', `/devices/osmand?id=${encodeURIComponent(device.key)}&lat=22.2936&lon=114.169&timestamp=${seconds(-10)}`);
    expect(inQuery.status).toBe(200);
    await pushedEverywhere(logs, 22.2936, 'the query position');
  });

  it("Traccar Client 9's JSON body (speed in m/s, ISO time)", async () => {
    const { courierId, order, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    const body = {
      location: {
        timestamp: new Date(Date.now() - 3000).toISOString(),
        coords: { latitude: 22.2937, longitude: 114.1691, accuracy: 5, speed: 7.5, heading: 90, altitude: 10 },
        is_moving: true, odometer: 1000, event: 'motionchange', battery: { level: 0.5, is_charging: false },
        activity: { type: 'in_vehicle' }, extras: {},
      },
      device_id: device.key,
    };
    expect((await request(pair.b.url, 'POST', '/devices/osmand', { body })).status).toBe(200);
    await pushedEverywhere(logs, 22.2937, 'the Traccar Client 9 position');
    expect(logs[1]!.of('courier_location')[0]).toMatchObject({ speed: 7.5, heading: 90 });
    await lastLocation(order, 22.2937);
  });

  it('OwnTracks in HTTP mode: Basic auth with the key as password, answered [], other types ignored', async () => {
    const { courierId, order, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'owntracks');
    const authorization = basic(device.setup.username!, device.key);
    const location = {
      _type: 'location', acc: 10, alt: 20, batt: 64, bs: 1, cog: 45, conn: 'm', lat: 22.2938, lon: 114.1692, t: 'u',
      tid: 'KM', topic: `owntracks/${courierId}/phone`, tst: seconds(-2), vel: 36, created_at: seconds(),
    };
    const answer = await request(pair.a.url, 'POST', '/devices/owntracks', { body: location, headers: { authorization } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([]);
    await pushedEverywhere(logs, 22.2938, 'the OwnTracks location');
    expect(logs[0]!.of('courier_location')[0].speed).toBeCloseTo(10, 6);
    const lwt = await request(pair.b.url, 'POST', '/devices/owntracks', { body: { _type: 'lwt', tst: seconds() }, headers: { authorization } });
    expect([lwt.status, lwt.body]).toEqual([200, []]);
    await lastLocation(order, 22.2938);
  });

  it('an Overland batch: answered exactly {"result":"ok"}; the same batch again, to the other node, adds nothing', async () => {
    const { courierId, order, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'overland');
    const point = (lat: number, ageS: number) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [114.1693, lat] },
      properties: {
        timestamp: new Date(Date.now() - ageS * 1000).toISOString().replace('.000Z', 'Z'), altitude: 0, speed: 4, horizontal_accuracy: 30,
        vertical_accuracy: -1, motion: ['driving'], pauses: false, activity: 'other_navigation', desired_accuracy: 100, deferred: 1000,
        significant_change: 'disabled', locations_in_payload: 3, battery_state: 'unplugged', battery_level: 0.89, device_id: '', wifi: '',
      },
    });
    const batch = JSON.stringify({ locations: [point(22.2941, 30), point(22.2942, 20), point(22.2943, 10)] });
    const url = new URL(device.setup.url!);
    const first = await fetch(`${pair.a.url}${url.pathname}${url.search}`, { method: 'POST', body: batch, headers: { 'content-type': 'application/json' } });
    expect(first.status).toBe(200);
    expect(await first.text()).toBe('{"result":"ok"}');
    await pushedEverywhere(logs, 22.2943, 'the batch');
    // Overland sends a batch again when it missed the answer; with its token as Bearer, to the other node.
    const again = await request(pair.b.url, 'POST', '/devices/overland', { rawBody: batch, headers: { authorization: `Bearer ${device.key}` } });
    expect([again.status, again.body]).toEqual([200, { result: 'ok' }]);
    // A marker sent after it through the courier's own path: nothing of the repeated batch came before it.
    const courier = client(pair.a.url, await tenant.token('courier', courierId));
    expect((await courier.post('/v1/couriers/me/location', { lat: 22.2949, lng: 114.1693 })).status).toBe(204);
    for (const log of logs) {
      await log.until((entry) => entry.event === 'courier_location' && entry.data.lat === 22.2949, 'the marker');
      expect(log.of('courier_location').map((update) => update.lat)).toEqual([22.2941, 22.2942, 22.2943, 22.2949]);
    }
    await lastLocation(order, 22.2949);
  });
});

describe('what a device sends is kept once, one a second', () => {
  it('drops fixes not newer than the last kept and thins a 10 Hz tracker to one a second, across both nodes', async () => {
    const { courierId, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'mqtt');
    const t0 = Date.now() - 60_000;
    // The MQTT intake's entry, on both nodes: ten fixes a second for two seconds, alternately to each node.
    const fix = (i: number) => ({ at: new Date(t0 + i * 100).toISOString(), lat: 22.29 + i / 10_000, lng: 114.17, speed_mps: 5 });
    let kept = 0;
    for (let i = 0; i < 20; i++) {
      const node = i % 2 === 0 ? pair.a : pair.b;
      const result = await node.node.parts.devices!.ingest(device.key, [fix(i)]);
      expect(result.outcome).toBe('taken');
      kept += result.kept;
    }
    expect(kept).toBe(2);
    // A message that repeats kept fixes, or older ones, adds nothing; a batch of several keeps one a second of it.
    expect(await pair.b.node.parts.devices!.ingest(device.key, [fix(0), fix(10), fix(15)])).toEqual({ outcome: 'taken', kept: 0 });
    expect(await pair.a.node.parts.devices!.ingest(device.key, [fix(30), fix(25), fix(35), fix(40)])).toEqual({ outcome: 'taken', kept: 2 });
    // 0,0 is no fix: ignored.
    expect(await pair.a.node.parts.devices!.ingest(device.key, [{ at: new Date(t0 + 6000).toISOString(), lat: 0, lng: 0 }])).toEqual({ outcome: 'taken', kept: 0 });
    const lats = [0, 10, 25, 35].map((i) => fix(i).lat);
    for (const log of logs) {
      await log.until((entry) => entry.event === 'courier_location' && entry.data.lat === lats.at(-1), 'the last kept fix');
      expect(log.of('courier_location').map((update) => update.lat)).toEqual(lats);
    }
  });

  it('ignores lat=0&lon=0 (no fix) over HTTP, answering 200', async () => {
    const { courierId, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    expect((await request(pair.a.url, 'GET', `/devices/osmand?id=${device.key}&lat=0&lon=0&timestamp=${seconds(-3)}`)).status).toBe(200);
    expect((await request(pair.a.url, 'GET', `/devices/osmand?id=${device.key}&lat=22.2951&lon=114.1&timestamp=${seconds(-2)}`)).status).toBe(200);
    await pushedEverywhere(logs, 22.2951, 'the real fix');
    expect(logs[0]!.of('courier_location').map((update) => update.lat)).toEqual([22.2951]);
  });
});

describe('keys that do not work', () => {
  it('a removed device is refused at once on the other node, which had its key cached', async () => {
    const { courierId, logs } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    const send = (lat: number, ageS: number) => request(pair.b.url, 'GET', `/devices/osmand?id=${device.key}&lat=${lat}&lon=114.1&timestamp=${seconds(-ageS)}`);
    expect((await send(22.2961, 30)).status).toBe(200);
    await pushedEverywhere(logs, 22.2961, 'the position before removal');
    expect((await api.delete(`/v1/couriers/${courierId}/devices/${device.id}`)).status).toBe(204);
    const refused = await send(22.2962, 20);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('validation_failed');
    expect(await pair.b.node.parts.devices!.ingest(device.key, [{ at: new Date().toISOString(), lat: 22.2963, lng: 114.1 }])).toEqual({ outcome: 'unknown_key', kept: 0 });
    const courier = client(pair.a.url, await tenant.token('courier', courierId));
    expect((await courier.post('/v1/couriers/me/location', { lat: 22.2969, lng: 114.1 })).status).toBe(204);
    for (const log of logs) {
      await log.until((entry) => entry.event === 'courier_location' && entry.data.lat === 22.2969, 'the marker');
      expect(log.of('courier_location').map((update) => update.lat)).toEqual([22.2961, 22.2969]);
    }
  });

  it('an unknown key: 400 for OsmAnd, 401 for OwnTracks and Overland, unknown_key over MQTT; an inactive courier likewise', async () => {
    const unknown = `dev_${'x'.repeat(43)}`;
    const osmand = await request(pair.a.url, 'GET', `/devices/osmand?id=${unknown}&lat=22.3&lon=114.1`);
    expect([osmand.status, osmand.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await request(pair.a.url, 'POST', '/devices/osmand', { body: { device_id: unknown, location: { timestamp: new Date().toISOString(), coords: { latitude: 1, longitude: 1 } } } })).status).toBe(400);
    const owntracks = await request(pair.a.url, 'POST', '/devices/owntracks', { body: { _type: 'location', lat: 1, lon: 1, tst: seconds() }, headers: { authorization: basic('k', unknown) } });
    expect([owntracks.status, owntracks.body.error.code]).toEqual([401, 'unauthorized']);
    expect((await request(pair.a.url, 'POST', '/devices/owntracks', { body: { _type: 'location', lat: 1, lon: 1, tst: seconds() } })).status).toBe(401);
    expect((await request(pair.a.url, 'POST', `/devices/overland?key=${unknown}`, { body: { locations: [] } })).status).toBe(401);
    expect((await request(pair.a.url, 'POST', '/devices/overland', { body: { locations: [] } })).status).toBe(401);
    expect(await pair.a.node.parts.devices!.ingest(unknown, [{ at: new Date().toISOString(), lat: 1, lng: 1 }])).toEqual({ outcome: 'unknown_key', kept: 0 });

    const { courierId } = await courierOnTheWay();
    const device = await addDevice(courierId, 'osmand');
    expect((await api.patch(`/v1/couriers/${courierId}`, { active: false })).status).toBe(200);
    expect((await request(pair.b.url, 'GET', `/devices/osmand?id=${device.key}&lat=22.3&lon=114.1`)).status).toBe(400);
    expect((await pair.b.node.parts.devices!.ingest(device.key, [{ at: new Date().toISOString(), lat: 1, lng: 1 }])).outcome).toBe('unknown_key');
  });

  it('bad input is a 400 naming the field, and changes nothing', async () => {
    const { courierId, order, logs } = await courierOnTheWay();
    const osmand = await addDevice(courierId, 'osmand');
    const owntracks = await addDevice(courierId, 'owntracks');
    const overland = await addDevice(courierId, 'overland');
    const fields = (answer: { body: any }) => answer.body.error.details.map((issue: { path: string }) => issue.path);

    const badQuery = await request(pair.a.url, 'GET', `/devices/osmand?id=${osmand.key}&lat=95&lon=114.1&timestamp=${seconds(-5)}`);
    expect([badQuery.status, fields(badQuery)]).toEqual([400, ['lat']]);
    const future = await request(pair.a.url, 'GET', `/devices/osmand?id=${osmand.key}&lat=22.3&lon=114.1&timestamp=${seconds(3600)}`);
    expect([future.status, fields(future)]).toEqual([400, ['timestamp']]);
    const badJson = await request(pair.a.url, 'POST', '/devices/osmand', { rawBody: '{"device_id":', headers: { 'content-type': 'application/json' } });
    expect([badJson.status, badJson.body.error.code]).toEqual([400, 'invalid_json']);
    const badCoords = await request(pair.a.url, 'POST', '/devices/osmand', { body: { device_id: osmand.key, location: { timestamp: 'yesterday', coords: { latitude: '22.3' } } } });
    expect([badCoords.status, fields(badCoords)]).toEqual([400, ['location.coords.latitude', 'location.coords.longitude', 'location.timestamp']]);
    const xml = await request(pair.a.url, 'POST', '/devices/osmand', { rawBody: '<fix/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);

    const authorization = basic(courierId, owntracks.key);
    const badLocation = await request(pair.a.url, 'POST', '/devices/owntracks', { body: { _type: 'location', lat: 22.3, lon: 'east', tst: seconds() }, headers: { authorization } });
    expect([badLocation.status, fields(badLocation)]).toEqual([400, ['lon']]);

    const good = { type: 'Feature', geometry: { type: 'Point', coordinates: [114.1, 22.2971] }, properties: { timestamp: new Date().toISOString() } };
    const badPoint = { type: 'Feature', geometry: { type: 'Point', coordinates: [114.1, 22.2972] }, properties: { timestamp: 'now' } };
    const badBatch = await request(pair.a.url, 'POST', `/devices/overland?key=${overland.key}`, { body: { locations: [good, badPoint] } });
    expect([badBatch.status, fields(badBatch)]).toEqual([400, ['locations.1.properties.timestamp']]);

    // Nothing of it was taken: the first position anyone sees is the one sent now, and it is the one kept.
    expect((await request(pair.b.url, 'GET', `/devices/osmand?id=${osmand.key}&lat=22.2979&lon=114.1&timestamp=${seconds(-1)}`)).status).toBe(200);
    await pushedEverywhere(logs, 22.2979, 'the good position');
    for (const log of logs) expect(log.of('courier_location').map((update) => update.lat)).toEqual([22.2979]);
    await lastLocation(order, 22.2979);
  });
});

it("gives an order out for delivery an ETA from the device's reported speed: 2 km away at 10 m/s is about 200 s", async () => {
  const { courierId, order, logs } = await courierOnTheWay({ address: '1 Harbour Rd', ...DESTINATION });
  const device = await addDevice(courierId, 'osmand');
  // Three fixes a second apart, closing in at 10 m/s (19.44 knots), the last 2 km from the door.
  const now = Date.now();
  for (const [i, metres] of [2020, 2010, 2000].entries()) {
    const { lat, lng } = offsetFromDestination(0, metres);
    const at = now - (2 - i) * 1000;
    const answer = await request(pair.a.url, 'GET', `/devices/osmand?id=${device.key}&lat=${lat}&lon=${lng}&timestamp=${at}&speed=19.438444924406`);
    expect(answer.status).toBe(200);
  }
  const { data } = await logs[1]!.until((entry) => entry.event === 'eta_update' && entry.data.order_id === order.id, 'an ETA');
  const seconds = (Date.parse(data.eta) - now) / 1000;
  // The first fix sets it (2.02 km at 10 m/s), and later ones move it by less than a minute: about 200 s, not 335.
  expect(seconds).toBeGreaterThan(190);
  expect(seconds).toBeLessThan(215);
});
