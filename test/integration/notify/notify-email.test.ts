/**
 * Notifications, the plain path (API.md "Notifications"): an offline customer who opted in gets exactly one email
 * per notifying status, with the order reference, the status and a working tracking link; no SMS when the email
 * went out, although SMS is configured and the customer has a phone.
 */
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { MAIL_FROM, notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const area = notifyArea('email', { twilio: true });
let server: TestNode;
let tenant: Tenant;
let biz: Client;

beforeEach(async () => ({ server, tenant, biz } = await area.startTenantNode()));

/** A customer with both an email address and a phone. */
function customer(name: string) {
  const id = unique(name);
  return {
    id,
    name,
    email: `${id}@mail.example`,
    phone: `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`,
  };
}

describe.each([
  ['the order asked for email at placement', 'notify', 'shipped', 'has shipped'],
  ['the customer opted in through preferences', 'preferences', 'out_for_delivery', 'out for delivery'],
] as const)('an offline customer (%s)', (_how, optIn, status, wording) => {
  it(`gets exactly one email when the order is ${status}, and no SMS`, async () => {
    const who = customer('ada');
    if (optIn === 'preferences') {
      const put = await biz.put(`/v1/customers/${who.id}/preferences`, { email: true, sms: true });
      expect(put.status).toBe(200);
    }
    const reference = unique('shop');
    const order = await placeOrder(biz, {
      external_id: reference,
      customer: who,
      ...(optIn === 'notify' ? { notify: { email: true, sms: true } } : {}),
    });

    const { seq } = await postStatus(biz, order.id, status, { event_id: `evt-${reference}` });
    expect(seq).toBe(2);
    // The same event again records nothing new, so it owes no second alert.
    expect((await postStatus(biz, order.id, status, { event_id: `evt-${reference}` })).seq).toBe(2);

    expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
    const mails = area.smtp.messagesTo(who.email);
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    expect(mail.to).toEqual([who.email]);
    expect(mail.from).toBe(MAIL_FROM);
    expect(mail.subject).toContain(reference);
    expect(mail.subject).toContain(wording);
    expect(mail.text).toContain(reference);
    expect(mail.text).toContain(`Hello ${who.name}`);

    // The tracking link, in the text and (clickable) in the HTML part, and it opens this order.
    const link = new RegExp(`https?://[^\\s"<>]+/track/${order.id}\\?token=([A-Za-z0-9_.-]+)`).exec(mail.text);
    expect(link).not.toBeNull();
    expect(mail.html).toContain(`href="${link![0]}"`);
    const tracked = await client(server.url, link![1]).get(`/v1/orders/${order.id}`);
    expect(tracked.status).toBe(200);
    expect(tracked.body.id).toBe(order.id);
    expect(tracked.body.status).toBe(status);

    // Email succeeded: SMS was never tried.
    expect(area.twilio.requests.filter((r) => r.to === who.phone)).toEqual([]);
    expect(await deliveryLog(biz, order.id)).toEqual([
      { channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) },
    ]);
    // One job for the alert, none for the repeat.
    expect(area.alerts.processedOf(order.id)).toHaveLength(1);
  });
});

it('sends one email per notifying status, each naming its own status', async () => {
  const who = customer('grace');
  const reference = unique('shop');
  const order = await placeOrder(biz, { external_id: reference, customer: who, notify: { email: true, sms: false } });

  const { seq: shipped } = await postStatus(biz, order.id, 'shipped');
  await area.alerts.outcome(order.id, shipped);
  const { seq: delivered } = await postStatus(biz, order.id, 'delivered');
  expect(await area.alerts.outcome(order.id, delivered)).toEqual({ kind: 'sent', channel: 'email' });

  const mails = area.smtp.messagesTo(who.email);
  expect(mails.map((m) => m.subject)).toEqual([
    expect.stringContaining('has shipped'),
    expect.stringContaining('was delivered'),
  ]);
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(2);
  expect((await deliveryLog(biz, order.id)).map((e) => [e.seq, e.channel, e.status])).toEqual([
    [shipped, 'email', 'sent'],
    [delivered, 'email', 'sent'],
  ]);
});
