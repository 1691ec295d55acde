/**
 * Redis restarts while alerts wait (API.md "Notifications"; the outbox and the queue of src/notifiers). An API-only
 * node and a worker-only process share a private redis-server; the worker is stopped, notifying statuses are
 * posted, Redis restarts, a worker starts again: every alert is delivered exactly once.
 *  - With an append-only Redis the queued jobs survive the restart.
 *  - With a memory-only Redis that is down while the statuses are posted, nothing can be queued: the outbox keeps
 *    the alerts and its sweep queues them once Redis is back.
 */
import { placeOrder, unique, type Client } from '../support/fixtures';
import { client } from '../support/http';
import { createTenant, removeDir, startTestNode, tempDir, type TestNode } from '../support/node';
import {
  alertJobExists,
  deliveryLog,
  killAllWorkers,
  notifyEnv,
  notifyPrefix,
  postStatus,
  spawnWorker,
  startPersistentRedis,
  startSmtp,
  type PersistentRedis,
  type SmtpServerHandle,
  type WorkerProcess,
} from '../support/notify';

jest.setTimeout(60_000);

let smtp: SmtpServerHandle;
let redis: PersistentRedis | undefined;
let dataDir: string;
let prefix: string;
let api: TestNode | undefined;
let biz: Client;

beforeAll(async () => {
  smtp = await startSmtp();
});

afterAll(async () => {
  await smtp?.close();
});

afterEach(async () => {
  await killAllWorkers();
  await api?.close({ keepData: true });
  api = undefined;
  await redis?.close();
  redis = undefined;
  if (dataDir) removeDir(dataDir);
});

async function setUp(persistent: boolean): Promise<Record<string, string>> {
  redis = await startPersistentRedis({ persistent });
  dataDir = tempDir();
  prefix = notifyPrefix('redis');
  const env = notifyEnv(prefix, { smtp }, { REDIS_URL: redis.url, NOTIFY_LOCK_MS: '2000' });
  api = await startTestNode({ dataDir, env: { ...env, PROCESS_ROLE: 'api' } });
  biz = client(api.url, (await createTenant(api.url)).apiKey);
  return env;
}

async function newOrder() {
  const id = unique('cust');
  const email = `${id}@mail.example`;
  const order = await placeOrder(biz, { customer: { id, name: 'Sam', email }, notify: { email: true, sms: false } });
  return { id: order.id, email };
}

const about = (line: string, orderId: string, seq: number) => line.includes(`"order_id":"${orderId}"`) && line.includes(`"seq":${seq}`);

/** Waits until every alert has been emailed by `worker`, then checks each went out exactly once. */
async function expectEachDeliveredOnce(worker: WorkerProcess, alerts: Array<{ id: string; email: string; seq: number }>) {
  for (const alert of alerts) {
    await smtp.waitForMessagesTo(alert.email, 1, 30_000);
    await worker.waitForLine((line) => line.includes('"email sent"') && about(line, alert.id, alert.seq), 30_000);
  }
  for (const alert of alerts) {
    expect(smtp.messagesTo(alert.email)).toHaveLength(1);
    expect(await deliveryLog(biz, alert.id)).toEqual([
      expect.objectContaining({ channel: 'email', status: 'sent', seq: alert.seq, attempts: 1 }),
    ]);
  }
}

async function stopWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill('SIGTERM');
  await worker.exited;
}

it('append-only Redis: jobs queued while the worker is down survive a restart and are each sent once', async () => {
  const env = await setUp(true);
  // The worker runs, and works, then is stopped.
  const warmUp = await newOrder();
  const first = await spawnWorker(dataDir, env);
  const warmSeq = await postStatus(biz, warmUp.id, 'shipped');
  await expectEachDeliveredOnce(first, [{ ...warmUp, seq: warmSeq }]);
  await stopWorker(first);

  const alerts = [];
  for (let i = 0; i < 4; i++) {
    const order = await newOrder();
    alerts.push({ ...order, seq: await postStatus(biz, order.id, i % 2 ? 'out_for_delivery' : 'shipped') });
  }
  // Every alert is in Redis (queued by the API node), none delivered: no worker runs.
  for (const alert of alerts) {
    await expect(waitUntil(() => alertJobExists(redis!.url, prefix, alert.id, alert.seq))).resolves.toBe(true);
  }
  expect(alerts.flatMap((a) => smtp.messagesTo(a.email))).toEqual([]);

  await redis!.stop();
  await redis!.start();
  for (const alert of alerts) expect(await alertJobExists(redis!.url, prefix, alert.id, alert.seq)).toBe(true);

  const second = await spawnWorker(dataDir, env);
  await expectEachDeliveredOnce(second, alerts);
  expect(smtp.messagesTo(warmUp.email)).toHaveLength(1);

  // The API node's queue connection came back too: a new alert is queued and sent.
  const late = await newOrder();
  const lateSeq = await postStatus(biz, late.id, 'shipped');
  await expectEachDeliveredOnce(second, [{ ...late, seq: lateSeq }]);
});

it('memory-only Redis down while statuses are posted: the outbox sweep queues them once it is back; each sent once', async () => {
  const env = await setUp(false);
  const first = await spawnWorker(dataDir, env);
  await stopWorker(first);

  await redis!.stop();
  const alerts = [];
  for (let i = 0; i < 3; i++) {
    const order = await newOrder();
    // Posting needs only the store: it works while Redis is down.
    alerts.push({ ...order, seq: await postStatus(biz, order.id, 'shipped') });
  }
  await redis!.start(); // empty: nothing was queued, and nothing was kept

  const second = await spawnWorker(dataDir, env);
  await expectEachDeliveredOnce(second, alerts);
});

/** Polls `check` until it resolves true; for Redis state that has no event to await. */
async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}
