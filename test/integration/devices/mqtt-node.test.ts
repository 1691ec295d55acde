/**
 * MQTT in a real node (API.md "Devices", `MQTT_URL`): a broker outage is two lines in the node's log, `mqtt_connected`
 * and `dependency_up` in `/metrics`, and only a warning in `/readyz` (HTTP serves throughout); the node subscribes
 * again when the broker is back and counts what it takes. A stopping node disconnects from the broker (no connection
 * left behind); a worker-only node, which serves no HTTP, does not connect at all.
 */
import { processCluster } from '../../support/cluster-fixture';
import { client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { startBroker, type MqttBroker } from '../../support/mosquitto';
import { closeAllPublishers, connectPublisher, publish } from '../../support/mqtt-publisher';
import { startTestNode } from '../../support/node';
import { parseJsonLine, type NodeProcess } from '../../support/node-process';
import { dropPrefix } from '../../support/redis-keys';
import { eventually } from '../../support/eventually';

jest.setTimeout(120_000);

const cluster = processCluster();
let broker: MqttBroker;
let prefix: string;
beforeEach(async () => {
  broker = await startBroker();
  prefix = unique('mqtt');
});
afterEach(async () => {
  await closeAllPublishers();
  await broker.close();
  await dropPrefix(prefix);
});

// pino's levels.
const WARN = 40;
const INFO = 30;

/** A sample's value in a Prometheus text exposition (a series of the exact name and labels), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const metricsOf = async (url: string): Promise<string> => (await request(url, 'GET', '/metrics')).body as string;

/** The node's log lines (JSON) from `from` on that speak of MQTT. */
function mqttLines(node: NodeProcess, from: number): Array<Record<string, any>> {
  return node.output
    .slice(from)
    .map(parseJsonLine)
    .filter((line): line is Record<string, any> => line !== null && /mqtt/i.test(String(line.msg)));
}

it('a broker outage: one warning and one line when it is back, a warning in /readyz (200), HTTP serving, then messages taken again', async () => {
  const node = await cluster.spawn({ env: { MQTT_URL: broker.url, REDIS_PREFIX: prefix } });
  expect(await request(node.url, 'GET', '/readyz')).toMatchObject({ status: 200, body: { ok: true } });
  expect((await request(node.url, 'GET', '/readyz')).body).not.toHaveProperty('warnings');
  expect(sample(await metricsOf(node.url), 'mqtt_connected')).toBe(1);
  const start = node.output.length;

  await broker.kill();
  await node.waitForLine((line) => parseJsonLine(line)?.msg?.toString().startsWith('mqtt is not reachable') === true);
  const during = await request(node.url, 'GET', '/readyz');
  expect(during).toMatchObject({
    status: 200,
    body: { ok: true, warnings: [{ dependency: 'mqtt', message: expect.stringMatching(/^the MQTT broker is not reachable: /) }] },
  });
  // HTTP serves as before.
  expect((await client(node.url).get('/healthz')).status).toBe(200);
  const down = await metricsOf(node.url);
  expect(sample(down, 'mqtt_connected')).toBe(0);
  expect(sample(down, 'dependency_up{dependency="mqtt"}')).toBe(0);

  await broker.start();
  const back = await node.waitForLine((line) => parseJsonLine(line)?.msg?.toString().startsWith('mqtt is back') === true);
  expect(parseJsonLine(back)).toMatchObject({ level: INFO, dependency: 'mqtt' });
  expect((await request(node.url, 'GET', '/readyz')).body).toEqual({ ok: true });
  const up = await metricsOf(node.url);
  expect(sample(up, 'mqtt_connected')).toBe(1);
  expect(sample(up, 'dependency_up{dependency="mqtt"}')).toBe(1);
  expect(mqttLines(node, start).map((line) => line.level)).toEqual([WARN, INFO]);

  // Subscribed again (the broker lost every session with its crash): a message from a key the node does not know is
  // taken and counted, and neither it nor its key is logged.
  const tracker = await connectPublisher(broker.url);
  await publish(tracker, 'trk/devices/dev_nobodys/position', { lat: 22.28, lng: 114.16 });
  await eventually(async () => sample(await metricsOf(node.url), 'mqtt_messages_total{outcome="unknown_key"}') === 1, 'the message counted');
  expect(node.output.join('\n')).not.toContain('dev_nobodys');
});

it('a node started while the broker is away serves at once (a warning in /readyz) and takes messages once it is there', async () => {
  // Each step bounded, so a step that never ends says which it is.
  const step = <T>(name: string, work: Promise<T>, ms = 40_000): Promise<T> =>
    Promise.race([work, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`${name}: not done within ${ms} ms`)), ms).unref())]);
  await step('stopping the broker', broker.stop());
  const node = await step('starting the node', cluster.spawn({ env: { MQTT_URL: broker.url, REDIS_PREFIX: prefix } }), 60_000);
  expect(mqttLines(node, 0).map((line) => [line.level, line.msg.split(':')[0]])).toEqual([[WARN, 'mqtt is not reachable']]);
  expect(await step('/readyz', request(node.url, 'GET', '/readyz'))).toMatchObject({ status: 200, body: { ok: true, warnings: [{ dependency: 'mqtt' }] } });

  await step('starting the broker again', broker.start());
  // Found at the next attempt: the delays have grown while the node started (doubled from 1 s, at most 10 s).
  await node.waitForLine((line) => parseJsonLine(line)?.msg?.toString().startsWith('mqtt is back') === true, 30_000);
  expect((await step('/readyz again', request(node.url, 'GET', '/readyz'))).body).toEqual({ ok: true });
  const tracker = await step('connecting a publisher', connectPublisher(broker.url));
  await step('publishing', publish(tracker, 'owntracks/kim/dev_nobodys', { _type: 'location', lat: 22.28, lon: 114.16, tst: Math.floor(Date.now() / 1000) - 60 }));
  await eventually(async () => sample(await metricsOf(node.url), 'mqtt_messages_total{outcome="unknown_key"}') === 1, 'the message counted');
});

it('a stopping node disconnects from the broker; a worker-only node never connects', async () => {
  const connectedAs = (line: string) => new RegExp(`^New client connected from \\S+ as (${prefix}-\\S+) \\(p5, c0`).exec(line)?.[1];
  const before = broker.output.length;
  await cluster.spawnWorker({ env: { MQTT_URL: broker.url, REDIS_PREFIX: prefix } });
  const node = await startTestNode({ env: { MQTT_URL: broker.url, REDIS_PREFIX: prefix } });
  // The node's start waits for its subscriptions: it is connected by now, and so would the worker be.
  const connections = broker.output.slice(before).map(connectedAs).filter((id): id is string => id !== undefined);
  expect(connections).toHaveLength(1);

  const stopping = broker.output.length;
  await node.close();
  // A DISCONNECT (not a dropped connection, "closed its connection"): the broker keeps the session for the node's return.
  await broker.waitForLine((line) => line === `Client ${connections[0]} disconnected.`, stopping);
});
