/**
 * At-least-once across a worker's death and a Redis outage (API.md "Webhooks": messages are kept when Redis or the
 * receiver is down and go out when they are back). An API-only node takes the changes; worker-only processes
 * deliver, and one is SIGKILLed in the middle of an attempt.
 */
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { killAllProcesses, spawnWorker } from '../../support/node-process';
import { placeOrder, postStatus } from '../../support/orders';
import { dropPrefix } from '../../support/redis-keys';
import { startRedis, stopAllRedis } from '../../support/redis-server';
import { removeDir, tempDir } from '../../support/temp-dir';
import { createTenant } from '../../support/tenant';
import { deliveries, type Receiver, registerWebhook, startReceiver, verifies } from '../../support/webhooks';

jest.setTimeout(90_000);

let dataDir: string;
let prefix: string;
let api: TestNode | undefined;
let receiver: Receiver | undefined;

const settings = (extra: Record<string, string> = {}) => ({
  REDIS_PREFIX: prefix,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  WEBHOOK_BACKOFF_MS: '50',
  WEBHOOK_LOCK_MS: '2000',
  ...extra,
});

beforeEach(() => {
  dataDir = tempDir();
  prefix = unique('whcrash');
});

afterEach(async () => {
  await killAllProcesses();
  await api?.close({ keepData: true });
  api = undefined;
  await receiver?.close();
  receiver = undefined;
  await stopAllRedis();
  removeDir(dataDir);
  await dropPrefix(prefix);
});

it('a worker SIGKILLed mid-delivery: the message is delivered afterwards by another worker, with the same webhook-id', async () => {
  api = await startTestNode({ dataDir, env: settings({ PROCESS_ROLE: 'api' }) });
  const biz: Client = client(api.url, (await createTenant(api.url)).apiKey);
  // The first attempt is held open (the receiver never answers it) while its worker is killed.
  receiver = await startReceiver((request) => (request.delivery === 1 ? 'hang' : { status: 200 }));
  const { id, secret } = await registerWebhook(biz, receiver.url, ['order.status_changed']);
  const order = await placeOrder(biz);

  const doomed = await spawnWorker(dataDir, { env: settings() });
  const [held] = await receiver.waitFor(1, undefined, 20_000);
  await doomed.stop('SIGKILL');
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // Its outcome was never logged: the attempt is marked in Redis, and logged by the run that comes after.
  expect((await deliveries(biz, id))[0]).toMatchObject({ status: 'pending', attempts: 0 });

  const rescuer = await spawnWorker(dataDir, { env: settings() });
  // The dead worker's job runs again once its lock (2 s) has lapsed.
  const [, again] = await receiver.waitFor(2, undefined, 30_000);
  expect(again!.id).toBe(held!.id);
  expect(again!.raw).toBe(held!.raw);
  expect(verifies(again!, secret)).toBe(true);
  await eventually(async () => (await deliveries(biz, id))[0]?.status === 'succeeded', 'the message to succeed', 20_000);
  const [line] = await deliveries(biz, id);
  expect(line).toMatchObject({ order_id: order.id, seq: 1, attempts: 2, last_status_code: 200 });
  const detail = (await biz.get(`/v1/webhooks/${id}/deliveries/${line!.id}`)).body;
  expect(detail.attempts_log).toEqual([
    expect.objectContaining({ attempt: 1, finished_at: null, status_code: null, error: expect.stringContaining('interrupted') }),
    expect.objectContaining({ attempt: 2, status_code: 200, error: null }),
  ]);

  // The rescuer goes on working: the next change is delivered once.
  const { seq } = await postStatus(biz, order.id, 'processing');
  await receiver.waitFor(1, (request) => request.body.data.event?.seq === seq, 20_000);
  expect(rescuer.output.some((line) => line.includes('"level":50'))).toBe(false);
});

it('Redis down while events are applied: every message goes out once it is back', async () => {
  const redis = await startRedis();
  api = await startTestNode({ dataDir, env: settings({ PROCESS_ROLE: 'api', REDIS_URL: redis.url }) });
  const biz: Client = client(api.url, (await createTenant(api.url)).apiKey);
  receiver = await startReceiver();
  const { id } = await registerWebhook(biz, receiver.url, ['order.created', 'order.status_changed', 'order.assigned', 'payment.updated']);

  await redis.stop();
  // Changes need only the store: they are applied while Redis is down, and their messages wait in the outbox.
  const orders = [];
  for (let index = 0; index < 3; index++) {
    const order = await placeOrder(biz, { external_id: unique('down'), amount: { value: 5000, currency: 'HKD' }, payment: { method: 'cash' } });
    await postStatus(biz, order.id, 'processing');
    expect((await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: `k${index}` })).status).toBe(200);
    const cash = { event_id: unique('cash'), kind: 'cod_collected', amount: { value: 5000, currency: 'HKD' } };
    expect((await biz.post(`/v1/orders/${order.id}/payments`, cash)).status).toBe(201);
    orders.push(order);
  }
  await redis.restart(); // empty: nothing was queued, and nothing was kept

  await spawnWorker(dataDir, { env: settings({ REDIS_URL: redis.url }) });
  // Per order: created (seq 1), status_changed seq 1 and 2, assigned, the cash collected.
  const requests = await receiver.waitFor(orders.length * 5, undefined, 30_000);
  for (const order of orders) {
    const mine = requests.filter((request) => request.body.data.order.id === order.id);
    expect(mine.map((request) => `${request.body.type}:${request.body.data.event?.seq ?? '-'}`).sort()).toEqual(
      ['order.assigned:-', 'order.created:1', 'order.status_changed:1', 'order.status_changed:2', 'payment.updated:-'],
    );
    expect(mine.find((request) => request.body.type === 'payment.updated')!.body.data.transaction).toMatchObject({ order_id: order.id, kind: 'cod_collected' });
  }
  await eventually(async () => {
    const log = await deliveries(biz, id);
    return log.length === orders.length * 5 && log.every((line) => line.status === 'succeeded');
  }, 'every message succeeded');
});
