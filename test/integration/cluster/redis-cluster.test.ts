/**
 * The cluster on a real Redis Cluster (three masters, three replicas, `REDIS_CLUSTER_NODES`): live updates over the
 * sharded adapter, alerts and webhooks through BullMQ with hash-tagged queue prefixes, rate limits shared by the
 * nodes; then masters failed over (`CLUSTER FAILOVER`) and one SIGKILLed during a burst: nothing acknowledged is lost,
 * the subscriber keeps receiving every event in order, alerts and webhooks still go out once.
 */
import { type LogEntry, waitForLog } from '../../support/alerts';
import { eventually } from '../../support/eventually';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startPair, type TestPair } from '../../support/node';
import { notifyEnv } from '../../support/notify-fixture';
import { placeOrder } from '../../support/orders';
import { startPoster } from '../../support/poster';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { type RedisCluster, startRedisCluster, stopAllRedisClusters } from '../../support/redis-cluster';
import { orderChannel, shardSubscribers } from '../../support/redis-keys';
import { type SmtpServerHandle, startSmtp } from '../../support/smtp';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant } from '../../support/tenant';
import { type Receiver, registerWebhook, startReceiver } from '../../support/webhooks';

jest.setTimeout(180_000);

let cluster: RedisCluster;
let smtp: SmtpServerHandle;
let receiver: Receiver;
let pair: TestPair;
let biz: Client;
let apiKey: string;
let prefix: string;

beforeAll(async () => {
  [cluster, smtp, receiver] = await Promise.all([startRedisCluster(), startSmtp(), startReceiver()]);
  prefix = unique('rc');
  pair = await startPair(
    notifyEnv(prefix, { smtp }, { REDIS_CLUSTER_NODES: cluster.seeds, WEBHOOK_ALLOW_PRIVATE: 'true', RATE_LIMIT_ANON: '6/min' }),
  );
  apiKey = (await createTenant(pair.a.url)).apiKey;
  biz = client(pair.a.url, apiKey);
  await registerWebhook(biz, receiver.url, ['order.status_changed']);
});

afterAll(async () => {
  closeAllSockets();
  await pair?.close();
  await Promise.all([receiver?.close(), smtp?.close()]);
  await stopAllRedisClusters();
});

/** An order asking for email alerts to an address of its own. */
async function orderWithEmail() {
  const email = `${unique('to')}@shop.example`;
  const order = await placeOrder(biz, { customer: { id: unique('c'), email }, notify: { email: true } });
  return { ...order, email };
}

/** The order.status_changed messages of one order, by webhook-id (a redelivery has the same id). */
function webhookIdsOf(orderId: string): Set<string> {
  return new Set(
    receiver.received.filter((request) => request.body.data.order?.id === orderId && request.body.type === 'order.status_changed').map((request) => request.id),
  );
}

it('pushes across nodes, alerts once, sends webhooks and shares rate limits over the cluster', async () => {
  const watched = await orderWithEmail();
  const unwatched = await orderWithEmail();
  const socket = await connectSocket(pair.b.url, watched.tracking_token);
  const recorder = Recorder.of(socket);
  await subscribeOk(socket, watched.id);
  // The subscription is a sharded one, on the master that owns the order channel's slot (and on no other).
  const counts = await Promise.all((await cluster.masters()).map(async (port) => (await shardSubscribers(`redis://127.0.0.1:${port}`, [orderChannel(prefix, watched.id)]))?.[0] ?? 0));
  expect(counts.filter((count) => count > 0)).toHaveLength(1);

  for (const status of ['shipped', 'in_transit', 'out_for_delivery']) {
    expect((await biz.post(`/v1/orders/${watched.id}/status`, { status })).status).toBe(200);
    expect((await client(pair.b.url, apiKey).post(`/v1/orders/${unwatched.id}/status`, { status })).status).toBe(200);
    // The shipped alert goes out before the next notifying status, which would otherwise outdate it (`superseded`).
    if (status === 'shipped') await smtp.waitForMessagesTo(unwatched.email, 1);
  }
  await recorder.untilSeq(watched.id, 4);
  expect(recorder.seqs(watched.id)).toEqual([2, 3, 4]);

  // The unwatched order's two alerts by email, once each; the watched one's went over its socket.
  const mails = await smtp.waitForMessagesTo(unwatched.email, 2);
  expect(mails).toHaveLength(2);
  expect(smtp.messagesTo(watched.email)).toHaveLength(0);
  // One order.status_changed message per applied event (placement included), whatever was redelivered.
  await receiver.waitFor(8, (request) => [watched.id, unwatched.id].includes(request.body.data.order?.id) && request.body.type === 'order.status_changed');
  expect(webhookIdsOf(watched.id).size).toBe(4);
  expect(webhookIdsOf(unwatched.id).size).toBe(4);

  // Anonymous calls share one budget of 6 a minute across both nodes.
  const answers: number[] = [];
  for (let index = 0; index < 10; index++) answers.push((await fetch(`${[pair.a.url, pair.b.url][index % 2]}/v1/orders`)).status);
  expect(answers.filter((status) => status !== 429)).toHaveLength(6);
  expect(answers.slice(6).every((status) => status === 429)).toBe(true);
});

