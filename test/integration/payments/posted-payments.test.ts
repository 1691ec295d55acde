/**
 * Payments taken elsewhere (API.md "Payments": `POST /v1/orders/:id/payments` with `kind: "payment"|"refund"`, business
 * and staff): they move the order's payment as a provider's capture and refund would, each once by its `event_id`;
 * a refund is bounded by what was paid less refunds, in the payment's currency; a cash-on-delivery order takes only its
 * cash; a courier records only cash. Refused posts change nothing.
 */
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

const HKD = (value: number) => ({ value, currency: 'HKD' });

let server: TestNode;
let tenant: Tenant;
let biz: Client;

beforeAll(async () => {
  server = await startTestNode({ env: { REDIS_PREFIX: unique('posted') } });
  tenant = await createTenant(server.url, 'Harbour Goods');
  biz = client(server.url, tenant.apiKey);
});

afterAll(async () => {
  await server?.close();
});

const paymentOf = async (orderId: string) => (await biz.get(`/v1/orders/${orderId}`)).body.payment;

it('a payment and refunds taken elsewhere move the payment, each once; an excess or another currency is refused', async () => {
  const order = await placeOrder(biz, { amount: HKD(12900) });
  const paid = await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'bank-1', kind: 'payment', amount: HKD(12900), method: 'bank_transfer', reference: 'HSBC 0042' });
  expect(paid.status).toBe(201);
  expect(paid.body).toMatchObject({ order_id: order.id, provider: null, kind: 'payment', amount: HKD(12900) });
  expect(await paymentOf(order.id)).toMatchObject({ status: 'paid', method: 'bank_transfer', amount_paid: HKD(12900), amount_refunded: null });
  // The same event_id again: the first transaction, nothing recorded.
  const again = await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'bank-1', kind: 'payment', amount: HKD(12900), method: 'bank_transfer' });
  expect(again.body.id).toBe(paid.body.id);

  const staff = client(server.url, await tenant.token('staff', 'staff-1'));
  expect((await staff.post(`/v1/orders/${order.id}/payments`, { event_id: 'refund-1', kind: 'refund', amount: HKD(2900), method: 'bank_transfer' })).status).toBe(201);
  expect(await paymentOf(order.id)).toMatchObject({ status: 'partially_refunded', amount_refunded: HKD(2900) });

  const before = await paymentOf(order.id);
  const excess = await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'refund-2', kind: 'refund', amount: HKD(10001), method: 'bank_transfer' });
  expect((expectError(excess, 400, 'validation_failed').details as Array<{ path: string }>).map((detail) => detail.path)).toEqual(['amount.value']);
  const dollars = await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'refund-3', kind: 'refund', amount: { value: 100, currency: 'USD' }, method: 'card' });
  expectError(dollars, 400, 'validation_failed');
  expect(await paymentOf(order.id)).toEqual(before);

  expect((await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'refund-4', kind: 'refund', amount: HKD(10000), method: 'bank_transfer' })).status).toBe(201);
  expect(await paymentOf(order.id)).toMatchObject({ status: 'refunded', amount_refunded: HKD(12900) });
  const kinds = (await biz.get(`/v1/payments/transactions?order_id=${order.id}`)).body.items.map((transaction: { kind: string }) => transaction.kind);
  expect(kinds.sort()).toEqual(['payment', 'refund', 'refund']);
});

it('a cash-on-delivery order takes only its cash; a courier records only cash; a payment needs its method', async () => {
  const cash = await placeOrder(biz, { amount: HKD(5000), payment: { method: 'cash' } });
  expectError(await biz.post(`/v1/orders/${cash.id}/payments`, { event_id: 'p-1', kind: 'payment', amount: HKD(5000), method: 'card' }), 409, 'illegal_transition');
  const courier = client(server.url, await tenant.token('courier', 'k-1'));
  expectError(await courier.post(`/v1/orders/${cash.id}/payments`, { event_id: 'p-2', kind: 'payment', amount: HKD(5000), method: 'cash' }), 403, 'forbidden');
  const order = await placeOrder(biz, { amount: HKD(5000) });
  expectError(await biz.post(`/v1/orders/${order.id}/payments`, { event_id: 'p-3', kind: 'payment', amount: HKD(5000) }), 400, 'validation_failed');
  expect(await paymentOf(cash.id)).toMatchObject({ status: 'cod_due' });
  expect(await paymentOf(order.id)).toMatchObject({ status: 'none' });
});
