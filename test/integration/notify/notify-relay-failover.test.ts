/**
 * A second mail relay (SMTP_FALLBACK_URL): when the first relay refuses connections, the alert goes through the
 * second, once, and the delivery log says so; with both down the email runs out of attempts and SMS reaches the
 * customer as before.
 */
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { freePort } from '../../support/ports';
import { startSmtp } from '../../support/smtp';
import { createTenant } from '../../support/tenant';

jest.setTimeout(30_000);

/** An SMTP URL whose port nobody listens on (connections are refused). */
async function refusingSmtpUrl(): Promise<string> {
  return `smtp://127.0.0.1:${await freePort()}`;
}

// The file's SMTP server is the second relay; each test names the first.
const area = notifyArea('relay', { twilio: true });
const fallback = () => area.smtp;

async function start(smtpUrl: string, fallbackUrl: string): Promise<Client> {
  const node = await area.startNode({ SMTP_URL: smtpUrl, SMTP_FALLBACK_URL: fallbackUrl, NOTIFY_ATTEMPTS: '2' });
  return client(node.url, (await createTenant(node.url)).apiKey);
}

it('sends through the first relay while it is up, and says so', async () => {
  const primary = await startSmtp();
  try {
    const biz = await start(primary.url, fallback().url);
    const email = `${unique('c')}@mail.example`;
    const order = await placeOrder(biz, { customer: { id: unique('c'), email }, notify: { email: true } });
    const { seq } = await postStatus(biz, order.id, 'shipped');

    expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
    expect(await primary.waitForMessagesTo(email, 1)).toHaveLength(1);
    expect(fallback().messagesTo(email)).toEqual([]);
    expect(await deliveryLog(biz, order.id)).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', relay: 'primary' })]);
  } finally {
    await primary.close();
  }
});

it('sends through the second relay, once, when the first refuses connections', async () => {
  const biz = await start(await refusingSmtpUrl(), fallback().url);
  const email = `${unique('c')}@mail.example`;
  const order = await placeOrder(biz, { customer: { id: unique('c'), email, phone: '+15550001111' }, notify: { email: true, sms: true } });
  const { seq } = await postStatus(biz, order.id, 'shipped');

  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
  const messages = await fallback().waitForMessagesTo(email, 1);
  expect(messages).toHaveLength(1);
  expect(messages[0]!.messageId).toBe(`<${order.id}.${seq}.email@tracking>`);
  expect(await deliveryLog(biz, order.id)).toEqual([
    expect.objectContaining({ channel: 'email', status: 'sent', seq, attempts: 1, relay: 'fallback' }),
  ]);
  expect(area.twilio.requests.filter((request) => request.to === '+15550001111')).toEqual([]);
});

it('falls through to SMS when both relays are down', async () => {
  const biz = await start(await refusingSmtpUrl(), await refusingSmtpUrl());
  const email = `${unique('c')}@mail.example`;
  const phone = '+15550002222';
  const order = await placeOrder(biz, { customer: { id: unique('c'), email, phone }, notify: { email: true, sms: true } });
  const { seq } = await postStatus(biz, order.id, 'shipped');

  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'sms' });
  expect(area.twilio.requests.filter((request) => request.to === phone)).toHaveLength(1);
  expect(fallback().messagesTo(email)).toEqual([]);
  const log = await deliveryLog(biz, order.id);
  expect(log).toEqual([
    expect.objectContaining({ channel: 'email', status: 'failed', reason: 'retries_exhausted', attempts: 2 }),
    expect.objectContaining({ channel: 'sms', status: 'sent' }),
  ]);
  expect(log[0]).not.toHaveProperty('relay');
});
