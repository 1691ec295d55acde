/**
 * Redis restarts while alerts wait (API.md "Notifications"; the outbox and the queue of src/notifiers). An API-only
 * node and a worker-only process share a private redis-server; the worker is stopped, notifying statuses are
 * posted, Redis restarts, a worker starts again: every alert is delivered exactly once.
 *  - With an append-only Redis the queued jobs survive the restart.
 *  - With a memory-only Redis that is down while the statuses are posted, nothing can be queued: the outbox keeps
 *    the alerts and its sweep queues them once Redis is back.
 */
import { deliveryLog } from '../../support/alerts';
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestProcess } from '../../support/node-process';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { alertJobExists } from '../../support/redis-keys';
import { type RedisServer, startRedis } from '../../support/redis-server';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

// Per test: an API node and workers on one data directory and prefix; their Redis goes last.
const area = notifyArea('redis');
let redis: RedisServer | undefined;
let biz: Client;
afterEach(async () => {
  await redis?.close();
  redis = undefined;
});

/** A private Redis (append-only or memory-only) and an API-only node on it; returns the workers' settings. */
async function setUp(appendOnly: boolean): Promise<Record<string, string>> {
  redis = await startRedis({ appendOnly });
  const settings = { REDIS_URL: redis.url, NOTIFY_LOCK_MS: '2000' };
  const api = await area.startNode({ ...settings, PROCESS_ROLE: 'api' });
  biz = client(api.url, (await createTenant(api.url)).apiKey);
  return settings;
}

async function newOrder() {
  const id = unique('cust');
  const email = `${id}@mail.example`;
  const order = await placeOrder(biz, { customer: { id, name: 'Sam', email }, notify: { email: true, sms: false } });
  return { id: order.id, email };
}

const about = (line: string, orderId: string, seq: number) => line.includes(`"order_id":"${orderId}"`) && line.includes(`"seq":${seq}`);

/** Waits until every alert has been emailed by `worker`, then checks each went out exactly once. */
async function expectEachDeliveredOnce(worker: TestProcess, alerts: Array<{ id: string; email: string; seq: number }>) {
  for (const alert of alerts) {
    await area.smtp.waitForMessagesTo(alert.email, 1, 30_000);
    await worker.waitForLine((line) => line.includes('"email sent"') && about(line, alert.id, alert.seq), 30_000);
  }
  for (const alert of alerts) {
    expect(area.smtp.messagesTo(alert.email)).toHaveLength(1);
    expect(await deliveryLog(biz, alert.id)).toEqual([
      expect.objectContaining({ channel: 'email', status: 'sent', seq: alert.seq, attempts: 1 }),
    ]);
  }
}

it('append-only Redis: jobs queued while the worker is down survive a restart and are each sent once', async () => {
  const env = await setUp(true);
  // The worker runs, and works, then is stopped.
  const warmUp = await newOrder();
  const first = await area.spawnWorker(env);
  const { seq: warmSeq } = await postStatus(biz, warmUp.id, 'shipped');
  await expectEachDeliveredOnce(first, [{ ...warmUp, seq: warmSeq }]);
  await first.stop('SIGTERM');

  const alerts = [];
  for (let i = 0; i < 4; i++) {
    const order = await newOrder();
    alerts.push({ ...order, seq: (await postStatus(biz, order.id, i % 2 ? 'out_for_delivery' : 'shipped')).seq });
  }
  // Every alert is in Redis (queued by the API node), none delivered: no worker runs.
  for (const alert of alerts) {
    await expect(eventually(() => alertJobExists(redis!.url, area.prefix, alert.id, alert.seq), `alert ${alert.id}#${alert.seq} in Redis`, 10_000)).resolves.toBe(true);
  }
  expect(alerts.flatMap((a) => area.smtp.messagesTo(a.email))).toEqual([]);

  await redis!.stop();
  await redis!.start();
  for (const alert of alerts) expect(await alertJobExists(redis!.url, area.prefix, alert.id, alert.seq)).toBe(true);

  const second = await area.spawnWorker(env);
  await expectEachDeliveredOnce(second, alerts);
  expect(area.smtp.messagesTo(warmUp.email)).toHaveLength(1);

  // The API node's queue connection came back too: a new alert is queued and sent.
  const late = await newOrder();
  const { seq: lateSeq } = await postStatus(biz, late.id, 'shipped');
  await expectEachDeliveredOnce(second, [{ ...late, seq: lateSeq }]);
});

it('memory-only Redis down while statuses are posted: the outbox sweep queues them once it is back; each sent once', async () => {
  const env = await setUp(false);
  const first = await area.spawnWorker(env);
  await first.stop('SIGTERM');

  await redis!.stop();
  const alerts = [];
  for (let i = 0; i < 3; i++) {
    const order = await newOrder();
    // Posting needs only the store: it works while Redis is down.
    alerts.push({ ...order, seq: (await postStatus(biz, order.id, 'shipped')).seq });
  }
  await redis!.start(); // empty: nothing was queued, and nothing was kept

  const second = await area.spawnWorker(env);
  await expectEachDeliveredOnce(second, alerts);
});
