/**
 * The MQTT intake against a real broker (a private mosquitto on a free port), with a device service double: the
 * cluster's shared subscription (each message to one node of the group, every message to some node), what is dropped
 * and how it is counted (never logged), the session the broker keeps for a node away for a restart, and reconnecting
 * after the broker was killed, said once each way.
 */
import { DependencyState } from '../../../src/dependency-state';
import { MqttIntake, type MqttIntakeOptions } from '../../../src/devices/mqtt-intake';
import type { DeviceFix } from '../../../src/domain/device-fix';
import { createLogger } from '../../../src/logger';
import { Metrics } from '../../../src/metrics';
import { eventually } from '../../support/eventually';
import { unique } from '../../support/ids';
import { startBroker, stopAllBrokers, type MqttBroker } from '../../support/mosquitto';
import { closeAllPublishers, connectPublisher, publish } from '../../support/mqtt-publisher';
import { Recorded } from '../../support/recorded';

jest.setTimeout(60_000);

let broker: MqttBroker;
beforeAll(async () => (broker = await startBroker()));
afterAll(stopAllBrokers);

const intakes: MqttIntake[] = [];
afterEach(async () => {
  await closeAllPublishers();
  await Promise.all(intakes.splice(0).map((intake) => intake.close()));
});

/** The device service's double: the keys it knows, and every position it took, by key. */
class DevicesDouble {
  readonly taken = new Recorded<Taken>((items) => items.length);
  failWith: Error | null = null;

  /** `alsoTo`: a record several doubles share (the positions a whole cluster took). */
  constructor(
    private readonly known: ReadonlySet<string>,
    private readonly alsoTo?: Recorded<Taken>,
  ) {}

  async ingest(key: string, fixes: DeviceFix[]): Promise<{ outcome: 'taken' | 'unknown_key'; kept: number }> {
    if (this.failWith) throw this.failWith;
    if (!this.known.has(key)) return { outcome: 'unknown_key', kept: 0 };
    for (const fix of fixes) {
      this.taken.push({ key, fix });
      this.alsoTo?.push({ key, fix });
    }
    return { outcome: 'taken', kept: fixes.length };
  }
}

interface Taken {
  key: string;
  fix: DeviceFix;
}

/** One node's intake, its metrics and its log lines. */
interface Started {
  intake: MqttIntake;
  metrics: Metrics;
  log: Recorded<Record<string, any>>;
}

async function startIntake(devices: DevicesDouble, options: Partial<MqttIntakeOptions> & Pick<MqttIntakeOptions, 'group'>): Promise<Started> {
  const log = new Recorded<Record<string, any>>();
  const logger = createLogger('debug', false, { write: (line: string) => void log.push(JSON.parse(line)) });
  const metrics = new Metrics();
  const watch = new DependencyState({ dependency: 'mqtt', logger, meanwhile: 'positions wait', upGauge: metrics.dependencyUp, heldCounter: metrics.dependencyHeld });
  const intake = new MqttIntake({
    url: broker.url,
    topics: ['owntracks/+/+', 'trk/devices/+/position'],
    clientId: unique('intake'),
    devices,
    watch,
    logger,
    counted: metrics.mqttMessages,
    connected: metrics.mqttConnected,
    ...options,
  });
  intakes.push(intake);
  await intake.start();
  return { intake, metrics, log };
}

/** The intake's `mqtt_messages_total`, by outcome. */
async function outcomes(metrics: Metrics): Promise<Record<string, number>> {
  const { values } = await metrics.mqttMessages.get();
  return Object.fromEntries(values.map((value) => [value.labels.outcome, value.value]));
}

async function connected(metrics: Metrics): Promise<number> {
  return (await metrics.mqttConnected.get()).values[0]!.value;
}

// Fixes of the last hour, whole seconds apart (a fix from the future is refused).
const HOUR_AGO_S = Math.floor(Date.now() / 1000) - 3600;
const position = (index: number) => ({ lat: 22.3 + index / 10_000, lng: 114.1, at: new Date((HOUR_AGO_S + index) * 1000).toISOString() });

it('two nodes of a cluster share the subscription: each takes a part, together every message once; another cluster takes them all', async () => {
  const keys = Array.from({ length: 10 }, (_, index) => `dev_share${index}`);
  const group = unique('cluster');
  const cluster = new Recorded<Taken>((items) => items.length);
  const [a, b, other] = [new DevicesDouble(new Set(keys), cluster), new DevicesDouble(new Set(keys), cluster), new DevicesDouble(new Set(keys))];
  await startIntake(a, { group });
  await startIntake(b, { group });
  await startIntake(other, { group: unique('other-cluster') });

  const tracker = await connectPublisher(broker.url);
  const count = 200;
  for (let index = 0; index < count; index++) await publish(tracker, `trk/devices/${keys[index % keys.length]}/position`, position(index));

  await cluster.waitFor(count, 'positions taken by the cluster');
  // The other cluster takes every message too (in order: one subscriber); by then the broker has routed them all.
  await other.taken.waitFor(count, 'positions taken by the other cluster');
  const atA = a.taken.items.map((item) => item.fix.at);
  const atB = b.taken.items.map((item) => item.fix.at);
  expect(atA.length).toBeGreaterThan(0);
  expect(atB.length).toBeGreaterThan(0);
  expect(atA.filter((at) => atB.includes(at))).toEqual([]);
  expect([...atA, ...atB].sort()).toEqual(Array.from({ length: count }, (_, index) => position(index).at));
  expect(other.taken.items.map((item) => item.fix.at)).toEqual(Array.from({ length: count }, (_, index) => position(index).at));
});

