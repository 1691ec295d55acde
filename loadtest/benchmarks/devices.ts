import autocannon from 'autocannon';
import { connectAsync, type MqttClient } from 'mqtt';
import { startBroker, type MqttBroker } from '../../test/support/mosquitto';
import { inBatches, Nodes, tenant } from '../lib/nodes';
import { JsonClient, sleep, startReference, withTimeout, type ReferenceServer } from '../lib/sockets';
import { round } from '../lib/stats';
import type { Benchmark, BenchResult } from '../lib/types';

/** One courier of the run: its order on the way and a device of each protocol (their keys; MQTT's topic). */
interface BenchCourier {
  id: string;
  keys: Record<'osmand' | 'owntracks' | 'overland', string>;
  topic: string;
}

/** Each device's clock: the next position's time, one second after the last (so every one is kept, none a duplicate). */
class DeviceClocks {
  private readonly next = new Map<string, number>();

  // Three hours back: the run's positions (a few thousand seconds per device at most) stay in the past.
  constructor(private readonly start = Date.now() - 3 * 3600_000) {}

  /** The next time of `key`'s track, in epoch milliseconds. */
  tick(key: string): number {
    const at = this.next.get(key) ?? this.start;
    this.next.set(key, at + 1000);
    return at;
  }
}

const TRK_FILTER = 'trk/devices/+/position';
const HONG_KONG = { lat: 22.28, lng: 114.16 };

/** A position walking north-east from Central, `step` by step. */
const near = (step: number) => ({ lat: round(HONG_KONG.lat + (step % 500) / 100_000, 6), lng: round(HONG_KONG.lng + (step % 700) / 100_000, 6) });

/**
 * Publishes `total` positions over `publishers` MQTT connections at QoS 1 (each with up to `window` unacknowledged),
 * spread over the couriers' topics, and resolves once the broker has them all.
 */
async function publishAll(
  url: string,
  topics: string[],
  clocks: DeviceClocks,
  total: number,
  options: { publishers: number; window: number },
): Promise<void> {
  const clients: MqttClient[] = [];
  try {
    for (let index = 0; index < options.publishers; index++) clients.push(await connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0 }));
    let next = 0;
    await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: options.window }, async () => {
          while (next < total) {
            const index = next++;
            const topic = topics[index % topics.length]!;
            const at = new Date(clocks.tick(topic)).toISOString();
            await client.publishAsync(topic, JSON.stringify({ ...near(index), at, speed: 8.5, heading: index % 360 }), { qos: 1 });
          }
        }),
      ),
    );
  } finally {
    await Promise.all(clients.map((client) => client.endAsync(true)));
  }
}

/** Polls `count` until it reaches `total` (or `timeoutMs` passes); resolves with the milliseconds since `started`. */
async function until(count: () => Promise<number>, total: number, started: number, timeoutMs: number, progress: (line: string) => void, what: string): Promise<number> {
  const deadline = started + timeoutMs;
  for (;;) {
    const seen = await count();
    if (seen >= total) return performance.now() - started;
    if (performance.now() > deadline) throw new Error(`${what}: only ${seen} of ${total} within ${timeoutMs / 1000} s`);
    progress(`${what}: ${seen.toLocaleString()}/${total.toLocaleString()}`);
    await sleep(50);
  }
}

