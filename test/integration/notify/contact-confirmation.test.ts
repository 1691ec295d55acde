/**
 * A customer's own addresses (API.md "Customer portal"): an address a customer typed itself (on an order it placed,
 * in its preferences) gets no alert until a code sent to it came back; confirming through
 * `POST /v1/customers/me/contact` (a 6-digit code by email or SMS, single use, 10 minutes, 5 tries, 3 codes an hour
 * per address) makes it the customer's address; addresses the business set are used as before; erasure removes them.
 */
import { deliveryLog } from '../../support/alerts';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import type { TestNode } from '../../support/node';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const area = notifyArea('contact', { twilio: true, per: 'file' });
let server: TestNode;
let tenant: Tenant;
let biz: Client;
// The clock codes are issued and checked by: tests move it past a code's expiry or the hour's window.
let offsetMs = 0;
// The retention sweep's clock (the sweep runs when a test asks).
let sweepOffsetMs = 0;

beforeAll(async () => {
  server = await area.startNode(
    {},
    { contactClock: () => new Date(Date.now() + offsetMs), retention: { now: () => new Date(Date.now() + sweepOffsetMs), intervalMs: 0 } },
  );
  tenant = await createTenant(server.url, 'Contact');
  biz = client(server.url, tenant.apiKey);
});
beforeEach(() => {
  offsetMs = 0;
});

/** A customer of the tenant: its id and its own client. */
async function customer(): Promise<{ id: string; api: Client }> {
  const id = unique('cust');
  return { id, api: client(server.url, await tenant.token('customer', id)) };
}

const emailAddress = () => `${unique('own')}@contact.example`.toLowerCase();
const phoneNumber = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

