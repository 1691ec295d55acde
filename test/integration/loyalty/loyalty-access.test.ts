/**
 * Who may read and spend points (API.md "Identities and tokens", "Loyalty", "Errors"): a customer only its own
 * account (another's is 404), staff read but never redeem, couriers and tracking links neither, another tenant's
 * business never sees this tenant's entries; only the business sets the rate, with a validated body.
 */
import { expectError } from '../../support/expect-error';
import { client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { getAccount, redeem, setRate } from '../../support/loyalty';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

let server: TestNode;
let acme: Tenant;
let rival: Tenant;
let tokens: { owner: string; neighbour: string; staff: string; courier: string; tracker: string };
let orderId: string;

beforeAll(async () => {
  server = await startTestNode({ env: { REDIS_PREFIX: unique('loyalty-access') } });
  acme = await createTenant(server.url, 'Acme');
  rival = await createTenant(server.url, 'Rival');
  // The owner has 129 points and a redemption on record.
  const order = await placeOrder(client(server.url, acme.apiKey), { customer: { id: 'owner' }, amount: { value: 12950, currency: 'HKD' } });
  orderId = order.id;
  await client(server.url, acme.apiKey).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' });
  await postStatus(client(server.url, acme.apiKey), order.id, 'delivered');
  expect((await redeem(server.url, acme.apiKey, 'owner', { points: 9, kind: 'charity', event_id: 'acme-r1' })).status).toBe(201);
  tokens = {
    owner: await acme.token('customer', 'owner'),
    neighbour: await acme.token('customer', 'neighbour'),
    staff: await acme.token('staff', 'desk'),
    courier: await acme.token('courier', 'k1'),
    tracker: order.tracking_token,
  };
});

afterAll(() => server?.close());

const loyaltyPath = (customerId: string) => `/v1/customers/${customerId}/loyalty`;

describe('reading an account', () => {
  it('the customer reads its own account; business and staff read it too, all alike', async () => {
    const own = await getAccount(server.url, tokens.owner, 'owner');
    expect(own).toMatchObject({ customer_id: 'owner', balance: 120 });
    expect(own.entries.map((entry) => [entry.reason, entry.delta])).toEqual([
      ['accrual', 129],
      ['redemption', -9],
    ]);
    expect(own.entries[0]).toEqual({ id: expect.any(String), delta: 129, reason: 'accrual', order_id: orderId, at: expect.any(String) });
    expect(own.entries[1]).toEqual({ id: expect.any(String), delta: -9, reason: 'redemption', kind: 'charity', at: expect.any(String) });
    expect(await getAccount(server.url, acme.apiKey, 'owner')).toEqual(own);
    expect(await getAccount(server.url, tokens.staff, 'owner')).toEqual(own);
  });

  it("a customer asking for another customer's account gets 404, whether that account has points or not", async () => {
    expectError(await client(server.url, tokens.neighbour).get(loyaltyPath('owner')), 404, 'not_found');
    expectError(await client(server.url, tokens.owner).get(loyaltyPath('nobody-at-all')), 404, 'not_found');
  });

  it('courier and tracking tokens may not read accounts at all (403), not even the customer of their order', async () => {
    for (const token of [tokens.courier, tokens.tracker]) {
      expectError(await client(server.url, token).get(loyaltyPath('owner')), 403, 'forbidden');
      expectError(await client(server.url, token).get(loyaltyPath('someone-else')), 403, 'forbidden');
    }
  });

  it('no or a bad token is 401', async () => {
    expectError(await request(server.url, 'GET', loyaltyPath('owner')), 401, 'unauthorized');
    expectError(await client(server.url, 'not-a-token').get(loyaltyPath('owner')), 401, 'unauthorized');
  });

  it("another tenant's business and customer of the same id never see this tenant's entries", async () => {
    const seenByRival = await client(server.url, rival.apiKey).get(loyaltyPath('owner'));
    if (seenByRival.status === 404) {
      expectError(seenByRival, 404, 'not_found');
    } else {
      expect(seenByRival.status).toBe(200);
      expect(seenByRival.body).toEqual({ customer_id: 'owner', balance: 0, entries: [] });
    }
    const rivalOwner = await rival.token('customer', 'owner');
    const own = await client(server.url, rivalOwner).get(loyaltyPath('owner'));
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ customer_id: 'owner', balance: 0, entries: [] });
    // Nor can it spend them: its own (empty) account is asked, and Acme's balance is untouched.
    expectError(await redeem(server.url, rival.apiKey, 'owner', { points: 1, kind: 'discount', event_id: 'rival-r1' }), 409, 'insufficient_points');
    expectError(await redeem(server.url, rivalOwner, 'owner', { points: 1, kind: 'discount', event_id: 'rival-r2' }), 409, 'insufficient_points');
    // The same event_id as Acme's redemption is another tenant's key, not a replay of Acme's entry.
    expectError(await redeem(server.url, rival.apiKey, 'owner', { points: 9, kind: 'charity', event_id: 'acme-r1' }), 409, 'insufficient_points');
    expect((await getAccount(server.url, acme.apiKey, 'owner')).balance).toBe(120);
  });
});

