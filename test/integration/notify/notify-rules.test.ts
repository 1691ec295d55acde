/**
 * Which events alert at all (API.md "Notifications"): a customer who did not opt in gets nothing; statuses outside
 * shipped/out_for_delivery/delivered/failed_attempt/returned queue no job; an alert outdated by a newer notifying
 * status of the same order before a worker got to it is skipped (superseded) and only the newer one is sent.
 */
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant } from '../../support/tenant';

jest.setTimeout(30_000);

// Each test's nodes share a data directory and a prefix: an API node and the worker that runs its alerts later.
const area = notifyArea('rules', { twilio: true });
let api: TestNode | undefined;

function newCustomer() {
  const id = unique('cust');
  return { id, name: 'Ravi', email: `${id}@mail.example`, phone: `+1555${String(Date.now() % 1e7).padStart(7, '0')}` };
}

const mailsTo = (address: string) => area.smtp.messagesTo(address);
const smsTo = (phone: string) => area.twilio.requests.filter((r) => r.to === phone);

/** One node that serves the API and runs the workers. */
async function startAll(): Promise<{ biz: Client }> {
  api = await area.startNode();
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
    const { seq } = await postStatus(biz, target.id, 'shipped');
    expect(await area.alerts.outcome(target.id, seq)).toEqual({ kind: 'skipped', reason: 'no_channel' });
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
    (await postStatus(biz, order.id, 'processing')).seq,
    (await postStatus(biz, order.id, 'in_transit')).seq,
    (await postStatus(biz, order.id, 'in_transit')).seq,
  ];
  expect(quiet).toEqual([2, 3, 4]);
  // A notifying status after them: once its alert is done, everything queued before it has been queued too.
  const { seq: loud } = await postStatus(biz, order.id, 'out_for_delivery');
  expect(await area.alerts.outcome(order.id, loud)).toEqual({ kind: 'sent', channel: 'email' });

  // A completed job is removed: the processed alerts (one, the notifying status's) say which were queued.
  const queue = api!.node.parts.alertQueue;
  for (const seq of [1, ...quiet]) expect(await queue.getJob(`${order.id}-${seq}`)).toBeUndefined();
  expect(area.alerts.processedOf(order.id).map((p) => p.seq)).toEqual([loud]);
  expect(mailsTo(who.email)).toHaveLength(1);
  expect(mailsTo(who.email)[0]!.subject).toContain('out for delivery');
  expect(smsTo(who.phone)).toEqual([]);
  expect((await deliveryLog(biz, order.id)).map((e) => [e.seq, e.channel, e.status])).toEqual([[loud, 'email', 'sent']]);
});

it('shipped then out_for_delivery before any worker runs: shipped is skipped (superseded), out_for_delivery sent', async () => {
  // An API-only node takes the posts; no worker runs yet, so both alerts wait in the queue.
  api = await area.startNode({ PROCESS_ROLE: 'api' });
  const biz = client(api.url, (await createTenant(api.url)).apiKey);
  const who = newCustomer();
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: true, sms: true } });
  const { seq: shipped } = await postStatus(biz, order.id, 'shipped');
  const { seq: outForDelivery } = await postStatus(biz, order.id, 'out_for_delivery');
  // A status that does not notify does not supersede anything.
  const other = await placeOrder(biz, { customer: newCustomer(), notify: { email: true, sms: false } });
  const { seq: otherShipped } = await postStatus(biz, other.id, 'shipped');
  await postStatus(biz, other.id, 'in_transit');

  // Now a node that runs the workers (PROCESS_ROLE=all, in this process so its jobs can be awaited).
  await area.startNode();

  expect(await area.alerts.outcome(order.id, shipped)).toEqual({ kind: 'skipped', reason: 'superseded' });
  expect(await area.alerts.outcome(order.id, outForDelivery)).toEqual({ kind: 'sent', channel: 'email' });
  expect(await area.alerts.outcome(other.id, otherShipped)).toEqual({ kind: 'sent', channel: 'email' });

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
