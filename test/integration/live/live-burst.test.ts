/**
 * A burst of status events posted alternately on two nodes reaches raw sockets on both nodes in strict seq
 * order, none missing, none twice, including sockets that subscribe in the middle of the burst.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { connectSocket, expectedUpdate, subscribeOk } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const BURST = 120;
let a: TestNode;
let b: TestNode;
let tenant: Tenant;
liveCluster('burst', { tenant: 'Acme', ready: (started) => ({ a, b, tenant } = started) });

function postBurst(orderId: string, count: number) {
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      client(i % 2 ? a.url : b.url, tenant.apiKey).post(`/v1/orders/${orderId}/status`, { status: 'in_transit', event_id: `burst-${i}` }),
    ),
  );
}

it(`delivers ${BURST} events posted alternately on two nodes to sockets on both nodes in seq order, each once`, async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c1' } });
  const onA = await connectSocket(a.url, await tenant.token('customer', 'c1'));
  const onB = await connectSocket(b.url, order.tracking_token);
  const feedA = await connectSocket(a.url, await tenant.token('staff', 's1'));
  const feedB = await connectSocket(b.url, tenant.apiKey);
  const [logA, logB, logFeedA, logFeedB] = [Recorder.of(onA), Recorder.of(onB), Recorder.of(feedA), Recorder.of(feedB)] as const;
  expect((await subscribeOk(onA, order.id)).order.version).toBe(1);
  expect((await subscribeOk(onB, order.id)).order.version).toBe(1);

  const responses = await postBurst(order.id, BURST);
  expect(responses.filter((r) => r.status !== 200).map((r) => [r.status, r.body])).toEqual([]);
  const last = 1 + BURST;
  expect(Math.max(...responses.map((r) => r.body.version as number))).toBe(last);

  await Promise.all([logA, logB].map((log) => log.untilSeq(order.id, last)));
  expect(logA.seqs(order.id)).toEqual(range(2, last));
  expect(logB.seqs(order.id)).toEqual(range(2, last));

  // What arrived is what the store holds.
  const stored = await client(b.url, tenant.apiKey).get(`/v1/orders/${order.id}/events?since_seq=1&limit=1000`);
  const storedUpdates = (stored.body.items as Array<Record<string, unknown>>).map(expectedUpdate);
  expect(logA.of('order_status_update')).toEqual(storedUpdates);
  expect(logB.of('order_status_update')).toEqual(storedUpdates);

  // The tenant feed (no subscription) got every event once too; its order across nodes is not promised.
  for (const log of [logFeedA, logFeedB]) {
    await log.until(() => log.seqs(order.id).length >= BURST, `all ${BURST} feed events`);
    expect([...log.seqs(order.id)].sort((x, y) => x - y)).toEqual(range(2, last));
  }
});

it('sockets that subscribe in the middle of a burst get an exact starting point, then every later event once', async () => {
  const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c2' } });
  const first = await connectSocket(a.url, order.tracking_token);
  const firstLog = Recorder.of(first);
  await subscribeOk(first, order.id);
  const late = await Promise.all([
    connectSocket(b.url, order.tracking_token),
    connectSocket(a.url, await tenant.token('customer', 'c2')),
    connectSocket(b.url, await tenant.token('customer', 'c2')),
  ]);
  const lateLogs = late.map(Recorder.of);

  const burst = postBurst(order.id, BURST);
  await firstLog.untilSeq(order.id, 30);
  const [plain, resumedA, resumedB] = await Promise.all([
    subscribeOk(late[0]!, order.id),
    subscribeOk(late[1]!, order.id, 1),
    subscribeOk(late[2]!, order.id, 10),
  ]);
  const responses = await burst;
  expect(responses.filter((r) => r.status !== 200)).toEqual([]);
  const last = 1 + BURST;
  await Promise.all([firstLog, ...lateLogs].map((log) => log.untilSeq(order.id, last)));

  expect(firstLog.seqs(order.id)).toEqual(range(2, last));
  // Without since_seq: the order's version is the starting point, nothing missed, everything after it live.
  expect(plain.missed).toEqual([]);
  expect(plain.order.version).toBeGreaterThanOrEqual(30);
  expect(lateLogs[0]!.seqs(order.id)).toEqual(range(plain.order.version + 1, last));
  // With since_seq: missed up to the order's version, live after it, seamless.
  for (const [ack, log, since] of [
    [resumedA, lateLogs[1]!, 1],
    [resumedB, lateLogs[2]!, 10],
  ] as const) {
    expect(ack.missed.map((update) => update.seq)).toEqual(range(since + 1, ack.order.version));
    expect([...ack.missed.map((update) => update.seq), ...log.seqs(order.id)]).toEqual(range(since + 1, last));
  }
});
