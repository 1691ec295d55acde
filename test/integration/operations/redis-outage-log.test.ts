/**
 * A Redis outage in the log: one warning when Redis goes (what runs without it, what waits), one info line when it is
 * back with what was held meanwhile, however many events the node applies in between; the counts are in `/metrics`.
 * The node runs in its own process with a Redis of its own, killed and started again; its log is its stdout.
 */
import { processCluster } from '../../support/cluster-fixture';
import { eventually } from '../../support/eventually';
import { client, request } from '../../support/http';
import { parseJsonLine, type NodeProcess } from '../../support/node-process';
import { placeOrder, postStatus } from '../../support/orders';
import { startRedis, type RedisServer } from '../../support/redis-server';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const cluster = processCluster();
let redis: RedisServer;
beforeEach(async () => (redis = await startRedis()));
afterEach(async () => {
  closeAllSockets();
  await redis.close();
});

// pino's levels: warn and above are what an operator is paged or mailed for.
const WARN = 40;

/** The node's JSON log lines from `from` on. */
function logFrom(node: NodeProcess, from: number): Array<Record<string, any>> {
  return node.output.slice(from).map(parseJsonLine).filter((line): line is Record<string, any> => line !== null);
}

/** A sample's value in a Prometheus text exposition (a series of the exact name and labels), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it('an outage is one warning and one line when Redis is back, with the held counts, whatever the node applied meanwhile', async () => {
  const node = await cluster.spawn({ env: { REDIS_URL: redis.url } });
  const tenant = await createTenant(node.url);
  const api = client(node.url, tenant.apiKey);
  const order = await placeOrder(api, { customer: { id: 'c1', email: 'c1@example.com' }, notify: { email: true, sms: false } });
  // Nobody watches this one: its alert needs a channel (a watched order's alert goes over the socket, queue or no queue).
  const unwatched = await placeOrder(api, { customer: { id: 'c2', email: 'c2@example.com' }, notify: { email: true, sms: false } });
  const watcher = await connectSocket(node.url, order.tracking_token);
  const watched = Recorder.of(watcher);
  await subscribeOk(watcher, order.id);
  const start = node.output.length;

  await redis.kill();
  await node.waitForLine((line) => parseJsonLine(line)?.msg?.toString().startsWith('redis is not reachable') === true);
  const applied = 8;
  let last = { seq: 0 };
  for (let i = 0; i < applied - 1; i++) last = await postStatus(api, order.id, 'in_transit');
  // A notifying status of the unwatched order: its alert cannot be queued, and waits in the outbox.
  await postStatus(api, unwatched.id, 'out_for_delivery');
  // The node's own watchers still get every event, from the store.
  await watched.untilSeq(order.id, last.seq);
  // A publish fails when its connection notices the loss, which may come after the event was applied and answered;
  // the alert is queued after the answer too (its witness is asked first, then alerts are gathered up to 100 ms).
  const during = await eventually(async () => {
    const text = (await request(node.url, 'GET', '/metrics')).body as string;
    const held = sample(text, 'dependency_held_total{dependency="redis",what="owed_alert"}');
    return sample(text, 'live_updates_unpublished_total') === applied && held === 1 && text;
  }, 'every publish and the alert of the outage counted');
  expect(sample(during, 'dependency_up{dependency="redis"}')).toBe(0);

  await redis.start();
  const back = await node.waitForLine((line) => parseJsonLine(line)?.msg?.toString().startsWith('redis is back') === true);
  expect(parseJsonLine(back)).toMatchObject({ level: 30, dependency: 'redis', held: { live_updates: applied, owed_alert: 1 } });
  expect(parseJsonLine(back)!.msg).toMatch(/^redis is back after \d+\.\d s; held meanwhile: 8 live updates, 1 owed alert$/);

  const log = logFrom(node, start);
  expect(log.filter((line) => line.level >= WARN).map((line) => line.msg)).toEqual([
    'redis is not reachable: this node serves its pages, API and live updates from the store; alerts, webhooks and other nodes wait for it',
  ]);
  expect(log.filter((line) => /redis/i.test(String(line.msg))).map((line) => line.level)).toEqual([WARN, 30]);

  const after = (await request(node.url, 'GET', '/metrics')).body as string;
  expect(sample(after, 'dependency_up{dependency="redis"}')).toBe(1);
  expect(sample(after, 'dependency_held_total{dependency="redis",what="live_updates"}')).toBe(applied);
  expect(sample(after, 'dependency_held_total{dependency="redis",what="owed_alert"}')).toBe(1);
});
