/**
 * Preferences and the delivery log as resources (API.md "Notifications", "Identities and tokens", "Errors"):
 * who may set a customer's preferences, what a bad body gets, that the addresses in the preferences win over the
 * order's, and who may read an order's delivery log.
 */
import { deliveryLog } from '../../support/alerts';
import { expectError } from '../../support/expect-error';
import { type Client, client, request } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const area = notifyArea('prefs', { twilio: true, per: 'file' });
let server: TestNode;
let a: Tenant;
let b: Tenant;
let bizA: Client;
let bizB: Client;

beforeAll(async () => {
  server = await area.startNode();
  a = await createTenant(server.url, 'A');
  b = await createTenant(server.url, 'B');
  bizA = client(server.url, a.apiKey);
  bizB = client(server.url, b.apiKey);
});

const GOOD = { email: true, sms: false, email_address: 'ada@prefs.example', phone: '+15550001111' };

describe('PUT /v1/customers/:id/preferences', () => {
  it('the business sets any customer of its tenant: 200 with the stored preferences', async () => {
    const id = unique('cust');
    const response = await bizA.put(`/v1/customers/${id}/preferences`, GOOD);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ customer_id: id, ...GOOD, push: true, locale: null, updated_at: expect.any(String) });
    const minimal = await bizA.put(`/v1/customers/${id}/preferences`, { email: false, sms: true });
    expect(minimal.status).toBe(200);
    expect(minimal.body).toEqual({
      customer_id: id,
      email: false,
      sms: true,
      push: true,
      email_address: null,
      phone: null,
      locale: null,
      updated_at: expect.any(String),
    });
  });

  it('a customer sets its own (200), not another customer’s (404)', async () => {
    const id = unique('cust');
    const own = client(server.url, await a.token('customer', id));
    const response = await own.put(`/v1/customers/${id}/preferences`, GOOD);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ customer_id: id, email: true, email_address: GOOD.email_address });
    expectError(await own.put(`/v1/customers/${unique('other')}/preferences`, GOOD), 404, 'not_found');
  });

  it.each(['staff', 'courier'] as const)('%s: 403', async (role) => {
    const api = client(server.url, await a.token(role, unique(role)));
    expectError(await api.put(`/v1/customers/${unique('cust')}/preferences`, GOOD), 403, 'forbidden');
  });

  it('tracker: 403 (even for the customer of its order); admin: 403; no token: 401', async () => {
    const id = unique('cust');
    const order = await placeOrder(bizA, { customer: { id } });
    expectError(await client(server.url, order.tracking_token).put(`/v1/customers/${id}/preferences`, GOOD), 403, 'forbidden');
    expectError(await client(server.url, ADMIN_TOKEN).put(`/v1/customers/${id}/preferences`, GOOD), 403, 'forbidden');
    expectError(await client(server.url).put(`/v1/customers/${id}/preferences`, GOOD), 401, 'unauthorized');
  });

  it.each([
    ['an empty object', {}],
    ['sms missing', { email: true }],
    ['a non-boolean flag', { email: 'yes', sms: false }],
    ['an invalid email address', { email: true, sms: false, email_address: 'not-an-address' }],
    ['a phone not in E.164', { email: false, sms: true, phone: '555-0100' }],
    ['an unknown field', { email: true, sms: false, fax: true }],
    ['a non-boolean push', { email: true, sms: false, push: 'on' }],
    ['a language there are no texts in', { email: true, sms: false, locale: 'fr' }],
    ['a language tag in the wrong case', { email: true, sms: false, locale: 'zh-hk' }],
    ['an array', [true, false]],
  ])('400 validation_failed for %s', async (_what, body) => {
    expectError(await bizA.put(`/v1/customers/${unique('cust')}/preferences`, body), 400, 'validation_failed');
  });

  it('push and locale: set when given, kept when left out, the language cleared with null; the customer sees its language', async () => {
    const id = unique('cust');
    const own = client(server.url, await a.token('customer', id));
    await placeOrder(bizA, { customer: { id, locale: 'en' } });
    const set = await own.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, push: false, locale: 'ar' });
    expect(set.body).toMatchObject({ push: false, locale: 'ar' });
    expect((await own.get('/v1/customers/me')).body).toMatchObject({ locale: 'ar' });
    // A client that knows nothing of push and locale (the business's, written before them) leaves them as they are.
    expect((await bizA.put(`/v1/customers/${id}/preferences`, { email: false, sms: true })).body).toMatchObject({ email: false, push: false, locale: 'ar' });
    expect((await own.put(`/v1/customers/${id}/preferences`, { email: false, sms: true, push: true, locale: null })).body).toMatchObject({ push: true, locale: null });
    // No language chosen: the one its latest order was placed in.
    expect((await own.get('/v1/customers/me')).body).toMatchObject({ locale: 'en' });
    expect((await own.put(`/v1/customers/${id}/preferences`, { email: false, sms: true, locale: 'zh-HK' })).body).toMatchObject({ push: true, locale: 'zh-HK' });
  });

  it('400 invalid_json for a body that is not JSON', async () => {
    const response = await request(server.url, 'PUT', `/v1/customers/${unique('cust')}/preferences`, {
      token: a.apiKey,
      rawBody: '{"email": true,',
    });
    expectError(response, 400, 'invalid_json');
  });
});