/** A labelled sample of a Prometheus text exposition (the exact series), 0 when absent. */
async function sample(metricsUrl: string, series: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** One HTTP protocol's load: the request autocannon writes for a courier, and the positions it carries. */
interface HttpProtocol {
  name: 'osmand' | 'owntracks' | 'overland';
  positionsPerRequest: number;
  request(courier: BenchCourier, clocks: DeviceClocks, step: number): autocannon.Request;
  /** The answer that means taken. */
  ok: number;
}

const PROTOCOLS = (overlandBatch: number): HttpProtocol[] => [
  {
    // OsmAnd / Traccar Client's query variant: a GET per position, speed in knots, time in Unix seconds.
    name: 'osmand',
    positionsPerRequest: 1,
    ok: 200,
    request: (courier, clocks, step) => {
      const { lat, lng } = near(step);
      const timestamp = Math.floor(clocks.tick(courier.keys.osmand) / 1000);
      return { method: 'GET', path: `/devices/osmand?id=${courier.keys.osmand}&lat=${lat}&lon=${lng}&timestamp=${timestamp}&speed=16.5&bearing=${step % 360}&accuracy=8&batt=76` };
    },
  },
  {
    // OwnTracks in HTTP mode: the key as the Basic auth password, `vel` in km/h, `tst` in Unix seconds.
    name: 'owntracks',
    positionsPerRequest: 1,
    ok: 200,
    request: (courier, clocks, step) => {
      const { lat, lng } = near(step);
      const tst = Math.floor(clocks.tick(courier.keys.owntracks) / 1000);
      return {
        method: 'POST',
        path: '/devices/owntracks',
        headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`bench:${courier.keys.owntracks}`).toString('base64')}` },
        body: JSON.stringify({ _type: 'location', tid: 'bn', lat, lon: lng, tst, vel: 30, cog: step % 360, acc: 10, batt: 76, conn: 'm', t: 'u' }),
      };
    },
  },
  {
    // Overland: a batch of GeoJSON points (the app sends up to its batch size at once).
    name: 'overland',
    positionsPerRequest: overlandBatch,
    ok: 200,
    request: (courier, clocks, step) => ({
      method: 'POST',
      path: `/devices/overland?key=${courier.keys.overland}`,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        locations: Array.from({ length: overlandBatch }, (_, index) => {
          const { lat, lng } = near(step * overlandBatch + index);
          return {
            type: 'Feature',
            geometry: { type: 'Point', coordinates: [lng, lat] },
            properties: {
              timestamp: new Date(clocks.tick(courier.keys.overland)).toISOString(),
              speed: 8.5,
              course: step % 360,
              horizontal_accuracy: 10,
              battery_level: 0.76,
            },
          };
        }),
      }),
    }),
  },
];

/** Drives one HTTP protocol with autocannon for `duration` seconds; resolves with positions taken per second. */
function driveHttp(url: string, couriers: BenchCourier[], clocks: DeviceClocks, protocol: HttpProtocol, options: { connections: number; duration: number }, progress: (line: string) => void) {
  let step = 0;
  let taken = 0;
  let refused = 0;
  return new Promise<{ perSecond: number; refused: number; p99Ms: number }>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.duration,
        requests: [{ setupRequest: (request) => ({ ...request, ...protocol.request(couriers[step % couriers.length]!, clocks, step++) }) }],
      },
      (error, result) => (error ? reject(error) : resolve({ perSecond: taken / result.duration, refused, p99Ms: result.latency.p99 })),
    );
    instance.on('response', (_client, status) => {
      if (status === protocol.ok) taken += protocol.positionsPerRequest;
      else refused += 1;
    });
    let seconds = 0;
    instance.on('tick', () => progress(`${protocol.name}: ${++seconds}s/${options.duration}s, ${taken.toLocaleString()} positions`));
  });
}

/**
 * Positions one node takes from devices (API.md "Devices"): over MQTT (a burst of messages published to the broker,
 * timed until the node has taken them all) and over each HTTP protocol (autocannon for a fixed time: OsmAnd's query,
 * OwnTracks, Overland batches). Each courier has an order out for delivery, so every position goes the whole way
 * (pushed, ETA, `last_location`). The reference is a bare MQTT subscriber taking the same messages from the same
 * broker in the same run.
 */
export const devices: Benchmark = {
  name: 'devices',
  description: 'device positions/s one node takes over MQTT (vs a bare MQTT subscriber) and over OsmAnd, OwnTracks and Overland (batches) HTTP',
  defaults: { couriers: 50, messages: 20_000, publishers: 4, window: 50, duration: 10, connections: 16, overland: 50 },
  target: 'reported: positions per second over MQTT (and its share of a bare subscriber) and over each HTTP protocol; every message taken',
  async run({ options, progress }): Promise<BenchResult> {
    const courierCount = options.couriers!;
    const messages = options.messages!;
    const publishing = { publishers: options.publishers!, window: options.window! };
    const nodes = new Nodes();
    const clocks = new DeviceClocks();
    let broker: MqttBroker | undefined;
    let reference: ReferenceServer | undefined;
    const http: JsonClient[] = [];
    try {
      progress('starting the broker');
      // No cap on what the broker queues for a subscriber: mosquitto's default (1000 messages) would drop the burst
      // past what a subscriber takes at once, and the run measures the subscriber, not the cap.
      broker = await startBroker({ settings: ['max_queued_messages 0'] });

      // ── the reference first, alone with the broker: a bare subscriber taking the same kind of messages ──
      progress('reference: a bare MQTT subscriber');
      reference = await startReference('bare-mqtt.ts', [], { MQTT_URL: broker.url, MQTT_FILTER: TRK_FILTER });
      const referenceTopics = Array.from({ length: courierCount }, (_, index) => `trk/devices/dev_reference${index}/position`);
      const referenceCount = async () => ((await (await fetch(`${reference!.url}/count`)).json()) as { received: number }).received;
      const referenceStarted = performance.now();
      await publishAll(broker.url, referenceTopics, clocks, messages, publishing);
      const referenceMs = await until(referenceCount, messages, referenceStarted, 300_000, progress, 'reference: received');
      await reference.stop();
      reference = undefined;

      // ── the product: one node with MQTT_URL, couriers each with an order on the way and a device per protocol ──
      progress('starting the node');
      const node = await withTimeout(nodes.start({ MQTT_URL: broker.url, MQTT_TOPICS: TRK_FILTER }), 60_000, 'node start');
      const client = new JsonClient(node.url);
      http.push(client);
      const key = await tenant(node.url);
      const couriers = await inBatches(Array.from({ length: courierCount }, (_, index) => index), 8, async (index): Promise<BenchCourier> => {
        const id = `bench-courier-${index}`;
        await client.post('/v1/couriers', key, { id, name: `Courier ${index}` });
        const order = await client.post<{ id: string }>('/v1/orders', key, {
          customer: { id: `bench-customer-${index}` },
          destination: { address: '1 Queen’s Road Central, Hong Kong', lat: 22.2812, lng: 114.1589 },
        });
        await client.post(`/v1/orders/${order.id}/assign`, key, { courier_id: id });
        await client.post(`/v1/orders/${order.id}/status`, key, { status: 'out_for_delivery' });
        const device = (protocol: string) => client.post<{ key: string; setup: { topic?: string } }>(`/v1/couriers/${id}/devices`, key, { protocol });
        const mqtt = await device('mqtt');
        if (!mqtt.setup.topic) throw new Error('an mqtt device without setup.topic');
        const keys = { osmand: (await device('osmand')).key, owntracks: (await device('owntracks')).key, overland: (await device('overland')).key };
        if (index % 10 === 0) progress(`couriers ${index}/${courierCount}`);
        return { id, keys, topic: mqtt.setup.topic };
      });

      const metricsUrl = `${node.url}/metrics`;
      const taken = () => sample(metricsUrl, 'mqtt_messages_total{outcome="taken"}');
      const takenBefore = await taken();
      const productStarted = performance.now();
      await publishAll(broker.url, couriers.map((courier) => courier.topic), clocks, messages, publishing);
      const productMs = await until(async () => (await taken()) - takenBefore, messages, productStarted, 300_000, progress, 'node: taken');
      const notTaken = Object.fromEntries(
        await Promise.all(['unknown_key', 'invalid', 'ignored', 'failed'].map(async (outcome) => [outcome, await sample(metricsUrl, `mqtt_messages_total{outcome="${outcome}"}`)] as const)),
      );

      const httpFigures: Record<string, { perSecond: number; refused: number; p99Ms: number }> = {};
      for (const protocol of PROTOCOLS(options.overland!)) {
        httpFigures[protocol.name] = await driveHttp(node.url, couriers, clocks, protocol, { connections: options.connections!, duration: options.duration! }, progress);
      }

      const mqttPerSecond = (messages * 1000) / productMs;
      const referencePerSecond = (messages * 1000) / referenceMs;
      const everyOneTaken = Object.values(notTaken).every((count) => count === 0);
      return {
        metrics: {
          couriers: courierCount,
          mqtt_messages: messages,
          mqtt_positions_per_s: Math.round(mqttPerSecond),
          mqtt_not_taken: JSON.stringify(notTaken),
          osmand_positions_per_s: Math.round(httpFigures.osmand!.perSecond),
          osmand_http_p99_ms: httpFigures.osmand!.p99Ms,
          owntracks_positions_per_s: Math.round(httpFigures.owntracks!.perSecond),
          owntracks_http_p99_ms: httpFigures.owntracks!.p99Ms,
          overland_positions_per_s: Math.round(httpFigures.overland!.perSecond),
          overland_batch: options.overland!,
          overland_http_p99_ms: httpFigures.overland!.p99Ms,
          http_refused: httpFigures.osmand!.refused + httpFigures.owntracks!.refused + httpFigures.overland!.refused,
        },
        reference: { name: 'bare MQTT subscriber (mqtt package, shared subscription, JSON.parse), same broker and publishers', metrics: { messages_per_s: Math.round(referencePerSecond) } },
        ratio: { metric: 'mqtt_positions_per_s ÷ bare subscriber messages_per_s', value: round(mqttPerSecond / referencePerSecond, 3) },
        targets: [
          {
            target: 'every MQTT message taken, none refused over HTTP',
            measured: `${messages.toLocaleString()} published, not taken ${JSON.stringify(notTaken)}`,
            met: everyOneTaken && Object.values(httpFigures).every((figure) => figure.refused === 0),
          },
        ],
        notes: [
          'MQTT: the time from the first publish until the node\'s mqtt_messages_total{outcome="taken"} counts every message (polled every 50 ms), QoS 1 both ways; the node acknowledges a message once the device service has it, one at a time.',
          'Each device\'s positions are one second apart (its own clock, three hours back), so every one is kept: the figures are the whole path (pushed, ETA, last_location), not the one-a-second drop.',
          'The broker queues without a cap (max_queued_messages 0); with mosquitto\'s default of 1000 a burst beyond what the node takes at once would be dropped at the broker.',
          'The publishers, autocannon, the broker, the node and Redis share this machine; figures are noisy.',
        ],
      };
    } finally {
      for (const client of http) client.close();
      await reference?.stop();
      await nodes.stop();
      await broker?.close();
    }
  },
};
