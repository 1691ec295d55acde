/**
 * Customers signing in to the portal with a code (API.md "Customer portal"): `POST /v1/customer-sessions/start`
 * answers 202 alike whether or not the tenant or the customer exists, and only then sends a 6-digit code by email or
 * SMS to an address a customer of the tenant holds (on an order or in its preferences), in its language;
 * `POST /v1/customer-sessions` with the code is a customer token for 30 days, or 401 for anything wrong (5 tries a
 * code, 10 minutes, single use, 3 codes an hour per address). A real node, a real SMTP server and the Twilio stand-in.
 */
import { expectError } from '../../support/expect-error';
import { client, request, type ApiResponse, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder } from '../../support/orders';
import type { TestNode } from '../../support/node';
import { dropPrefix } from '../../support/redis-keys';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const area = notifyArea('signin', { twilio: true, per: 'file' });
let server: TestNode;
let tenant: Tenant;
let biz: Client;
let anonymous: Client;
// The clock codes are issued and checked by: tests move it past a code's expiry or the hour's window.
let offsetMs = 0;

beforeAll(async () => {
  server = await area.startNode({}, { contactClock: () => new Date(Date.now() + offsetMs) });
  tenant = await createTenant(server.url, 'Harbour Books');
  biz = client(server.url, tenant.apiKey);
  anonymous = client(server.url);
});
beforeEach(() => {
  offsetMs = 0;
});

const emailAddress = () => `${unique('reader')}@signin.example`.toLowerCase();
const phoneNumber = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

/** A customer of `on` (default: the test tenant) with an order the business placed holding `customer`'s fields. */
async function customerWith(fields: Record<string, string>, on: Client = biz): Promise<{ id: string; orderId: string }> {
  const id = unique('cust');
  const order = await placeOrder(on, { customer: { id, ...fields } });
  return { id, orderId: order.id };
}

/** Asks for a code; resolves with the answer once the node has looked the request up and sent what it sends. */
async function askCode(body: Record<string, unknown>): Promise<ApiResponse> {
  const answer = await anonymous.post('/v1/customer-sessions/start', body);
  await server.node.parts.customerSessions!.idle();
  return answer;
}

/** The code in the `nth` message to an address (email or SMS), once it arrived. */
async function codeAt(target: { email: string } | { phone: string }, nth = 1): Promise<string> {
  const text =
    'email' in target
      ? (await area.smtp.waitForMessagesTo(target.email, nth))[nth - 1]!.text
      : (await area.twilio.waitForRequestsTo(target.phone, nth))[nth - 1]!.body;
  const code = /\b(\d{6})\b/.exec(text)?.[1];
  if (!code) throw new Error(`no code in ${JSON.stringify(text)}`);
  return code;
}

/** Asks for a code to `target` at `tenantRef` and resolves with it once it arrived (the `nth` there). */
async function codeSentTo(target: { email: string } | { phone: string }, nth = 1, tenantRef = tenant.id): Promise<string> {
  expect((await askCode({ tenant: tenantRef, ...target })).status).toBe(202);
  return codeAt(target, nth);
}

/** An email's plain text with its lines ended as in the message's source (SMTP sends CRLF). */
const textOf = (message: { text: string }) => message.text.replace(/\r\n/g, '\n');
const signIn = (body: Record<string, unknown>) => anonymous.post('/v1/customer-sessions', body);
const wrongTo = (code: string) => (code === '000000' ? '000001' : '000000');
const messagesTo = (target: { email: string } | { phone: string }) =>
  'email' in target ? area.smtp.messagesTo(target.email) : area.twilio.requests.filter((sms) => sms.to === target.phone);