/** Asks for a code to `address` and resolves with the code that arrived there. */
async function codeSentTo(api: Client, target: { email: string } | { phone: string }, nth = 1): Promise<string> {
  const response = await api.post('/v1/customers/me/contact', target);
  expect(response.status).toBe(202);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const text =
    'email' in target
      ? (await area.smtp.waitForMessagesTo(target.email, nth))[nth - 1]!.text
      : (await area.twilio.waitForRequestsTo(target.phone, nth))[nth - 1]!.body;
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in ${JSON.stringify(text)}`);
  return code;
}

/** Ships the order and resolves with the alert's outcome and the delivery log once the job ran. */
async function ship(orderId: string) {
  const { seq } = await postStatus(biz, orderId, 'shipped');
  const outcome = await area.alerts.outcome(orderId, seq);
  return { outcome, log: (await deliveryLog(biz, orderId)).filter((line) => line.seq === seq) };
}

describe('addresses a customer set itself', () => {
  it('an email on an order the customer placed gets nothing when it ships: email skipped, unconfirmed_address', async () => {
    const { id, api } = await customer();
    const address = emailAddress();
    const order = await placeOrder(api, { customer: { id, email: address }, notify: { email: true } });
    const { outcome, log } = await ship(order.id);
    expect(outcome).toEqual({ kind: 'skipped', reason: 'unconfirmed_address' });
    expect(log).toEqual([expect.objectContaining({ channel: 'email', status: 'skipped', reason: 'unconfirmed_address' })]);
    expect(area.smtp.messagesTo(address)).toEqual([]);
  });

  it('a phone on its own order likewise gets no SMS; the email the business set on another order is mailed', async () => {
    const { id, api } = await customer();
    const phone = phoneNumber();
    const own = await placeOrder(api, { customer: { id, phone }, notify: { sms: true } });
    const { log } = await ship(own.id);
    expect(log).toEqual([expect.objectContaining({ channel: 'sms', status: 'skipped', reason: 'unconfirmed_address' })]);
    expect(area.twilio.requests.filter((request) => request.to === phone)).toEqual([]);

    const businessSet = emailAddress();
    const placed = await placeOrder(biz, { customer: { id, email: businessSet }, notify: { email: true } });
    const shipped = await ship(placed.id);
    expect(shipped.outcome).toEqual({ kind: 'sent', channel: 'email' });
    expect(area.smtp.messagesTo(businessSet)).toHaveLength(1);
  });

  it('a preferences address the customer set is not used until confirmed; the same preferences set by the business are', async () => {
    const { id, api } = await customer();
    const address = emailAddress();
    expect((await api.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: address })).status).toBe(200);
    const first = await placeOrder(biz, { customer: { id } });
    expect((await ship(first.id)).log).toEqual([expect.objectContaining({ channel: 'email', status: 'skipped', reason: 'unconfirmed_address' })]);

    expect((await biz.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: address })).status).toBe(200);
    const second = await placeOrder(biz, { customer: { id } });
    expect((await ship(second.id)).outcome).toEqual({ kind: 'sent', channel: 'email' });
    expect(area.smtp.messagesTo(address)).toHaveLength(1);
  });

  it('the customer sending back the address the business set keeps it in use', async () => {
    const { id, api } = await customer();
    const address = emailAddress();
    expect((await biz.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: address })).status).toBe(200);
    expect((await api.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: address })).status).toBe(200);
    const order = await placeOrder(biz, { customer: { id } });
    expect((await ship(order.id)).outcome).toEqual({ kind: 'sent', channel: 'email' });
  });
});

describe('POST /v1/customers/me/contact', () => {
  it('an email confirmed with the code sent to it is used: it becomes the preferences’ address, and its orders are mailed', async () => {
    const { id, api } = await customer();
    const address = emailAddress();
    const code = await codeSentTo(api, { email: address });
    const confirmed = await api.post('/v1/customers/me/contact', { email: address, code });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toEqual({ id, name: null, email: address, phone: null, locale: null });
    expect((await api.get('/v1/customers/me')).body).toEqual({ id, name: null, email: address, phone: null, locale: null });

    const order = await placeOrder(api, { customer: { id, name: 'Ada', email: address }, notify: { email: true } });
    const { outcome } = await ship(order.id);
    expect(outcome).toEqual({ kind: 'sent', channel: 'email' });
    // The code, then the alert.
    expect(area.smtp.messagesTo(address)).toHaveLength(2);
    // Used once: the same code again confirms nothing.
    expectError(await api.post('/v1/customers/me/contact', { email: address, code }), 400, 'invalid_code');
  });

  it('a phone confirmed with the code texted to it is used for SMS alerts', async () => {
    const { id, api } = await customer();
    const phone = phoneNumber();
    const code = await codeSentTo(api, { phone });
    expect((await api.post('/v1/customers/me/contact', { phone, code })).body).toMatchObject({ id, phone });
    const order = await placeOrder(api, { customer: { id, phone }, notify: { sms: true } });
    expect((await ship(order.id)).outcome).toEqual({ kind: 'sent', channel: 'sms' });
  });

  it('a wrong code is 400 invalid_code, and the right one still confirms', async () => {
    const { api } = await customer();
    const address = emailAddress();
    const code = await codeSentTo(api, { email: address });
    const wrong = code === '000000' ? '000001' : '000000';
    expectError(await api.post('/v1/customers/me/contact', { email: address, code: wrong }), 400, 'invalid_code');
    expect((await api.post('/v1/customers/me/contact', { email: address, code })).status).toBe(200);
  });

  it('a code expires after 10 minutes', async () => {
    const { api } = await customer();
    const address = emailAddress();
    const code = await codeSentTo(api, { email: address });
    offsetMs = 10 * 60_000 + 1000;
    expectError(await api.post('/v1/customers/me/contact', { email: address, code }), 400, 'invalid_code');
  });

  it('allows 5 tries: the 6th is refused even with the right code', async () => {
    const { api } = await customer();
    const address = emailAddress();
    const code = await codeSentTo(api, { email: address });
    const wrong = code === '000000' ? '000001' : '000000';
    for (let n = 0; n < 5; n++) expectError(await api.post('/v1/customers/me/contact', { email: address, code: wrong }), 400, 'invalid_code');
    expectError(await api.post('/v1/customers/me/contact', { email: address, code }), 400, 'invalid_code');
  });

  it('sends at most 3 codes to an address an hour (then 429 with Retry-After), whoever asks; a newer code replaces the older', async () => {
    const first = await customer();
    const second = await customer();
    const address = emailAddress();
    const older = await codeSentTo(first.api, { email: address }, 1);
    await codeSentTo(second.api, { email: address }, 2);
    const latest = await codeSentTo(first.api, { email: address }, 3);
    const refused = await first.api.post('/v1/customers/me/contact', { email: address });
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(3500);
    expect(area.smtp.messagesTo(address)).toHaveLength(3);
    if (older !== latest) expectError(await first.api.post('/v1/customers/me/contact', { email: address, code: older }), 400, 'invalid_code');
    expect((await first.api.post('/v1/customers/me/contact', { email: address, code: latest })).status).toBe(200);

    offsetMs = 3_600_000 + 1000;
    expect((await second.api.post('/v1/customers/me/contact', { email: address })).status).toBe(202);
  });

  it('takes an email or a phone (with a 6-digit code or none), nothing else; customers only', async () => {
    const { api } = await customer();
    for (const body of [{}, { email: 'not-an-address' }, { phone: '555' }, { email: emailAddress(), phone: phoneNumber() }, { email: emailAddress(), code: '12345' }]) {
      expectError(await api.post('/v1/customers/me/contact', body), 400, 'validation_failed');
    }
    expectError(await biz.post('/v1/customers/me/contact', { email: emailAddress() }), 403, 'forbidden');
    expectError(await biz.get('/v1/customers/me'), 403, 'forbidden');
  });
});

describe('GET /v1/customers/me', () => {
  it('answers from the latest order and the preferences, uncached', async () => {
    const { id, api } = await customer();
    expect((await api.get('/v1/customers/me')).body).toEqual({ id, name: null, email: null, phone: null, locale: null });
    await placeOrder(biz, { customer: { id, name: 'Ada', email: 'ada@old.example', phone: '+15550001000', locale: 'zh-HK' } });
    await biz.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: 'ada@new.example' });
    const me = await api.get('/v1/customers/me');
    expect(me.body).toEqual({ id, name: 'Ada', email: 'ada@new.example', phone: '+15550001000', locale: 'zh-HK' });
    expect(me.headers.get('cache-control')).toBe('no-store');
  });
});

describe('erasure', () => {
  it('removes the confirmed and self-set addresses and the codes', async () => {
    const { id, api } = await customer();
    const address = emailAddress();
    const phone = phoneNumber();
    await placeOrder(api, { customer: { id, email: address } });
    await api.put(`/v1/customers/${id}/preferences`, { email: true, sms: true, phone });
    const code = await codeSentTo(api, { email: address });
    expect((await api.post('/v1/customers/me/contact', { email: address, code })).status).toBe(200);
    await codeSentTo(api, { phone });
    const { contacts } = server.node.parts.store;
    expect((await contacts.contactStanding(tenant.id, id, null)).confirmed).toEqual([{ kind: 'email', address }]);

    expect((await biz.delete(`/v1/customers/${id}/personal-data`)).status).toBe(200);
    expect(await contacts.contactStanding(tenant.id, id, null)).toEqual({ preferences: [], order: [], confirmed: [] });
    expect(await contacts.tryCode(tenant.id, id, 'phone', phone)).toBeNull();
    expect(await contacts.eraseContacts(tenant.id, id)).toBe(false);
  });
});

describe('the retention sweep', () => {
  it('removes the addresses customers put on the orders it erases, confirmations older than the retention, and old codes', async () => {
    const kept = await createTenant(server.url, 'Kept');
    const keptBiz = client(server.url, kept.apiKey);
    expect((await keptBiz.put('/v1/tenants/me/settings', { retention_days: 1 })).status).toBe(200);
    const id = unique('cust');
    const api = client(server.url, await kept.token('customer', id));
    const onOrder = emailAddress();
    const confirmed = emailAddress();
    const pending = emailAddress();
    const order = await placeOrder(api, { customer: { id, email: onOrder } });
    await postStatus(keptBiz, order.id, 'delivered');
    const code = await codeSentTo(api, { email: confirmed });
    expect((await api.post('/v1/customers/me/contact', { email: confirmed, code })).status).toBe(200);
    await codeSentTo(api, { email: pending });
    const { contacts } = server.node.parts.store;
    expect(await contacts.contactStanding(kept.id, id, order.id)).toMatchObject({
      order: [{ kind: 'email', address: onOrder }],
      confirmed: [{ kind: 'email', address: confirmed }],
    });

    sweepOffsetMs = 2 * 24 * 3_600_000;
    expect(await server.node.parts.retention.sweep()).toBe(1);
    const standing = await contacts.contactStanding(kept.id, id, order.id);
    expect(standing.order).toEqual([]);
    expect(standing.confirmed).toEqual([]);
    expect(await contacts.tryCode(kept.id, id, 'email', pending)).toBeNull();
  });
});