it('loses nothing when masters fail over and one is killed during a burst', async () => {
  const burst = await orderWithEmail();
  const alerted = await orderWithEmail();
  const socket = await connectSocket(pair.b.url, burst.tracking_token);
  const recorder = Recorder.of(socket);
  await subscribeOk(socket, burst.id);
  const poster = startPoster([pair.a.url, pair.b.url], apiKey, burst.id);

  let outcome: Awaited<ReturnType<typeof poster.stop>>;
  try {
    // Every master's replica takes over in turn (so the shard of every channel and queue moves), then the newest
    // master of the first shard is killed outright and its replica is promoted by the cluster itself.
    for (const master of await cluster.masters()) {
      const [replica] = await cluster.replicasOf(master);
      await cluster.failover(replica!);
    }
    const [victim] = await cluster.masters();
    await cluster.kill(victim!);
    await cluster.healthy(30_000);

    // An alert and a webhook after the cuts still go out once.
    expect((await biz.post(`/v1/orders/${alerted.id}/status`, { status: 'shipped' })).status).toBe(200);
  } finally {
    outcome = await poster.stop();
  }
  const { versions, failures } = outcome;
  expect(failures).toEqual([]);
  expect(versions.length).toBeGreaterThan(5);
  const last = Math.max(...versions);

  // Every acknowledged event is stored; the subscriber has all of them, in order, none twice.
  const stored: number[] = [];
  for (let page: number[] = [0]; page.length > 0; ) {
    page = (await biz.get(`/v1/orders/${burst.id}/events?since_seq=${stored.at(-1) ?? 0}`)).body.items.map((event: { seq: number }) => event.seq);
    stored.push(...page);
  }
  expect(stored).toEqual(range(1, last));
  await recorder.untilSeq(burst.id, last, 30_000);
  expect(recorder.seqs(burst.id)).toEqual(range(2, last));

  // A job whose lock was on the killed master is taken again by the stalled-job check, which runs once per lock
  // period (NOTIFY_LOCK_MS, WEBHOOK_LOCK_MS: 30 s): it may be that long late, never lost.
  await smtp.waitForMessagesTo(alerted.email, 1, 60_000);
  await receiver.waitFor(1, (request) => request.body.data.order?.id === alerted.id, 60_000);
  await eventually(() => webhookIdsOf(burst.id).size >= last, `${last} webhook messages of the burst`, 60_000);
  expect(webhookIdsOf(burst.id).size).toBe(last);
  // No second email for the alert, whatever the queue went through (the delivery log claims each send). The worker
  // records the send once the mail server has taken the message: the log is awaited, not read at once.
  const emailSent = (entry: LogEntry) => entry.channel === 'email' && entry.status === 'sent';
  const log = await waitForLog(biz, alerted.id, (items) => items.some(emailSent), 30_000);
  expect(log.filter(emailSent)).toHaveLength(1);
  expect(smtp.messagesTo(alerted.email)).toHaveLength(1);
});