describe('signing in by email', () => {
  it('sends a code to the address on the customer’s order; the code is a 30-day customer token that reads that customer only', async () => {
    const email = emailAddress();
    const ada = await customerWith({ name: 'Ada', email });
    const other = await customerWith({ email: emailAddress() });
    const code = await codeSentTo({ email });
    const [message] = area.smtp.messagesTo(email);
    expect(message!.subject).toBe('Your sign-in code for Harbour Books');
    expect(textOf(message!)).toContain(`Your sign-in code is ${code}.\nIt expires in 10 minutes and works only once.`);
    expect(message!.html).toContain(code);

    const session = await signIn({ tenant: tenant.id, email, code });
    expect(session.status).toBe(201);
    expect(session.headers.get('cache-control')).toBe('no-store');
    expect(session.body).toEqual({ token: expect.any(String), expires_at: expect.any(String), customer_id: ada.id });
    const days = (Date.parse(session.body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThanOrEqual(30);

    const me = client(server.url, session.body.token);
    expect((await me.get('/v1/customers/me')).body).toEqual({ id: ada.id, name: 'Ada', email, phone: null, locale: null });
    const orders = await me.get('/v1/orders');
    expect(orders.status).toBe(200);
    expect(orders.body.items.map((order: { id: string }) => order.id)).toEqual([ada.orderId]);
    expectError(await me.get(`/v1/orders/${other.orderId}`), 404, 'not_found');
  });

  it('finds the address in any letter case, and by the tenant’s slug once it has one (no longer by its id)', async () => {
    const shop = await createTenant(server.url, 'Slug Shop');
    const shopBiz = client(server.url, shop.apiKey);
    const email = emailAddress();
    const reader = await customerWith({ email: email.toUpperCase() }, shopBiz);
    const slug = unique('slug-shop');
    expect((await shopBiz.put('/v1/tenants/me/settings', { slug })).status).toBe(200);

    expect((await askCode({ tenant: shop.id, email })).status).toBe(202);
    expect(area.smtp.messagesTo(email)).toEqual([]);
    expect((await askCode({ tenant: slug, email: email.toUpperCase() })).status).toBe(202);
    const code = await codeAt({ email });
    expect(area.smtp.messagesTo(email)).toHaveLength(1);
    expectError(await signIn({ tenant: shop.id, email, code }), 401, 'unauthorized');
    expect((await signIn({ tenant: slug, email, code })).body).toMatchObject({ customer_id: reader.id });
  });

  it('answers an unknown address, an unknown tenant and another tenant’s customer the same 202, and sends nothing', async () => {
    const known = emailAddress();
    await customerWith({ email: known });
    const elsewhere = await createTenant(server.url, 'Elsewhere');
    const theirs = emailAddress();
    await customerWith({ email: theirs }, client(server.url, elsewhere.apiKey));
    const unknown = emailAddress();

    const answers = [
      await askCode({ tenant: tenant.id, email: known }),
      await askCode({ tenant: tenant.id, email: unknown }),
      await askCode({ tenant: 'no-such-shop', email: known }),
      await askCode({ tenant: tenant.id, email: theirs }),
      await askCode({ tenant: tenant.id, phone: phoneNumber() }),
    ];
    const shape = (answer: ApiResponse) => ({
      status: answer.status,
      body: answer.body,
      type: answer.headers.get('content-type'),
      length: answer.headers.get('content-length'),
      cache: answer.headers.get('cache-control'),
    });
    for (const answer of answers) expect(shape(answer)).toEqual(shape(answers[0]!));
    expect(answers[0]!.status).toBe(202);
    expect(area.smtp.messagesTo(known)).toHaveLength(1);
    expect(area.smtp.messagesTo(unknown)).toEqual([]);
    expect(area.smtp.messagesTo(theirs)).toEqual([]);
  });

  it('refuses a wrong code 401, and after 5 tries the right one too', async () => {
    const email = emailAddress();
    await customerWith({ email });
    const code = await codeSentTo({ email });
    for (let n = 0; n < 5; n++) expectError(await signIn({ tenant: tenant.id, email, code: wrongTo(code) }), 401, 'unauthorized');
    expectError(await signIn({ tenant: tenant.id, email, code }), 401, 'unauthorized');
  });

  it('takes the right code after a few wrong ones', async () => {
    const email = emailAddress();
    const reader = await customerWith({ email });
    const code = await codeSentTo({ email });
    for (let n = 0; n < 4; n++) expectError(await signIn({ tenant: tenant.id, email, code: wrongTo(code) }), 401, 'unauthorized');
    expect((await signIn({ tenant: tenant.id, email, code })).body).toMatchObject({ customer_id: reader.id });
  });

  it('refuses a code after 10 minutes', async () => {
    const email = emailAddress();
    await customerWith({ email });
    const code = await codeSentTo({ email });
    offsetMs = 10 * 60_000 + 1000;
    expectError(await signIn({ tenant: tenant.id, email, code }), 401, 'unauthorized');
  });

  it('takes a code once', async () => {
    const email = emailAddress();
    await customerWith({ email });
    const code = await codeSentTo({ email });
    const answers = await Promise.all([1, 2, 3].map(() => signIn({ tenant: tenant.id, email, code })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 401, 401]);
    expectError(await signIn({ tenant: tenant.id, email, code }), 401, 'unauthorized');
  });

  it('sends at most 3 codes to an address an hour (the 4th asked for is not sent, answered alike); the newest replaces the older', async () => {
    const email = emailAddress();
    await customerWith({ email });
    const first = await codeSentTo({ email }, 1);
    await codeSentTo({ email }, 2);
    const third = await codeSentTo({ email }, 3);
    const fourth = await askCode({ tenant: tenant.id, email });
    expect(fourth.status).toBe(202);
    expect(area.smtp.messagesTo(email)).toHaveLength(3);
    if (first !== third) expectError(await signIn({ tenant: tenant.id, email, code: first }), 401, 'unauthorized');
    expect((await signIn({ tenant: tenant.id, email, code: third })).status).toBe(201);

    offsetMs = 3_600_000 + 1000;
    await codeSentTo({ email }, 4);
  });

  it('signs in the customer with the latest order when two share an address', async () => {
    const email = emailAddress();
    const first = await customerWith({ email });
    const second = await customerWith({ email });
    const code = await codeSentTo({ email }, 1);
    expect((await signIn({ tenant: tenant.id, email, code })).body).toMatchObject({ customer_id: second.id });
    // The first customer's later order, without the address, makes its latest order the newest.
    await placeOrder(biz, { customer: { id: first.id } });
    const again = await codeSentTo({ email }, 2);
    expect((await signIn({ tenant: tenant.id, email, code: again })).body).toMatchObject({ customer_id: first.id });
  });
});

describe('addresses in preferences, and addresses a customer set itself', () => {
  it('signs in by an address the business put in the customer’s preferences, with or without orders', async () => {
    const email = emailAddress();
    const id = unique('cust');
    expect((await biz.put(`/v1/customers/${id}/preferences`, { email: true, sms: false, email_address: email })).status).toBe(200);
    const code = await codeSentTo({ email });
    expect((await signIn({ tenant: tenant.id, email, code })).body).toMatchObject({ customer_id: id });
  });

  it('sends nothing to an address the customer typed itself until it confirmed it', async () => {
    const email = emailAddress();
    const phone = phoneNumber();
    const id = unique('cust');
    const own = client(server.url, await tenant.token('customer', id));
    await placeOrder(own, { customer: { id, email } });
    expect((await own.put(`/v1/customers/${id}/preferences`, { email: false, sms: true, phone })).status).toBe(200);
    expect((await askCode({ tenant: tenant.id, email })).status).toBe(202);
    expect((await askCode({ tenant: tenant.id, phone })).status).toBe(202);
    expect(messagesTo({ email })).toEqual([]);
    expect(messagesTo({ phone })).toEqual([]);

    // Confirmed through its own contact change: the address signs it in.
    expect((await own.post('/v1/customers/me/contact', { email })).status).toBe(202);
    const confirmation = await codeAt({ email });
    expect((await own.post('/v1/customers/me/contact', { email, code: confirmation })).status).toBe(200);
    const code = await codeSentTo({ email }, 2);
    expect((await signIn({ tenant: tenant.id, email, code })).body).toMatchObject({ customer_id: id });
  });

  it('keeps sign-in codes and confirmation codes apart: neither is taken as the other', async () => {
    const email = emailAddress();
    const reader = await customerWith({ email });
    const own = client(server.url, await tenant.token('customer', reader.id));
    const signInCode = await codeSentTo({ email });
    expectError(await own.post('/v1/customers/me/contact', { email, code: signInCode }), 400, 'invalid_code');

    expect((await own.post('/v1/customers/me/contact', { email })).status).toBe(202);
    const confirmation = await codeAt({ email }, 2);
    if (confirmation !== signInCode) expectError(await signIn({ tenant: tenant.id, email, code: confirmation }), 401, 'unauthorized');
    expect((await signIn({ tenant: tenant.id, email, code: signInCode })).status).toBe(201);
    expect((await own.post('/v1/customers/me/contact', { email, code: confirmation })).status).toBe(200);
  });
});

describe('signing in by SMS', () => {
  it('texts the code to the phone on the customer’s order, through the SMS channel', async () => {
    const phone = phoneNumber();
    const reader = await customerWith({ phone });
    const code = await codeSentTo({ phone });
    const [sms] = area.twilio.requests.filter((request) => request.to === phone);
    expect(sms!.body).toBe(`${code} is your Harbour Books sign-in code. It expires in 10 minutes. Don't share it with anyone.`);
    const session = await signIn({ tenant: tenant.id, phone, code });
    expect(session.body).toMatchObject({ customer_id: reader.id });
    expect((await client(server.url, session.body.token).get('/v1/customers/me')).body).toMatchObject({ id: reader.id, phone });
  });
});

describe('the message’s language', () => {
  it('is the customer’s locale (zh-HK, ar, by language alone), else the tenant’s default_locale, else English', async () => {
    const hongKong = emailAddress();
    await customerWith({ email: hongKong, locale: 'zh-HK' });
    const code = await codeSentTo({ email: hongKong });
    const [chinese] = area.smtp.messagesTo(hongKong);
    expect(chinese!.subject).toBe('Harbour Books 登入驗證碼');
    expect(textOf(chinese!)).toContain(`你的登入驗證碼是 ${code}。\n驗證碼 10 分鐘內有效，只可使用一次。`);
    expect(chinese!.html).toContain('lang="zh-HK"');

    const phone = phoneNumber();
    await customerWith({ phone, locale: 'zh-HK' });
    const smsCode = await codeSentTo({ phone });
    expect(messagesTo({ phone })[0]).toMatchObject({ body: `Harbour Books 登入驗證碼：${smsCode}，10 分鐘內有效。切勿向任何人透露此驗證碼。` });

    const cairo = emailAddress();
    await customerWith({ email: cairo, locale: 'ar-EG' });
    const arabicCode = await codeSentTo({ email: cairo });
    const [arabic] = area.smtp.messagesTo(cairo);
    expect(arabic!.subject).toBe('رمز تسجيل الدخول إلى Harbour Books');
    expect(textOf(arabic!)).toContain(`رمز تسجيل الدخول الخاص بك هو ${arabicCode}.\nالرمز صالح لمدة 10 دقائق ويُستخدم مرة واحدة فقط.`);
    expect(arabic!.html).toMatch(/<html[^>]* lang="ar" dir="rtl"/);

    const shop = await createTenant(server.url, 'متجر الكتب');
    const shopBiz = client(server.url, shop.apiKey);
    expect((await shopBiz.put('/v1/tenants/me/settings', { default_locale: 'ar' })).status).toBe(200);
    const french = emailAddress();
    await customerWith({ email: french, locale: 'fr' }, shopBiz);
    await codeSentTo({ email: french }, 1, shop.id);
    expect(area.smtp.messagesTo(french)[0]!.subject).toBe('رمز تسجيل الدخول إلى متجر الكتب');
  });
});

describe('what a request must be', () => {
  it.each([
    [{}],
    [{ tenant: 'shop' }],
    [{ email: 'ada@example.com' }],
    [{ tenant: 'ab', email: 'ada@example.com' }],
    [{ tenant: 'Harbour Books', email: 'ada@example.com' }],
    [{ tenant: 'shop', email: 'not-an-address' }],
    [{ tenant: 'shop', phone: '5550000001' }],
    [{ tenant: 'shop', email: 'ada@example.com', phone: '+15550000001' }],
    [{ tenant: 'shop', email: 'ada@example.com', name: 'Ada' }],
  ])('asking for a code with %j is 400 validation_failed', async (body) => {
    expectError(await anonymous.post('/v1/customer-sessions/start', body), 400, 'validation_failed');
  });

  it.each([
    [{ tenant: 'shop', email: 'ada@example.com' }],
    [{ tenant: 'shop', email: 'ada@example.com', code: '12345' }],
    [{ tenant: 'shop', email: 'ada@example.com', code: 'abcdef' }],
    [{ tenant: 'shop', code: '123456' }],
    [{ tenant: 'shop', phone: '+15550000001', email: 'ada@example.com', code: '123456' }],
  ])('signing in with %j is 400 validation_failed', async (body) => {
    expectError(await signIn(body), 400, 'validation_failed');
  });

  it('a code for nobody, or at a tenant that does not exist, is the same 401', async () => {
    const unknown = await signIn({ tenant: tenant.id, email: emailAddress(), code: '123456' });
    const nowhere = await signIn({ tenant: 'no-such-shop', email: emailAddress(), code: '123456' });
    expectError(unknown, 401, 'unauthorized');
    expect(nowhere.body).toEqual(unknown.body);
    expect(nowhere.status).toBe(401);
  });
});

describe('erasure', () => {
  it('takes the customer’s sign-in codes with it: a code sent before no longer signs in', async () => {
    const email = emailAddress();
    const reader = await customerWith({ email });
    const code = await codeSentTo({ email });
    expect((await biz.delete(`/v1/customers/${reader.id}/personal-data`)).status).toBe(200);
    expect(await server.node.parts.store.contacts.trySignInCode(tenant.id, 'email', email)).toBeNull();
    expectError(await signIn({ tenant: tenant.id, email, code }), 401, 'unauthorized');
    // Its address is gone from its orders: asking again sends nothing.
    expect((await askCode({ tenant: tenant.id, email })).status).toBe(202);
    expect(area.smtp.messagesTo(email)).toHaveLength(1);
  });
});

describe('the client address’s budget', () => {
  it('limits asking for codes and signing in per client address (429 with Retry-After)', async () => {
    // A cluster of its own (its own budgets in Redis), on the same store.
    const prefix = unique('signin-rl');
    const limited = await area.startNode({ RATE_LIMIT_ANON: '4/min', REDIS_PREFIX: prefix });
    try {
      const email = emailAddress();
      const start = () => request(limited.url, 'POST', '/v1/customer-sessions/start', { body: { tenant: tenant.id, email } });
      for (let n = 0; n < 4; n++) {
        const answer = await start();
        expect(answer.status).toBe(202);
        expect(answer.headers.get('ratelimit-remaining')).toBe(String(3 - n));
      }
      const refused = await start();
      expectError(refused, 429, 'rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      expectError(await request(limited.url, 'POST', '/v1/customer-sessions', { body: { tenant: tenant.id, email, code: '123456' } }), 429, 'rate_limited');
    } finally {
      await limited.close({ keepData: true });
      await dropPrefix(prefix);
    }
  });

});