describe('GET /v1/customers/:id/preferences', () => {
  it('answers the stored preferences to the business, its staff and that customer, with no-store', async () => {
    const id = unique('cust');
    expect((await bizA.put(`/v1/customers/${id}/preferences`, GOOD)).status).toBe(200);
    const own = client(server.url, await a.token('customer', id));
    for (const api of [bizA, client(server.url, await a.token('staff', unique('s'))), own]) {
      const read = await api.get(`/v1/customers/${id}/preferences`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ customer_id: id, ...GOOD, push: true, locale: null, updated_at: expect.any(String) });
      expect(read.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('a customer with none set: email and SMS off, push on (a subscription is consent), no addresses, updated_at null', async () => {
    const id = unique('cust');
    const read = await client(server.url, await a.token('customer', id)).get(`/v1/customers/${id}/preferences`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ customer_id: id, email: false, sms: false, push: true, email_address: null, phone: null, locale: null, updated_at: null });
  });

  it('another customer’s: 404; another tenant’s: its own (none); a courier: 403; no token: 401', async () => {
    const id = unique('cust');
    expect((await bizA.put(`/v1/customers/${id}/preferences`, GOOD)).status).toBe(200);
    const someoneElse = client(server.url, await a.token('customer', unique('cust')));
    expectError(await someoneElse.get(`/v1/customers/${id}/preferences`), 404, 'not_found');
    expect((await bizB.get(`/v1/customers/${id}/preferences`)).body).toMatchObject({ email: false, email_address: null, updated_at: null });
    expectError(await client(server.url, await a.token('courier', unique('k'))).get(`/v1/customers/${id}/preferences`), 403, 'forbidden');
    expectError(await client(server.url).get(`/v1/customers/${id}/preferences`), 401, 'unauthorized');
  });
});

describe('preferences steer the alerts', () => {
  it('their email address wins over the order’s, and their phone over the order’s', async () => {
    const id = unique('cust');
    const orderAddress = `${id}@order.example`;
    const preferred = `${id}@preferred.example`;
    expect((await bizA.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: preferred })).status).toBe(200);
    const order = await placeOrder(bizA, { customer: { id, email: orderAddress, phone: '+15550002221' } });
    const { seq } = await postStatus(bizA, order.id, 'shipped');
    expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
    expect(area.smtp.messagesTo(preferred)).toHaveLength(1);
    expect(area.smtp.messagesTo(orderAddress)).toEqual([]);

    // The customer switches itself to SMS on another phone, which it confirms (API.md "Customer portal": a phone a
    // customer sets itself is used once a code sent to it came back).
    const self = client(server.url, await a.token('customer', id));
    expect((await self.put(`/v1/customers/${id}/preferences`, { email: false, sms: true, phone: '+15550002222' })).status).toBe(200);
    expect((await self.post('/v1/customers/me/contact', { phone: '+15550002222' })).status).toBe(202);
    const [sent] = await area.twilio.waitForRequestsTo('+15550002222', 1);
    const code = /\b(\d{6})\b/.exec(sent!.body)?.[1];
    expect((await self.post('/v1/customers/me/contact', { phone: '+15550002222', code })).status).toBe(200);
    const { seq: next } = await postStatus(bizA, order.id, 'out_for_delivery');
    expect(await area.alerts.outcome(order.id, next)).toEqual({ kind: 'sent', channel: 'sms' });
    // The code, then the alert.
    expect(area.twilio.requests.filter((r) => r.to === '+15550002222')).toHaveLength(2);
    expect(area.twilio.requests.filter((r) => r.to === '+15550002221')).toEqual([]);
    expect(area.smtp.messagesTo(preferred)).toHaveLength(1);
  });

  it("another tenant's preferences for the same customer id change nothing", async () => {
    const id = unique('cust');
    const address = `${id}@a.example`;
    expect((await bizB.put(`/v1/customers/${id}/preferences`, { email: true, sms: true, email_address: `${id}@b.example` })).status).toBe(200);
    // In tenant A the customer opted in to nothing: the order (no `notify`) sends nothing.
    const order = await placeOrder(bizA, { customer: { id, email: address, phone: '+15550003331' } });
    const { seq } = await postStatus(bizA, order.id, 'shipped');
    expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'skipped', reason: 'no_channel' });
    expect(area.smtp.messagesTo(`${id}@b.example`)).toEqual([]);
    expect(area.smtp.messagesTo(address)).toEqual([]);
  });
});

describe('GET /v1/orders/:id/notifications', () => {
  let order: Record<string, any> & { id: string; tracking_token: string };
  let seq: number;

  beforeAll(async () => {
    const id = unique('cust');
    order = await placeOrder(bizA, { customer: { id, email: `${id}@mail.example` }, notify: { email: true, sms: false } });
    await bizA.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' });
    seq = (await postStatus(bizA, order.id, 'shipped')).seq;
    await area.alerts.outcome(order.id, seq);
  });

  it.each(['business', 'staff'] as const)('%s of the tenant: 200 with the log', async (role) => {
    const token = role === 'business' ? a.apiKey : await a.token('staff', 's1');
    expect(await deliveryLog(client(server.url, token), order.id)).toEqual([
      { channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) },
    ]);
  });

  it('the customer (owner), the assigned courier and the tracking link: 403', async () => {
    const tokens = [await a.token('customer', order.customer.id), await a.token('courier', 'k1'), order.tracking_token];
    for (const token of tokens) {
      expectError(await client(server.url, token).get(`/v1/orders/${order.id}/notifications`), 403, 'forbidden');
    }
  });

  it('another tenant (business or staff): 404; an unknown order: 404; no token: 401', async () => {
    expectError(await bizB.get(`/v1/orders/${order.id}/notifications`), 404, 'not_found');
    expectError(await client(server.url, await b.token('staff', 's1')).get(`/v1/orders/${order.id}/notifications`), 404, 'not_found');
    expectError(await bizA.get('/v1/orders/ord_unknown/notifications'), 404, 'not_found');
    expectError(await client(server.url).get(`/v1/orders/${order.id}/notifications`), 401, 'unauthorized');
  });
});
