/**
 * What an operator scrapes (`/metrics`): Prometheus's own checker (`promtool check metrics`, Debian's `prometheus`
 * package) finds nothing wrong with it after real traffic, and the operator's metrics move with that traffic: sockets
 * and subscriptions, events applied, webhook attempts, queue depths, Redis commands per connection, store
 * transactions and statements, positions by source. On the embedded store (in the node's process and on its own
 * thread) and on PostgreSQL, with a real node, real Redis and a real webhook receiver on 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import { eventually } from '../../support/eventually';
import { client, request, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { dropPrefix } from '../../support/redis-keys';
import { closeAllSockets, collect, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';
import { registerWebhook, startReceiver, type Receiver } from '../../support/webhooks';

jest.setTimeout(60_000);

/** What `promtool check metrics` says of `text` (problems on either stream) and its exit code. */
function promtoolCheck(text: string): Promise<{ code: number | null; said: string }> {
  const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let said = '';
  child.stdout.on('data', (chunk: Buffer) => (said += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
  child.stdin.end(text);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, said: said.trim() }));
  });
}

/** A scrape's samples by their series (`name{label="value",…}` as rendered), summed when `series` names only the metric. */
class Scrape {
  constructor(readonly text: string) {}

  /** The sample of exactly `series` (`name` or `name{…}` with its labels in rendered order); undefined when absent. */
  sample(series: string): number | undefined {
    for (const line of this.text.split('\n')) {
      if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
    }
    return undefined;
  }

  /** `series`' sample, 0 when it has none yet (a counter not counted yet has no line). */
  value(series: string): number {
    return this.sample(series) ?? 0;
  }

  /** The sum of every sample of metric `name`, whatever its labels. */
  total(name: string): number {
    let sum = 0;
    for (const line of this.text.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }
}

async function scrape(server: TestNode): Promise<Scrape> {
  const answered = await fetch(`${server.url}/metrics`);
  expect(answered.status).toBe(200);
  return new Scrape(await answered.text());
}

describe.each([
  ['the embedded store', () => ({ schema: null as string | null, env: {} })],
  ['the embedded store on its own thread', () => ({ schema: null as string | null, env: { STORE_THREAD: 'true' } })],
  [
    'PostgreSQL',
    () => {
      const schema = freshSchema('metrics');
      return { schema: schema as string | null, env: postgresEnv(schema) };
    },
  ],
] as const)('/metrics on %s', (_store, chooseStore) => {
  let server: TestNode;
  let schema: string | null;
  let prefix: string;
  let tenant: Tenant;
  let biz: Client;
  let receiver: Receiver;

  beforeAll(async () => {
    const chosen = chooseStore();
    schema = chosen.schema;
    prefix = unique('metrics');
    receiver = await startReceiver();
    server = await startTestNode({ env: { ...chosen.env, REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true' } });
    tenant = await createTenant(server.url, unique('shop'));
    biz = client(server.url, tenant.apiKey);
  });

  afterAll(async () => {
    closeAllSockets();
    await server?.close();
    await receiver?.close();
    if (schema) await dropSchema(schema);
    await dropPrefix(prefix);
  });

  it('passes promtool after traffic, and its operator metrics move with it', async () => {
    await registerWebhook(biz, receiver.url, ['order.status_changed']);
    const before = await scrape(server);

    // An order watched on a socket of this node, moved along: two events applied, one pushed, a webhook message each.
    const order = await placeOrder(biz);
    const socket = await connectSocket(server.url, order.tracking_token);
    await subscribeOk(socket, order.id);
    const pushed = collect(socket, 'order_status_update', 1);
    await postStatus(biz, order.id, 'shipped');
    await pushed;
    await receiver.waitFor(2);

    // A courier's positions: one from the app, two buffered, one from a Traccar Client device.
    const courierId = unique('k');
    expect((await biz.post('/v1/couriers', { id: courierId, name: 'Kim' })).status).toBe(201);
    const courier = client(server.url, await tenant.token('courier', courierId));
    expect((await courier.post('/v1/couriers/me/location', { lat: 22.3, lng: 114.17 })).status).toBe(204);
    const at = (ago: number) => new Date(Date.now() - ago).toISOString();
    const batch = { positions: [{ lat: 22.31, lng: 114.17, at: at(4000) }, { lat: 22.32, lng: 114.17, at: at(2000) }] };
    expect((await courier.post('/v1/couriers/me/locations', batch)).status).toBe(204);
    const device = await biz.post(`/v1/couriers/${courierId}/devices`, { protocol: 'osmand' });
    expect(device.status).toBe(201);
    const fix = `id=${encodeURIComponent(device.body.key as string)}&lat=22.33&lon=114.17&timestamp=${Math.floor(Date.now() / 1000)}`;
    expect((await request(server.url, 'GET', `/devices/osmand?${fix}`)).status).toBe(200);

    // An attempt is counted once its outcome is logged, just after the receiver answered.
    const delivered = 'webhook_attempts_total{outcome="delivered"}';
    const after = await eventually(async () => {
      const scraped = await scrape(server);
      return scraped.value(delivered) - before.value(delivered) >= 2 ? scraped : null;
    }, 'both webhook attempts counted');

    const checked = await promtoolCheck(after.text);
    expect(checked).toEqual({ code: 0, said: '' });

    // Read when scraped, from this node's sockets and the orders it streams to them.
    expect(after.sample('sockets_connected')).toBe(1);
    expect(after.sample('socket_subscriptions')).toBe(1);
    const moved = (series: string) => after.value(series) - before.value(series);
    expect(moved('events_applied_total')).toBe(2);
    expect(moved(delivered)).toBe(2);
    expect(receiver.received).toHaveLength(2);
    expect(moved('positions_taken_total{source="app"}')).toBe(1);
    expect(moved('positions_taken_total{source="batch"}')).toBe(2);
    expect(moved('positions_taken_total{source="osmand"}')).toBe(1);
    // Each connection counts its own commands: the publisher published the event and queued the webhook message,
    // the worker took the job.
    expect(moved('redis_commands_total{connection="publisher"}')).toBeGreaterThan(0);
    expect(moved('redis_commands_total{connection="worker"}')).toBeGreaterThan(0);
    const transactions = moved('store_transactions_total');
    expect(transactions).toBeGreaterThan(0);
    expect(moved('store_statements_total')).toBeGreaterThanOrEqual(transactions);
    // Both queues are read, every state of them, with the age of the job each would hand out next.
    for (const queue of ['alerts', 'webhooks']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed']) expect(after.sample(`queue_jobs{queue="${queue}",state="${state}"}`)).toBeGreaterThanOrEqual(0);
      expect(after.sample(`queue_oldest_waiting_age_seconds{queue="${queue}"}`)).toBeGreaterThanOrEqual(0);
    }
    // The socket closed: the next scrape reads it.
    socket.close();
    await eventually(async () => (await scrape(server)).sample('sockets_connected') === 0, 'the socket gone from sockets_connected');
  });
});
