/**
 * Issue 24's "done when": on a two-node cluster with `MQTT_URL`, each position an MQTT device publishes reaches the
 * socket watching its courier's order exactly once, as `courier_location` (API.md "Devices"). The device is made
 * through the API (`POST /v1/couriers/:id/devices` with `protocol: "mqtt"`, its topic in `setup.topic`); the two nodes
 * share the broker's subscription, so each takes some of the positions, and the one that did not take a position still
 * pushes none of it twice.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { startBroker, stopAllBrokers, type MqttBroker } from '../../support/mosquitto';
import { closeAllPublishers, connectPublisher, publish } from '../../support/mqtt-publisher';
import type { TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, subscribeOk } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';
import { eventually } from '../../support/eventually';

jest.setTimeout(60_000);

// Started before the cluster (hooks run in the order they are registered), which connects to it as it starts.
let broker: MqttBroker;
beforeAll(async () => (broker = await startBroker()));
afterAll(stopAllBrokers);
afterEach(closeAllPublishers);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
liveCluster('mqtt-devices', { tenant: 'Acme', env: () => ({ MQTT_URL: broker.url, LIVE_POSITION_MS: '0' }), ready: (started) => ({ a, b, tenant } = started) });

/** A sample's value in a Prometheus text exposition (a series of the exact name and labels), or 0 when absent. */
async function taken(url: string): Promise<number> {
  const text = (await client(url).get('/metrics')).body as string;
  const series = 'mqtt_messages_total{outcome="taken"}';
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

it('each position published by an MQTT device reaches the watching socket once, as courier_location, whichever node took it', async () => {
  const biz = client(a.url, tenant.apiKey);
  const courierId = 'van-7';
  expect((await biz.post('/v1/couriers', { id: courierId, name: 'Chan Tai Man' })).status).toBe(201);
  const created = await biz.post(`/v1/couriers/${courierId}/devices`, { protocol: 'mqtt', name: 'van tracker' });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ protocol: 'mqtt', key: expect.stringMatching(/^dev_/), setup: { topic: expect.any(String) } });
  const topic = created.body.setup.topic as string;
  expect(topic).toContain(created.body.key);

  const order = await placeOrder(biz, { customer: { id: 'c1' } });
  await assignCourier(biz, order.id, courierId);
  await postStatus(biz, order.id, 'out_for_delivery');
  const watcher = await connectSocket(b.url, await tenant.token('customer', 'c1'));
  const seen = Recorder.of(watcher);
  await subscribeOk(watcher, order.id);

  // N positions one second apart (the device's clock), walking north: none is a duplicate by time, none is too close
  // to the last to be kept (at most one a second per device). The last one is the marker: once it is in, every
  // earlier one would be too, had any come twice.
  const count = 12;
  const first = Date.now() - (count + 5) * 1000;
  const positions = Array.from({ length: count }, (_, index) => ({
    lat: Number((22.28 + index / 1000).toFixed(4)),
    lng: 114.16,
    at: new Date(first + index * 1000).toISOString(),
  }));
  const tracker = await connectPublisher(broker.url);
  // One fix at a time, as a tracker reporting every second sends them: two nodes taking a burst at once may record a
  // device's fixes out of order, and a fix older than one already kept is dropped by design (deduplicated by time).
  for (const position of positions) {
    await publish(tracker, topic, position);
    await seen.until((entry) => entry.event === 'courier_location' && entry.data.at === position.at, `the position of ${position.at} at the socket`);
  }

  const last = positions.at(-1)!;
  await seen.until((entry) => entry.event === 'courier_location' && entry.data.at === last.at, 'the last position at the socket');
  const pushed = seen.of('courier_location').filter((data) => data.order_id === order.id);
  expect(pushed.map((data) => data.at).sort()).toEqual(positions.map((position) => position.at));
  for (const position of positions) {
    expect(pushed.find((data) => data.at === position.at)).toMatchObject({ order_id: order.id, courier_id: courierId, lat: position.lat, lng: position.lng });
  }

  // Both nodes took part: the cluster's shared subscription gave each some of the messages, and none to both.
  const [atA, atB] = await eventually(async () => {
    const counts = [await taken(a.url), await taken(b.url)];
    return counts[0]! + counts[1]! === count && counts;
  }, 'every message taken by one node');
  expect(atA).toBeGreaterThan(0);
  expect(atB).toBeGreaterThan(0);
});
