/**
 * Which events alert at all (API.md "Notifications"): a customer who did not opt in gets nothing; statuses outside
 * shipped/out_for_delivery/delivered/failed_attempt/returned queue no job; an alert outdated by a newer notifying
 * status of the same order before a worker got to it is skipped (superseded) and only the newer one is sent.
 */
import { placeOrder, unique, type Client } from '../support/fixtures';
import { client } from '../support/http';
import { createTenant, removeDir, startTestNode, tempDir, type TestNode } from '../support/node';
import {
  ProcessedRecorder,
  deliveryLog,
  dropPrefix,
  notifyEnv,
  notifyPrefix,
  postStatus,
  startSmtp,
  startTwilioStandIn,
  type SmtpServerHandle,
  type TwilioStandIn,
} from '../support/notify';

jest.setTimeout(30_000);

let smtp: SmtpServerHandle;
let twilio: TwilioStandIn;
let dataDir: string;
let prefix: string;
let api: TestNode | undefined;
let worker: TestNode | undefined;
let processed: ProcessedRecorder | undefined;

beforeAll(async () => {
  smtp = await startSmtp();
  twilio = await startTwilioStandIn();
});

afterAll(async () => {
  await twilio?.close();
  await smtp?.close();
});

beforeEach(() => {
  dataDir = tempDir();
  prefix = notifyPrefix('rules');
});

afterEach(async () => {
  processed?.detach();
  processed = undefined;
  await worker?.close({ keepData: true });
  worker = undefined;
  await api?.close({ keepData: true });
  api = undefined;
  removeDir(dataDir);
  await dropPrefix(prefix);
});

function newCustomer() {
  const id = unique('cust');
  return { id, name: 'Ravi', email: `${id}@mail.example`, phone: `+1555${String(Date.now() % 1e7).padStart(7, '0')}` };
}

const mailsTo = (address: string) => smtp.messagesTo(address);
const smsTo = (phone: string) => twilio.requests.filter((r) => r.to === phone);

/** One node that serves the API and runs the workers. */
async function startAll(): Promise<{ biz: Client }> {
  api = await startTestNode({ dataDir, env: notifyEnv(prefix, { smtp, twilio }) });
  processed = new ProcessedRecorder([api.node]);
  return { biz: client(api.url, (await createTenant(api.url)).apiKey) };
}

it('a customer who did not opt in gets nothing; the log has no sent entry', async () => {
  const { biz } = await startAll();
  const who = newCustomer();
  // Preferences saying no, and no `notify` at placement: an address and a phone are known but not wanted.
  expect((await biz.put(`/v1/customers/${who.id}/preferences`, { email: false, sms: false })).status).toBe(200);
  const order = await placeOrder(biz, { customer: who });
  const bare = await placeOrder(biz, { customer: newCustomer(), notify: { email: false, sms: false } });

  for (const target of [order, bare]) {
    const seq = await postStatus(biz, target.id, 'shipped');
    expect(await processed!.outcome(target.id, seq)).toEqual({ kind: 'skipped', reason: 'no_channel' });
    const log = await deliveryLog(biz, target.id);
    expect(log.filter((entry) => entry.status === 'sent')).toEqual([]);
    expect(log).toEqual([expect.objectContaining({ channel: 'websocket', status: 'skipped', seq, reason: 'no_channel' })]);
  }
  expect(mailsTo(who.email)).toEqual([]);
  expect(mailsTo(bare.customer.email)).toEqual([]);
  expect(smsTo(who.phone)).toEqual([]);
  expect(smsTo(bare.customer.phone)).toEqual([]);
});

it('non-notifying statuses (processing, in_transit) queue no job and send nothing', async () => {
  const { biz } = await startAll();
  const who = newCustomer();
  const order = await placeOrder(biz, { customer: who, notify: { email: true, sms: true } });
  const quiet = [
    await postStatus(biz, order.id, 'processing'),
    await postStatus(biz, order.id, 'in_transit'),
    await postStatus(biz, order.id, 'in_transit'),
  ];
  expect(quiet).toEqual([2, 3, 4]);
  // A notifying status after them: once its alert is done, everything queued before it has been queued too.
  const loud = await postStatus(biz, order.id, 'out_for_delivery');
  expect(await processed!.outcome(order.id, loud)).toEqual({ kind: 'sent', channel: 'email' });

  const queue = api!.node.parts.alertQueue;
  for (const seq of [1, ...quiet]) expect(await queue.getJob(`${order.id}-${seq}`)).toBeUndefined();
  expect(await queue.getJob(`${order.id}-${loud}`)).toBeDefined();
  expect(processed!.of(order.id).map((p) => p.seq)).toEqual([loud]);
  expect(mailsTo(who.email)).toHaveLength(1);
  expect(mailsTo(who.email)[0]!.subject).toContain('out for delivery');
  expect(smsTo(who.phone)).toEqual([]);
  expect((await deliveryLog(biz, order.id)).map((e) => [e.seq, e.channel, e.status])).toEqual([[loud, 'email', 'sent']]);
});

it('shipped then out_for_delivery before any worker runs: shipped is skipped (superseded), out_for_delivery sent', async () => {
  // An API-only node takes the posts; no worker runs yet, so both alerts wait in the queue.
  api = await startTestNode({ dataDir, env: notifyEnv(prefix, { smtp, twilio }, { PROCESS_ROLE: 'api' }) });
  const biz = client(api.url, (await createTenant(api.url)).apiKey);
  const who = newCustomer();
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: true, sms: true } });
  const shipped = await postStatus(biz, order.id, 'shipped');
  const outForDelivery = await postStatus(biz, order.id, 'out_for_delivery');
  // A status that does not notify does not supersede anything.
  const other = await placeOrder(biz, { customer: newCustomer(), notify: { email: true, sms: false } });
  const otherShipped = await postStatus(biz, other.id, 'shipped');
  await postStatus(biz, other.id, 'in_transit');

  // Now a node that runs the workers (PROCESS_ROLE=all, in this process so its jobs can be awaited).
  worker = await startTestNode({ dataDir, env: notifyEnv(prefix, { smtp, twilio }) });
  processed = new ProcessedRecorder([worker.node]);

  expect(await processed.outcome(order.id, shipped)).toEqual({ kind: 'skipped', reason: 'superseded' });
  expect(await processed.outcome(order.id, outForDelivery)).toEqual({ kind: 'sent', channel: 'email' });
  expect(await processed.outcome(other.id, otherShipped)).toEqual({ kind: 'sent', channel: 'email' });

  const mails = mailsTo(who.email);
  expect(mails).toHaveLength(1);
  expect(mails[0]!.subject).toContain('out for delivery');
  expect(smsTo(who.phone)).toEqual([]);
  const log = await deliveryLog(biz, order.id);
  expect(log.filter((e) => e.seq === shipped)).toEqual([
    expect.objectContaining({ status: 'skipped', reason: 'superseded', seq: shipped }),
  ]);
  expect(log.filter((e) => e.seq === outForDelivery)).toEqual([
    expect.objectContaining({ channel: 'email', status: 'sent', seq: outForDelivery, attempts: 1 }),
  ]);
  expect(mailsTo(other.customer.email)).toHaveLength(1);
  expect(mailsTo(other.customer.email)[0]!.subject).toContain('has shipped');
});