it('drops what is not JSON, not a position of its format or from an unknown key, counts each by outcome, and logs none of it', async () => {
  const devices = new DevicesDouble(new Set(['dev_known']));
  const { metrics, log } = await startIntake(devices, { group: unique('cluster') });
  const tracker = await connectPublisher(broker.url);
  const trk = 'trk/devices/dev_known/position';
  // OwnTracks' own example of a location message (owntracks.org booklet, "JSON": _type location), as its app publishes it.
  const owntracks = { _type: 'location', tid: 'ki', lat: 22.2806, lon: 114.1588, tst: HOUR_AGO_S, vel: 36, cog: 90, acc: 12, alt: 40, batt: 80, conn: 'm', t: 'u' };

  await publish(tracker, trk, '{"lat": 22.3, "lng"');
  await publish(tracker, trk, { lat: 'north', lng: 114.1 });
  await publish(tracker, trk, Buffer.alloc(70 * 1024, 0x20));
  await publish(tracker, 'trk/devices/dev_unknown/position', position(1));
  await publish(tracker, 'owntracks/kim/dev_known', { _type: 'transition', event: 'enter', lat: 22.3, lon: 114.1, tst: HOUR_AGO_S, wtst: HOUR_AGO_S - 60, acc: 10, t: 'c' });
  await publish(tracker, 'owntracks/kim/', owntracks);
  await publish(tracker, 'owntracks/kim/dev_known', owntracks);
  await publish(tracker, trk, position(2));

  const taken = await devices.taken.waitFor(2, 'positions taken');
  expect(taken).toEqual([
    { key: 'dev_known', fix: expect.objectContaining({ at: new Date(HOUR_AGO_S * 1000).toISOString(), lat: 22.2806, lng: 114.1588, speed_mps: 10, heading: 90 }) },
    { key: 'dev_known', fix: expect.objectContaining(position(2)) },
  ]);
  await expectOutcomes(metrics, { invalid: 3, unknown_key: 1, ignored: 2, taken: 2 });

  // A service that fails (its store away): counted, and one line until a position is taken again.
  devices.failWith = new Error('store unreachable');
  await publish(tracker, trk, position(3));
  await publish(tracker, trk, position(4));
  await expectOutcomes(metrics, { invalid: 3, unknown_key: 1, ignored: 2, taken: 2, failed: 2 });
  expect(log.items.filter((line) => line.level >= 40).map((line) => line.msg)).toEqual([
    'a device position from MQTT was not taken; dropped, and counted until one is',
  ]);

  const written = JSON.stringify(log.items);
  for (const secret of ['dev_known', 'dev_unknown', 'kim', '22.2806', '22.3', 'north']) expect(written).not.toContain(secret);
});

it('a node away for a restart gets, under its client id, what came for it meanwhile', async () => {
  const devices = new DevicesDouble(new Set(['dev_back']));
  const group = unique('cluster');
  const clientId = unique('node');
  const first = await startIntake(devices, { group, clientId });
  await first.intake.close();

  const tracker = await connectPublisher(broker.url);
  for (let index = 0; index < 5; index++) await publish(tracker, 'trk/devices/dev_back/position', position(index));
  expect(devices.taken.items).toEqual([]);

  await startIntake(devices, { group, clientId });
  const taken = await devices.taken.waitFor(5, 'positions kept while away');
  expect(taken.map((item) => item.fix.at)).toEqual(Array.from({ length: 5 }, (_, index) => position(index).at));
});

it('the broker killed and started again: one warning, one line when it is back, subscribed again; not connected meanwhile', async () => {
  const own = await startBroker();
  try {
    const devices = new DevicesDouble(new Set(['dev_again']));
    const { metrics, log } = await startIntake(devices, { group: unique('cluster'), url: own.url });
    expect(await connected(metrics)).toBe(1);

    await own.kill();
    await log.waitFor(1, 'the outage said', (line) => line.msg === 'mqtt is not reachable: positions wait');
    expect(await connected(metrics)).toBe(0);
    await own.start();
    await log.waitFor(1, 'the return said', (line) => /^mqtt is back after \d+\.\d s/.test(line.msg));
    expect(await connected(metrics)).toBe(1);

    // The broker lost every session (it keeps none across a crash): the intake subscribed again.
    const tracker = await connectPublisher(own.url);
    await publish(tracker, 'trk/devices/dev_again/position', position(7));
    expect((await devices.taken.waitFor(1, 'a position after the outage'))[0]!.fix.at).toBe(position(7).at);
    expect(log.items.filter((line) => /mqtt/.test(line.msg)).map((line) => line.level)).toEqual([40, 30]);
  } finally {
    await closeAllPublishers();
    await Promise.all(intakes.splice(0).map((intake) => intake.close()));
    await own.close();
  }
});

/** Waits until the counts by outcome are exactly `expected` (every outcome counted is in it). */
async function expectOutcomes(metrics: Metrics, expected: Record<string, number>): Promise<void> {
  let seen: Record<string, number> = {};
  const same = () => Object.keys(seen).length === Object.keys(expected).length && Object.entries(expected).every(([outcome, count]) => seen[outcome] === count);
  await eventually(async () => ((seen = await outcomes(metrics)), same()), () => `outcomes ${JSON.stringify(expected)}, counted ${JSON.stringify(seen)}`);
}

