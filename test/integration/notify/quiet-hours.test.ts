/**
 * Quiet hours (API.md "Arrival"): email and SMS alerts due inside the tenant's quiet hours wait, as delayed jobs,
 * for their end and are sent then; socket pushes go at once; a `failed_attempt` is not held; an alert that waited
 * past a newer status is skipped as `superseded`. The alert workers' clock is the test's: no real waiting.
 */
import { alertJobId } from '../../../src/notifiers/alert-queue';
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant } from '../../support/tenant';

jest.setTimeout(30_000);

// 23:00 in Hong Kong (UTC+8, no daylight saving); quiet hours 21:00-08:00 end at 00:00 UTC the next day.
const LATE_EVENING = new Date('2026-03-02T15:00:00.000Z');
const QUIET_END = '2026-03-03T00:00:00.000Z';

afterAll(() => closeAllSockets());
const area = notifyArea('quiet', { per: 'file' });
let node: TestNode;
let biz: Client;
let clock = LATE_EVENING;

beforeAll(async () => {
  node = await area.startNode({}, { alertClock: () => clock });
  const tenant = await createTenant(node.url);
  biz = client(node.url, tenant.apiKey);
  const settings = await biz.put('/v1/tenants/me/settings', { quiet_hours: { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' } });
  expect(settings.status).toBe(200);
});

beforeEach(() => {
  clock = LATE_EVENING;
});

/** The held alert's job, now a delayed job of the queue. */
async function delayedJob(orderId: string, seq: number) {
  const job = await node.node.parts.alertQueue.getJob(alertJobId({ orderId, seq }));
  expect(job).toBeDefined();
  return job!;
}

async function emailOrder() {
  const email = `${unique('c')}@mail.example`;
  const order = await placeOrder(biz, { customer: { id: unique('c'), email }, notify: { email: true } });
  return { order, email };
}

it('holds an email due inside quiet hours until they end, then sends it once', async () => {
  const { order, email } = await emailOrder();
  const { seq } = await postStatus(biz, order.id, 'shipped');

  expect(await area.alerts.held(order.id, seq)).toEqual({ kind: 'held', until: QUIET_END, delayMs: 9 * 3600_000 });
  const job = await delayedJob(order.id, seq);
  expect(await job.getState()).toBe('delayed');
  expect(area.smtp.messagesTo(email)).toEqual([]);
  expect(await deliveryLog(biz, order.id)).toEqual([]);

  // The quiet hours end: the queue's timer would run the job now; the test's clock says so and runs it at once.
  clock = new Date(QUIET_END);
  await job.promote();
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
  expect(await area.smtp.waitForMessagesTo(email, 1)).toHaveLength(1);
  expect(await deliveryLog(biz, order.id)).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', seq, at: QUIET_END })]);
});

it('pushes over the socket at once inside quiet hours', async () => {
  const { order, email } = await emailOrder();
  const socket = await connectSocket(node.url, order.tracking_token);
  await subscribeOk(socket, order.id);
  const { seq } = await postStatus(biz, order.id, 'shipped');

  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'websocket' });
  expect(area.alerts.heldOf(order.id)).toEqual([]);
  expect(area.smtp.messagesTo(email)).toEqual([]);
});

it('does not hold a failed_attempt; the alert it outdated is skipped as superseded when the hours end', async () => {
  const { order, email } = await emailOrder();
  const { seq: outSeq } = await postStatus(biz, order.id, 'out_for_delivery');
  await area.alerts.held(order.id, outSeq);
  const { seq: failedSeq } = await postStatus(biz, order.id, 'failed_attempt');

  expect(await area.alerts.outcome(order.id, failedSeq)).toEqual({ kind: 'sent', channel: 'email' });
  const [sent] = await area.smtp.waitForMessagesTo(email, 1);
  expect(sent!.subject).toMatch(/We missed you/);

  clock = new Date(QUIET_END);
  await (await delayedJob(order.id, outSeq)).promote();
  expect(await area.alerts.outcome(order.id, outSeq)).toEqual({ kind: 'skipped', reason: 'superseded' });
  expect(area.smtp.messagesTo(email)).toHaveLength(1);
  const log = await deliveryLog(biz, order.id);
  expect(log.find((entry) => entry.seq === outSeq)).toMatchObject({ status: 'skipped', reason: 'superseded' });
});
