import { createHmac } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { expectError } from '../../support/expect-error';
import { client, request, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { createTenant, type Tenant } from '../../support/tenant';
import {
  PAYMENT_PROVIDERS,
  SignatureError,
  type PaymentProviderName,
  type ProviderCredentials,
  type ProviderEvent,
  type ProviderEventSink,
  type ProviderNotification,
  type VerifiedNotification,
} from '../../../src/payments/provider-event';
import type { ProviderVerifiers } from '../../../src/http/deps';

const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

/** Credentials of each kind, each with one secret the test verifier signs with. */
const CREDENTIALS: { [P in PaymentProviderName]: ProviderCredentials[P] } = {
  stripe: { webhook_secret: 'whsec_stripe-secret-0001' },
  adyen: { hmac_key: '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056' },
  checkout: { webhook_secret: 'cko-signature-key-0001' },
  square: { signature_key: 'square-signature-key-0001', notification_url: 'https://shop.example/square' },
  razorpay: { webhook_secret: 'razorpay-secret-0001' },
  braintree: { public_key: 'bt-public', private_key: 'bt-private-key-0001', merchant_id: 'bt-merchant' },
};

function secretOf(credentials: ProviderCredentials[PaymentProviderName]): string {
  if ('webhook_secret' in credentials) return credentials.webhook_secret;
  if ('hmac_key' in credentials) return credentials.hmac_key;
  if ('signature_key' in credentials) return credentials.signature_key;
  return credentials.private_key;
}

const sign = (secret: string, body: string | Buffer) => createHmac('sha256', secret).update(body).digest('hex');

/**
 * The verifiers the node is given: each checks `x-test-signature` (HMAC-SHA256 of the raw body with the provider's
 * secret) and reads `{ "events": [...] }` from a JSON body; Adyen's answers `[accepted]`, as Adyen expects.
 */
function testVerifier(provider: PaymentProviderName) {
  return (notification: ProviderNotification, credentials: ProviderCredentials[PaymentProviderName]): VerifiedNotification => {
    const given = notification.headers['x-test-signature'];
    if (given !== sign(secretOf(credentials), notification.rawBody)) throw new SignatureError('signature mismatch');
    const text = notification.rawBody.toString('utf8');
    const events = (provider === 'braintree' ? [] : (JSON.parse(text) as { events: ProviderEvent[] }).events).map((event) => ({ ...event, provider }));
    return provider === 'adyen' ? { events, answer: { body: '[accepted]', contentType: 'text/plain' } } : { events };
  };
}
const VERIFIERS = Object.fromEntries(PAYMENT_PROVIDERS.map((provider) => [provider, testVerifier(provider)])) as unknown as ProviderVerifiers;

/** A sink that records what arrives. */
class RecordingSink implements ProviderEventSink {
  readonly received: Array<{ tenantId: string; provider: { id: string; name: PaymentProviderName }; events: ProviderEvent[] }> = [];
  async applyProviderEvents(tenantId: string, provider: { id: string; name: PaymentProviderName }, events: ProviderEvent[]): Promise<void> {
    this.received.push({ tenantId, provider, events });
  }
}

const providerEvent = (overrides: Partial<ProviderEvent> = {}): ProviderEvent => ({
  provider: 'stripe',
  event_id: unique('evt'),
  kind: 'capture',
  order_ref: 'ord_1',
  amount: { value: 1250, currency: 'HKD' },
  occurred_at: new Date().toISOString(),
  method: 'card',
  reference: 'ch_1',
  ...overrides,
});

interface Created {
  id: string;
  provider: PaymentProviderName;
  name: string;
  webhook_url: string;
}

describe('payment providers', () => {
  let server: TestNode;
  let a: Tenant;
  let bizA: Client;
  let bizB: Client;
  const sink = new RecordingSink();

  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('pp'), SECRETS_KEY }, providerEvents: sink, verifiers: VERIFIERS });
    a = await createTenant(server.url, 'A');
    bizA = client(server.url, a.apiKey);
    bizB = client(server.url, (await createTenant(server.url, 'B')).apiKey);
  });
  afterAll(() => server.close());

  async function register(api: Client, provider: PaymentProviderName, name?: string): Promise<Created> {
    const created = await api.post('/v1/payment-providers', { provider, ...(name ? { name } : {}), credentials: CREDENTIALS[provider] });
    expect(created.status).toBe(201);
    return created.body as Created;
  }

  function notify(id: string, body: string, signature: string | null, contentType = 'application/json') {
    return request(server.url, 'POST', `/v1/payment-providers/${id}/events`, {
      rawBody: body,
      headers: { 'content-type': contentType, ...(signature === null ? {} : { 'x-test-signature': signature }) },
    });
  }

  it('registers each provider with its webhook URL and never shows its credentials again', async () => {
    for (const provider of PAYMENT_PROVIDERS) {
      const created = await register(bizA, provider, `${provider} main`);
      expect(created).toEqual({
        id: expect.stringMatching(/^pp_/),
        provider,
        name: `${provider} main`,
        enabled: true,
        webhook_url: `${server.url}/v1/payment-providers/${created.id}/events`,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const read = await bizA.get(`/v1/payment-providers/${created.id}`);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created);
    }
    const listed = await bizA.get('/v1/payment-providers');
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: Created) => item.provider)).toEqual([...PAYMENT_PROVIDERS]);
    const everything = JSON.stringify(listed.body);
    for (const credentials of Object.values(CREDENTIALS)) expect(everything).not.toContain(secretOf(credentials));
    expect(everything).not.toContain('credentials');
  });

  it('names a provider after its kind when no name is given', async () => {
    expect((await register(bizA, 'checkout')).name).toBe('Checkout.com');
  });

  it("refuses credentials not of the provider's form, and anything else malformed, keeping nothing", async () => {
    const before = (await bizA.get('/v1/payment-providers')).body.items.length;
    const bad = [
      { provider: 'adyen', credentials: { hmac_key: 'not-hex' } },
      { provider: 'square', credentials: { signature_key: 'k', notification_url: 'http://shop.example/square' } },
      { provider: 'stripe', credentials: { webhook_secret: 'whsec_x', extra: 1 } },
      { provider: 'stripe', credentials: { hmac_key: 'AB'.repeat(16) } },
      { provider: 'braintree', credentials: { public_key: 'p', private_key: 'k' } },
      { provider: 'paypal', credentials: { webhook_secret: 'x' } },
      { provider: 'stripe', name: '', credentials: CREDENTIALS.stripe },
      { provider: 'stripe' },
    ];
    for (const body of bad) expectError(await bizA.post('/v1/payment-providers', body), 400, 'validation_failed');
    const adyen = await bizA.post('/v1/payment-providers', bad[0]);
    expect(adyen.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'credentials.hmac_key' })]));
    expect((await bizA.get('/v1/payment-providers')).body.items).toHaveLength(before);
  });

  it("changes a provider's name, credentials and state; checks new credentials against its kind", async () => {
    const created = await register(bizA, 'stripe');
    const renamed = await bizA.patch(`/v1/payment-providers/${created.id}`, { name: 'Stripe HK' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: created.id, name: 'Stripe HK', provider: 'stripe', enabled: true });
    const wrongKind = await bizA.patch(`/v1/payment-providers/${created.id}`, { credentials: CREDENTIALS.adyen });
    expectError(wrongKind, 400, 'validation_failed');
    expectError(await bizA.patch(`/v1/payment-providers/${created.id}`, {}), 400, 'validation_failed');
    expectError(await bizA.patch(`/v1/payment-providers/${created.id}`, { provider: 'adyen' }), 400, 'validation_failed');
    // New credentials: the old secret no longer verifies, the new one does.
    const rotated = await bizA.patch(`/v1/payment-providers/${created.id}`, { credentials: { webhook_secret: 'whsec_rotated' } });
    expect(rotated.status).toBe(200);
    expect(JSON.stringify(rotated.body)).not.toContain('whsec_rotated');
    const body = JSON.stringify({ events: [] });
    expectError(await notify(created.id, body, sign(CREDENTIALS.stripe.webhook_secret, body)), 401, 'unauthorized');
    expect((await notify(created.id, body, sign('whsec_rotated', body))).status).toBe(200);
  });

  it("hides another tenant's providers and lets only the business manage them", async () => {
    const created = await register(bizA, 'razorpay');
    expectError(await bizB.get(`/v1/payment-providers/${created.id}`), 404, 'not_found');
    expectError(await bizB.patch(`/v1/payment-providers/${created.id}`, { name: 'mine' }), 404, 'not_found');
    expectError(await bizB.delete(`/v1/payment-providers/${created.id}`), 404, 'not_found');
    expect((await bizB.get('/v1/payment-providers')).body.items).toEqual([]);
    const staff = client(server.url, await a.token('staff', 'st1'));
    expectError(await staff.get('/v1/payment-providers'), 403, 'forbidden');
    expectError(await staff.post('/v1/payment-providers', { provider: 'stripe', credentials: CREDENTIALS.stripe }), 403, 'forbidden');
    const courier = client(server.url, await a.token('courier', 'k1'));
    expectError(await courier.get(`/v1/payment-providers/${created.id}`), 403, 'forbidden');
    expectError(await request(server.url, 'GET', '/v1/payment-providers'), 401, 'unauthorized');
  });

  it('holds at most 20 providers per tenant', async () => {
    const tenant = client(server.url, (await createTenant(server.url, 'Many')).apiKey);
    for (let i = 0; i < 20; i++) await register(tenant, 'stripe', `n${i}`);
    expectError(await tenant.post('/v1/payment-providers', { provider: 'adyen', credentials: CREDENTIALS.adyen }), 409, 'limit_reached');
    expect((await tenant.get('/v1/payment-providers')).body.items).toHaveLength(20);
    const first = (await tenant.get('/v1/payment-providers')).body.items[0] as Created;
    expect((await tenant.delete(`/v1/payment-providers/${first.id}`)).status).toBe(204);
    await register(tenant, 'adyen');
  });

  it('hands a verified notification to the sink and answers {}', async () => {
    const created = await register(bizA, 'stripe');
    const event = providerEvent();
    const body = JSON.stringify({ events: [event] });
    const answered = await notify(created.id, body, sign(CREDENTIALS.stripe.webhook_secret, body));
    expect(answered.status).toBe(200);
    expect(answered.body).toEqual({});
    expect(sink.received.filter((entry) => entry.provider.id === created.id)).toEqual([
      { tenantId: a.id, provider: { id: created.id, name: 'stripe' }, events: [event] },
    ]);
  });

  it("answers what the provider expects (Adyen: [accepted]) and takes a form body (Braintree)", async () => {
    const adyen = await register(bizA, 'adyen');
    const body = JSON.stringify({ events: [providerEvent({ provider: 'adyen' })] });
    const answered = await notify(adyen.id, body, sign(CREDENTIALS.adyen.hmac_key, body));
    expect(answered.status).toBe(200);
    expect(answered.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(answered.body).toBe('[accepted]');
    const braintree = await register(bizA, 'braintree');
    const form = 'bt_signature=abc%7Cdef&bt_payload=PHhtbD4%3D';
    const taken = await notify(braintree.id, form, sign(CREDENTIALS.braintree.private_key, form), 'application/x-www-form-urlencoded');
    expect(taken.status).toBe(200);
  });

  it('refuses a bad or missing signature with 401 and hands nothing on', async () => {
    const created = await register(bizA, 'checkout');
    const body = JSON.stringify({ events: [providerEvent({ provider: 'checkout' })] });
    expectError(await notify(created.id, body, sign('wrong-secret', body)), 401, 'unauthorized');
    expectError(await notify(created.id, body, null), 401, 'unauthorized');
    // Signed, then altered by one byte.
    expectError(await notify(created.id, body.replace('1250', '9250'), sign(CREDENTIALS.checkout.webhook_secret, body)), 401, 'unauthorized');
    expect(sink.received.filter((entry) => entry.provider.id === created.id)).toEqual([]);
  });

  it('answers 404 for an unknown or removed provider, 409 for a disabled one, handing nothing on', async () => {
    const body = JSON.stringify({ events: [providerEvent({ provider: 'square' })] });
    const signature = sign(CREDENTIALS.square.signature_key, body);
    expectError(await notify('pp_unknown', body, signature), 404, 'not_found');
    const created = await register(bizA, 'square');
    expect((await bizA.patch(`/v1/payment-providers/${created.id}`, { enabled: false })).body.enabled).toBe(false);
    expectError(await notify(created.id, body, signature), 409, 'webhook_disabled');
    expectError(await notify(created.id, body, sign('wrong', body)), 401, 'unauthorized');
    expect((await bizA.patch(`/v1/payment-providers/${created.id}`, { enabled: true })).body.enabled).toBe(true);
    expect((await notify(created.id, body, signature)).status).toBe(200);
    expect(sink.received.filter((entry) => entry.provider.id === created.id)).toHaveLength(1);
    expect((await bizA.delete(`/v1/payment-providers/${created.id}`)).status).toBe(204);
    expectError(await notify(created.id, body, signature), 404, 'not_found');
    expectError(await bizA.get(`/v1/payment-providers/${created.id}`), 404, 'not_found');
    expect(sink.received.filter((entry) => entry.provider.id === created.id)).toHaveLength(1);
  });

  it('refuses a body over 1 MiB and one of another media type', async () => {
    const created = await register(bizA, 'stripe');
    const big = JSON.stringify({ events: [], pad: 'x'.repeat(1024 * 1024) });
    expectError(await notify(created.id, big, sign(CREDENTIALS.stripe.webhook_secret, big)), 413, 'payload_too_large');
    const body = JSON.stringify({ events: [] });
    expectError(await notify(created.id, body, sign(CREDENTIALS.stripe.webhook_secret, body), 'text/csv'), 415, 'unsupported_media_type');
    expect(sink.received.filter((entry) => entry.provider.id === created.id)).toEqual([]);
  });

  it('keeps the credentials sealed in the store', async () => {
    const created = await register(bizA, 'razorpay');
    const db = new Database(path.join(server.dataDir, 'tracking.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT credentials FROM payment_providers WHERE id = ?').get(created.id) as { credentials: string };
      expect(row.credentials).toMatch(/^v1:/);
      expect(row.credentials).not.toContain(CREDENTIALS.razorpay.webhook_secret);
      expect(Buffer.from(row.credentials.slice(3), 'base64url').toString('latin1')).not.toContain(CREDENTIALS.razorpay.webhook_secret);
    } finally {
      db.close();
    }
  });
});

