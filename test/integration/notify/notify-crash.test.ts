/**
 * A worker dies in the middle of sending (API.md "Notifications": "No channel ever sends the same alert twice,
 * also when a worker dies mid-job"). An API-only node takes the status; a worker-only process started from the
 * crash-after-send entry SIGKILLs itself right after the provider accepted the message and before the delivery log
 * says so. A second worker picks the job up once its lock (NOTIFY_LOCK_MS) has run out, and must not send again.
 */
import { deliveryLog, waitForLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const LOCK_MS = '2000';

// Per test: an API-only node, and the worker processes started on its data directory and prefix.
const area = notifyArea('crash', { twilio: true });
let biz: Client;

beforeEach(async () => {
  const api = await area.startNode({ PROCESS_ROLE: 'api' });
  biz = client(api.url, (await createTenant(api.url)).apiKey);
});

/** A worker whose job locks run out after LOCK_MS, so a dead worker's job is picked up again soon. */
const spawnWorker = () => area.spawnWorker({ NOTIFY_LOCK_MS: LOCK_MS });

/** A worker that dies right after the provider accepted a message on `channel`. */
const spawnDoomedWorker = (channel: 'email' | 'sms') =>
  area.spawnWorker({ NOTIFY_LOCK_MS: LOCK_MS, CRASH_AFTER_SEND: channel }, 'test/support/entries/crash-after-send.ts');

/** Whether a worker log line is about (order, seq). */
const about = (line: string, orderId: string, seq: number) => line.includes(`"order_id":"${orderId}"`) && line.includes(`"seq":${seq}`);

it('a worker killed right after the email was accepted: the re-run records the email as sent and sends nothing again, by no channel', async () => {
  const id = unique('cust');
  const who = { id, name: 'Kai', email: `${id}@mail.example`, phone: '+15550004401' };
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: true, sms: true } });

  const doomed = await spawnDoomedWorker('email');
  const { seq } = await postStatus(biz, order.id, 'shipped');

  const [mail] = await area.smtp.waitForMessagesTo(who.email, 1, 20_000);
  expect(mail!.subject).toContain(order.external_id);
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  // The provider took the message but the outcome was never written.
  expect((await deliveryLog(biz, order.id)).filter((e) => e.status === 'sent')).toEqual([]);

  const rescuer = await spawnWorker();
  // The job runs again after the dead worker's lock ran out; the claim it left tells it not to send again.
  await rescuer.waitForLine((line) => line.includes('send was interrupted') && about(line, order.id, seq), 30_000);
  const log = await waitForLog(biz, order.id, (items) => items.some((e) => e.seq === seq && e.status === 'sent'));

  expect(log.filter((e) => e.seq === seq)).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', seq })]);
  expect(area.smtp.messagesTo(who.email)).toHaveLength(1);
  expect(area.smtp.rcpts.filter((r) => r.address === who.email)).toHaveLength(1);
  expect(area.twilio.requests.filter((r) => r.to === who.phone)).toEqual([]);
  expect(rescuer.output.filter((line) => line.includes('"email sent"') && about(line, order.id, seq))).toEqual([]);

  // The rescuer is a working worker: the next alert of the order goes out normally, once.
  const { seq: next } = await postStatus(biz, order.id, 'delivered');
  await area.smtp.waitForMessagesTo(who.email, 2, 20_000);
  await rescuer.waitForLine((line) => line.includes('"email sent"') && about(line, order.id, next), 20_000);
  expect(area.smtp.messagesTo(who.email).map((m) => m.subject)).toEqual([
    expect.stringContaining('has shipped'),
    expect.stringContaining('was delivered'),
  ]);
  expect((await deliveryLog(biz, order.id)).filter((e) => e.seq === next)).toEqual([
    expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1 }),
  ]);
});

it('a worker killed right after the SMS was accepted (SMS only): the re-run records the SMS as sent and sends it only once', async () => {
  const id = unique('cust');
  const who = { id, name: 'Noor', phone: '+15550004402' };
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: false, sms: true } });

  const doomed = await spawnDoomedWorker('sms');
  const { seq } = await postStatus(biz, order.id, 'out_for_delivery');

  const [sms] = await area.twilio.waitForRequestsTo(who.phone, 1, 20_000);
  expect(sms).toMatchObject({ status: 201 });
  expect(sms!.body).toContain(order.external_id);
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });

  const rescuer = await spawnWorker();
  await rescuer.waitForLine((line) => line.includes('send was interrupted') && about(line, order.id, seq), 30_000);
  const log = await waitForLog(biz, order.id, (items) => items.some((e) => e.seq === seq && e.status === 'sent'));

  expect(log.filter((e) => e.seq === seq)).toEqual([expect.objectContaining({ channel: 'sms', status: 'sent', seq })]);
  expect(area.twilio.requests.filter((r) => r.to === who.phone)).toHaveLength(1);
  expect(area.smtp.messages.filter((m) => m.subject.includes(order.external_id))).toEqual([]);
});

it('a worker killed while idle loses nothing: the alert posted meanwhile is sent once by the next worker', async () => {
  const id = unique('cust');
  const who = { id, name: 'Ola', email: `${id}@mail.example` };
  const order = await placeOrder(biz, { customer: who, notify: { email: true, sms: false } });
  const first = await spawnWorker();
  await first.stop('SIGKILL');

  const { seq } = await postStatus(biz, order.id, 'shipped');
  const second = await spawnWorker();
  await area.smtp.waitForMessagesTo(who.email, 1, 20_000);
  await second.waitForLine((line) => line.includes('"email sent"') && about(line, order.id, seq), 20_000);
  expect(area.smtp.messagesTo(who.email)).toHaveLength(1);
  expect((await deliveryLog(biz, order.id)).filter((e) => e.seq === seq)).toEqual([
    expect.objectContaining({ channel: 'email', status: 'sent', attempts: 1 }),
  ]);
});