describe('redeeming', () => {
  const body = (eventId: string) => ({ points: 1, kind: 'discount', event_id: eventId });

  it('the customer redeems its own points; the business redeems for it', async () => {
    expect((await redeem(server.url, tokens.owner, 'owner', body('own-1'))).status).toBe(201);
    expect((await redeem(server.url, acme.apiKey, 'owner', body('biz-1'))).status).toBe(201);
    expect((await getAccount(server.url, tokens.owner, 'owner')).balance).toBe(118);
  });

  it("staff (403), couriers and tracking links (403) may not redeem; a customer spending another's points gets 404", async () => {
    for (const token of [tokens.staff, tokens.courier, tokens.tracker]) {
      expectError(await redeem(server.url, token, 'owner', body(`no-${token.slice(-8)}`)), 403, 'forbidden');
    }
    expectError(await redeem(server.url, tokens.neighbour, 'owner', body('theft')), 404, 'not_found');
    expectError(await request(server.url, 'POST', `${loyaltyPath('owner')}/redemptions`, { body: body('anon') }), 401, 'unauthorized');
    expect((await getAccount(server.url, acme.apiKey, 'owner')).balance).toBe(118);
  });
});

describe('PUT /v1/loyalty/settings', () => {
  it('only the business sets the rate; staff, customers, couriers and trackers get 403', async () => {
    for (const token of [tokens.staff, tokens.owner, tokens.courier, tokens.tracker]) {
      expectError(await client(server.url, token).put('/v1/loyalty/settings', { points_per_unit: 5 }), 403, 'forbidden');
    }
    expectError(await request(server.url, 'PUT', '/v1/loyalty/settings', { body: { points_per_unit: 5 } }), 401, 'unauthorized');
    await setRate(server.url, acme.apiKey, 0.5);
    // The rate applies to the next delivery: 40.00 USD at 0.5 = 20 points.
    const order = await placeOrder(client(server.url, acme.apiKey), { customer: { id: 'rated' }, amount: { value: 4000, currency: 'USD' } });
    await postStatus(client(server.url, acme.apiKey), order.id, 'delivered');
    expect((await getAccount(server.url, acme.apiKey, 'rated')).balance).toBe(20);
    await setRate(server.url, acme.apiKey, 1);
  });

  it('rejects a bad body with 400', async () => {
    const api = client(server.url, acme.apiKey);
    for (const bad of [{}, { points_per_unit: -1 }, { points_per_unit: '2' }, { points_per_unit: null }, { points_per_unit: 1, extra: true }]) {
      expectError(await api.put('/v1/loyalty/settings', bad), 400, 'validation_failed');
    }
    expectError(await api.put('/v1/loyalty/settings', undefined, { rawBody: '{"points_per_unit": 1' }), 400, 'invalid_json');
  });

  it('is documented in /openapi.json, with its body and the business role', async () => {
    const document = await request(server.url, 'GET', '/openapi.json');
    expect(document.status).toBe(200);
    const put = document.body.paths['/v1/loyalty/settings']?.put;
    expect(put).toBeDefined();
    expect(put['x-roles']).toEqual(['business']);
    expect(put.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { points_per_unit: { type: 'number' } },
      required: ['points_per_unit'],
    });
    expect(Object.keys(put.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403']));
    // The account and redemption routes are documented too.
    expect(document.body.paths['/v1/customers/{id}/loyalty']?.get).toBeDefined();
    expect(document.body.paths['/v1/customers/{id}/loyalty/redemptions']?.post).toBeDefined();
  });
});

describe('POST /v1/customers/{id}/loyalty/redemptions in /openapi.json', () => {
  it('documents the replay answer (200 with the first entry) besides 201', async () => {
    const document = await request(server.url, 'GET', '/openapi.json');
    const post = document.body.paths['/v1/customers/{id}/loyalty/redemptions']?.post;
    expect(post['x-roles']).toEqual(['business', 'customer']);
    expect(Object.keys(post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '404', '409']));
    // A replay of an event_id answers 200 (Idempotent-Replayed: true); a client generated from the document must
    // know that status too.
    expect(Object.keys(post.responses)).toContain('200');
  });
});