describe("payment providers' notification budgets", () => {
  let server: TestNode;
  let biz: Client;

  beforeAll(async () => {
    server = await startTestNode({
      env: { REDIS_PREFIX: unique('ppbudget'), RATE_LIMIT_BUSINESS: '3/min', RATE_LIMIT_ANON: '1000/s' },
      providerEvents: new RecordingSink(),
      verifiers: VERIFIERS,
    });
    biz = client(server.url, (await createTenant(server.url, 'A')).apiKey);
  });
  afterAll(() => server.close());

  it('budgets each provider on its own once its signature checks out', async () => {
    const first = (await biz.post('/v1/payment-providers', { provider: 'stripe', credentials: CREDENTIALS.stripe })).body as Created;
    const second = (await biz.post('/v1/payment-providers', { provider: 'stripe', credentials: CREDENTIALS.stripe })).body as Created;
    const body = JSON.stringify({ events: [] });
    const post = (id: string) =>
      request(server.url, 'POST', `/v1/payment-providers/${id}/events`, {
        rawBody: body,
        headers: { 'content-type': 'application/json', 'x-test-signature': sign(CREDENTIALS.stripe.webhook_secret, body) },
      });
    for (let i = 0; i < 3; i++) expect((await post(first.id)).status).toBe(200);
    const refused = await post(first.id);
    expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await post(second.id)).status).toBe(200);
  });
});
