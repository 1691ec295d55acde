/**
 * Payment providers' verified events (API.md "Payments") on a real node: handed to the node's provider event sink as
 * the provider route does once a notification checks out, applied to the order they name through its actor, each once,
 * whatever the order of arrival; those naming no known order kept as unmatched, listed, exported and matched by hand;
 * `payment.updated` and `payment_update` told; loyalty on what was paid. On SQLite and PostgreSQL, with real Redis.
 */
import type { ProviderEvent, PaymentProviderName } from '../../../src/payments/provider-event';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { entriesOf, getAccount } from '../../support/loyalty';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { dropPrefix } from '../../support/redis-keys';
import { closeAllSockets, collect, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';
import { registerWebhook, startReceiver, verifies, type ReceivedWebhook, type Receiver } from '../../support/webhooks';

jest.setTimeout(60_000);

const HKD = (value: number) => ({ value, currency: 'HKD' });
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

describe.each([
  ['SQLite', () => null as string | null],
  ['PostgreSQL', () => freshSchema('payev')],
] as const)('provider events on %s', (_store, chooseSchema) => {
  let server: TestNode;
  let schema: string | null;
  let prefix: string;
  let tenant: Tenant;
  let biz: Client;
  const receivers: Receiver[] = [];
  const stripe = { id: 'pp_stripe', name: 'stripe' as PaymentProviderName };

  beforeAll(async () => {
    schema = chooseSchema();
    prefix = unique('payev');
    server = await startTestNode({
      env: { ...(schema ? postgresEnv(schema) : {}), REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' },
    });
    tenant = await createTenant(server.url, unique('shop'));
    biz = client(server.url, tenant.apiKey);
  });

  afterEach(async () => {
    closeAllSockets();
    while (receivers.length) await receivers.pop()!.close();
  });

  afterAll(async () => {
    await server?.close();
    if (schema) await dropSchema(schema);
    await dropPrefix(prefix);
  });

  function event(orderRef: string | null, kind: ProviderEvent['kind'], value: number, minute: number, currency = 'HKD'): ProviderEvent {
    return {
      provider: 'stripe', event_id: unique('evt'), kind, order_ref: orderRef, amount: { value, currency }, occurred_at: at(minute),
      method: 'card', reference: 'pi_1',
    };
  }

  function apply(...events: ProviderEvent[]): Promise<void> {
    return server.node.parts.payments!.applyProviderEvents(tenant.id, stripe, events);
  }

  async function payment(orderId: string) {
    return (await biz.get(`/v1/orders/${orderId}`)).body.payment;
  }

  it('applies each event once, in any order of arrival; a late one never undoes a later state; the order is found by external_id too', async () => {
    const { id } = await placeOrder(biz, { amount: HKD(10000), external_id: unique('ext') });
    const order = (await biz.get(`/v1/orders/${id}`)).body;
    const authorization = event(id, 'authorization', 10000, 1);
    const capture = event(order.external_id, 'capture', 10000, 2);
    const refund = event(id, 'refund', 2500, 3);
    await apply(refund, capture);
    expect(await payment(id)).toMatchObject({
      status: 'partially_refunded', method: 'card', amount_paid: HKD(10000), amount_refunded: HKD(2500), provider: 'stripe',
    });
    await apply(authorization, capture, refund, event(id, 'failure', 10000, 4));
    expect(await payment(id)).toMatchObject({ status: 'partially_refunded', amount_paid: HKD(10000), amount_refunded: HKD(2500) });
    // Beyond what was paid: the refund is kept, only what was left of the payment is applied.
    const over = event(id, 'refund', 9000, 5);
    await apply(over);
    expect(await payment(id)).toMatchObject({ status: 'refunded', amount_refunded: HKD(10000) });
    // In another currency: kept, and nothing moves.
    const usd = event(id, 'capture', 500, 6, 'USD');
    await apply(usd);
    expect(await payment(id)).toMatchObject({ status: 'refunded', amount_paid: HKD(10000) });

    const listed = await biz.get(`/v1/payments/transactions?order_id=${id}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: { kind: string }) => item.kind).sort()).toEqual(['authorization', 'capture', 'capture', 'failure', 'refund', 'refund']);
    expect(listed.body.items).toHaveLength(6);
    expect(listed.body.items.find((item: { provider_event_id: string }) => item.provider_event_id === refund.event_id)).toEqual({
      id: expect.stringMatching(/^txn_/), order_id: id, provider: 'stripe', provider_event_id: refund.event_id, kind: 'refund',
      amount: HKD(2500), occurred_at: at(3), recorded_at: expect.any(String), courier_id: null,
    });
  });

  it('a cash on delivery order is left to its courier', async () => {
    const { id } = await placeOrder(biz, { amount: HKD(10000), payment: { method: 'cash' } });
    await apply(event(id, 'capture', 10000, 1));
    expect(await payment(id)).toMatchObject({ status: 'cod_due', amount_paid: null });
    expect((await biz.get(`/v1/payments/transactions?order_id=${id}`)).body.items).toHaveLength(1);
  });

  it('keeps an event naming no known order as unmatched: listed, counted, exported, and matched by hand once', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    const before = (await biz.get(`/v1/reports/payments?from=${from}&to=${new Date(Date.now() + 3600_000).toISOString()}`)).body.unmatched;
    const stray = event('no-such-order', 'capture', 4200, 1);
    const nameless = event(null, 'refund', 100, 2);
    await apply(stray, nameless, stray);
    const unmatched = await biz.get(`/v1/payments/transactions?match=unmatched&from=${from}`);
    expect(unmatched.body.items.map((item: { provider_event_id: string }) => item.provider_event_id)).toEqual(
      expect.arrayContaining([stray.event_id, nameless.event_id]),
    );
    const strayTxn = unmatched.body.items.find((item: { provider_event_id: string }) => item.provider_event_id === stray.event_id);
    expect(strayTxn).toMatchObject({ order_id: null, provider: 'stripe', kind: 'capture', amount: HKD(4200) });
    const to = new Date(Date.now() + 3600_000).toISOString();
    expect((await biz.get(`/v1/reports/payments?from=${from}&to=${to}`)).body.unmatched).toBe(before + 2);

    // Paged one by one, every transaction comes once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await biz.get(
        `/v1/payments/transactions?match=unmatched&from=${from}&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.items.map((item) => item.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(unmatched.body.items.map((item: { id: string }) => item.id));

    const csv = await biz.get(`/v1/payments/transactions.csv?match=unmatched&from=${from}`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (csv.body as string).trim().split('\n');
    expect(lines[0]).toBe('id,order_id,provider,provider_event_id,kind,amount_value,amount_currency,occurred_at,recorded_at,courier_id');
    expect(lines.slice(1)).toContain(`${strayTxn.id},,stripe,${stray.event_id},capture,4200,HKD,${at(1)},${strayTxn.recorded_at},`);
    expect(lines).toHaveLength(seen.length + 1);

    const { id } = await placeOrder(biz, { amount: HKD(4200) });
    const matched = await biz.post(`/v1/payments/transactions/${strayTxn.id}/match`, { order_id: id });
    expect(matched.status).toBe(200);
    expect(matched.body).toEqual({ ...strayTxn, order_id: id });
    expect(await payment(id)).toMatchObject({ status: 'paid', amount_paid: HKD(4200) });
    expectError(await biz.post(`/v1/payments/transactions/${strayTxn.id}/match`, { order_id: id }), 409, 'illegal_transition');
    expectError(await biz.post(`/v1/payments/transactions/txn_none/match`, { order_id: id }), 404, 'not_found');
    expectError(await biz.post(`/v1/payments/transactions/${strayTxn.id}/match`, {}), 400, 'validation_failed');
    expect((await biz.get(`/v1/reports/payments?from=${from}&to=${to}`)).body.unmatched).toBe(before + 1);
    // The same event again, now that it names an order, changes nothing.
    await apply({ ...stray, order_ref: id });
    expect((await biz.get(`/v1/payments/transactions?order_id=${id}`)).body.items).toHaveLength(1);

    // Another tenant sees none of it and cannot match it.
    const other = await createTenant(server.url, unique('other'));
    const otherBiz = client(server.url, other.apiKey);
    expect((await otherBiz.get('/v1/payments/transactions')).body).toEqual({ items: [], next_cursor: null });
    const nameTxn = unmatched.body.items.find((item: { provider_event_id: string }) => item.provider_event_id === nameless.event_id);
    const theirs = await placeOrder(otherBiz, { amount: HKD(100) });
    expectError(await otherBiz.post(`/v1/payments/transactions/${nameTxn.id}/match`, { order_id: theirs.id }), 404, 'not_found');
    // A customer may not read the transactions.
    const customer = client(server.url, await tenant.token('customer', unique('c')));
    expectError(await customer.get('/v1/payments/transactions'), 403, 'forbidden');
    expectError(await biz.get('/v1/payments/transactions?match=some'), 400, 'validation_failed');
    expectError(await biz.get('/v1/payments/transactions?cursor=bogus'), 400, 'validation_failed');
  });

  it('tells payment.updated and payment_update to the order\'s watchers and the tenant feed; a repeat tells nothing', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const endpoint = await registerWebhook(biz, receiver.url, ['payment.updated']);
    const { id } = await placeOrder(biz, { amount: HKD(10000) });
    const watcher = await connectSocket(server.url, await tenant.token('staff', unique('s')));
    await subscribeOk(watcher, id);
    const feed = await connectSocket(server.url, tenant.apiKey);
    const heard = collect(watcher, 'payment_update', 1);
    const fed = collect(feed, 'payment_update', 1);
    const capture = event(id, 'capture', 10000, 1);
    await apply(capture);
    const expected = { order_id: id, payment: expect.objectContaining({ status: 'paid', amount_paid: HKD(10000) }) };
    expect(await heard).toEqual([expected]);
    expect(await fed).toEqual([expected]);
    const [message] = await receiver.waitFor(1, (request: ReceivedWebhook) => request.body.type === 'payment.updated');
    expect(verifies(message!, endpoint.secret)).toBe(true);
    expect(message!.body.data).toEqual({
      order: expect.objectContaining({ id, payment: expect.objectContaining({ status: 'paid' }) }),
      transaction: expect.objectContaining({ order_id: id, provider: 'stripe', provider_event_id: capture.event_id, kind: 'capture' }),
    });
    // The repeat: nothing more is told; the next change is the next thing heard.
    await apply(capture);
    const next = collect(watcher, 'payment_update', 1);
    await apply(event(id, 'refund', 10000, 2));
    expect(await next).toEqual([{ order_id: id, payment: expect.objectContaining({ status: 'refunded' }) }]);
    const messages = await receiver.waitFor(2, (request: ReceivedWebhook) => request.body.type === 'payment.updated');
    expect(messages[1]!.body.data.transaction.kind).toBe('refund');
  });

  it('with loyalty_basis paid, points are on what was paid less refunds, and a refund after delivery takes its share back', async () => {
    const shop = await createTenant(server.url, unique('paid'));
    const shopBiz = client(server.url, shop.apiKey);
    expect((await shopBiz.get('/v1/tenants/me/settings')).body.loyalty_basis).toBe('amount');
    const put = await shopBiz.put('/v1/tenants/me/settings', { loyalty_basis: 'paid' });
    expect(put.status).toBe(200);
    expect(put.body.loyalty_basis).toBe('paid');
    expectError(await shopBiz.put('/v1/tenants/me/settings', { loyalty_basis: 'owed' }), 400, 'validation_failed');
    const customerId = unique('cust');
    const { id } = await placeOrder(shopBiz, { amount: HKD(20000), customer: { id: customerId } });
    const applyShop = (...events: ProviderEvent[]) => server.node.parts.payments!.applyProviderEvents(shop.id, stripe, events);
    await applyShop(event(id, 'capture', 15000, 1), event(id, 'refund', 5000, 2));
    await postStatus(shopBiz, id, 'delivered');
    // 150.00 paid less 50.00 refunded: 100 points, not the amount's 200.
    let account = await getAccount(server.url, shop.apiKey, customerId);
    expect(entriesOf(account, 'accrual').map((entry) => entry.delta)).toEqual([100]);
    // A refund of 30.00 after delivery takes 30 back; repeated, nothing more.
    const late = event(id, 'refund', 3000, 3);
    await applyShop(late, late);
    account = await getAccount(server.url, shop.apiKey, customerId);
    expect(entriesOf(account, 'reversal').map((entry) => entry.delta)).toEqual([-30]);
    expect(account.balance).toBe(70);
    // The return takes back what is left of the accrual, not all of it again.
    await postStatus(shopBiz, id, 'returned');
    account = await getAccount(server.url, shop.apiKey, customerId);
    expect(entriesOf(account, 'reversal').map((entry) => entry.delta).sort((a, b) => a - b)).toEqual([-70, -30]);
    expect(account.balance).toBe(0);

    // With the default basis, the amount earns the points whatever was paid.
    const other = unique('cust');
    const second = await placeOrder(biz, { amount: HKD(20000), customer: { id: other } });
    await apply(event(second.id, 'capture', 5000, 1));
    await postStatus(biz, second.id, 'delivered');
    expect((await getAccount(server.url, tenant.apiKey, other)).balance).toBe(200);
  });
});
