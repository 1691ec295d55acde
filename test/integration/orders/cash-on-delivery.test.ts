/** Cash on delivery (API.md "Payments"): the order's payment from placement to the courier's collection. */
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { closeAllSockets, collect, connectSocket, subscribeOk } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';

const HKD = (value: number) => ({ value, currency: 'HKD' });

describe('cash on delivery', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let courierId: string;
  let courier: Client;

  tenantNode(async (started) => {
    ({ server, tenant, biz } = started);
    courierId = unique('k');
    courier = client(server.url, await tenant.token('courier', courierId));
  });
  afterEach(() => closeAllSockets());

  /** A cash order of 129.00 HKD assigned to the courier, moved on to `status`. */
  async function cashOrder(status: string | null = 'out_for_delivery'): Promise<string> {
    const { id } = await placeOrder(biz, { amount: HKD(12900), payment: { method: 'cash' } });
    await assignCourier(biz, id, courierId);
    if (status) await postStatus(biz, id, status);
    return id;
  }

  it('placed with cash, the order owes its amount on delivery; placed without, it has no payment', async () => {
    const cash = await placeOrder(biz, { amount: HKD(12900), payment: { method: 'cash' } });
    expect(cash.payment).toEqual({
      status: 'cod_due', method: 'cash', amount_due: HKD(12900), amount_paid: null, amount_refunded: null, provider: null,
      updated_at: cash.created_at,
    });
    const other = await placeOrder(biz, { amount: HKD(12900), payment: { method: 'cash', amount_due: HKD(5000) } });
    expect(other.payment).toMatchObject({ status: 'cod_due', amount_due: HKD(5000) });
    const none = await placeOrder(biz, { amount: HKD(12900) });
    expect(none.payment).toEqual({
      status: 'none', method: null, amount_due: null, amount_paid: null, amount_refunded: null, provider: null,
      updated_at: none.created_at,
    });
    // Read back the same way.
    expect((await biz.get(`/v1/orders/${cash.id}`)).body.payment).toEqual(cash.payment);
  });

  it('cash without an amount due or an order amount is a 400', async () => {
    const response = await biz.post('/v1/orders', { customer: { id: unique('c') }, payment: { method: 'cash' } });
    expectError(response, 400, 'validation_failed');
  });

  it("the order's courier records the cash once out for delivery; the same event id again is the same answer", async () => {
    const id = await cashOrder();
    const first = await courier.post(`/v1/orders/${id}/payments`, { event_id: 'cash-1', kind: 'cod_collected', amount: HKD(12900) });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({
      id: expect.stringMatching(/^txn_/), order_id: id, provider: null, provider_event_id: null, kind: 'cod_collected',
      amount: HKD(12900), occurred_at: expect.any(String), recorded_at: expect.any(String), courier_id: courierId,
    });
    const order = (await biz.get(`/v1/orders/${id}`)).body;
    expect(order.payment).toMatchObject({ status: 'cod_collected', method: 'cash', amount_due: HKD(12900), amount_paid: HKD(12900) });
    // The delivery status is the payment's business of its own: untouched.
    expect(order).toMatchObject({ status: 'out_for_delivery', version: 2 });

    const again = await courier.post(`/v1/orders/${id}/payments`, { event_id: 'cash-1', kind: 'cod_collected', amount: HKD(12900) });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await biz.get(`/v1/orders/${id}`)).body.payment).toEqual(order.payment);
  });

  it('a courier the order is not assigned to gets 404', async () => {
    const id = await cashOrder();
    const stranger = client(server.url, await tenant.token('courier', unique('k')));
    const response = await stranger.post(`/v1/orders/${id}/payments`, { event_id: 'x', kind: 'cod_collected', amount: HKD(12900) });
    expectError(response, 404, 'not_found');
  });

  it('before the order is out for delivery the courier is refused with 409 illegal_transition', async () => {
    const id = await cashOrder('in_transit');
    const response = await courier.post(`/v1/orders/${id}/payments`, { event_id: 'early', kind: 'cod_collected', amount: HKD(12900) });
    expectError(response, 409, 'illegal_transition');
    expect((await biz.get(`/v1/orders/${id}`)).body.payment.status).toBe('cod_due');
  });

  it('another currency than the amount due is a 400; an order not paid in cash is a 409', async () => {
    const id = await cashOrder();
    const wrong = await courier.post(`/v1/orders/${id}/payments`, { event_id: 'usd', kind: 'cod_collected', amount: { value: 1650, currency: 'USD' } });
    expectError(wrong, 400, 'validation_failed');
    const { id: card } = await placeOrder(biz, { amount: HKD(12900) });
    const notCash = await biz.post(`/v1/orders/${card}/payments`, { event_id: 'c', kind: 'cod_collected', amount: HKD(12900) });
    expectError(notCash, 409, 'illegal_transition');
  });

  it('the business may record it at any status; customers may not', async () => {
    const id = await cashOrder(null);
    const response = await biz.post(`/v1/orders/${id}/payments`, { event_id: 'office', kind: 'cod_collected', amount: HKD(12900) });
    expect(response.status).toBe(201);
    expect(response.body.courier_id).toBe(courierId);
    const customer = client(server.url, await tenant.token('customer', unique('c')));
    const refused = await customer.post(`/v1/orders/${id}/payments`, { event_id: 'me', kind: 'cod_collected', amount: HKD(12900) });
    expectError(refused, 403, 'forbidden');
  });

  it("the order's watchers and the tenant feed hear of the payment (payment_update); its tracking links do not", async () => {
    const { id, tracking_token } = await placeOrder(biz, { amount: HKD(12900), payment: { method: 'cash' } });
    await assignCourier(biz, id, courierId);
    await postStatus(biz, id, 'out_for_delivery');
    const watcher = await connectSocket(server.url, await tenant.token('staff', unique('s')));
    await subscribeOk(watcher, id);
    const feed = await connectSocket(server.url, tenant.apiKey);
    const tracker = await connectSocket(server.url, tracking_token);
    await subscribeOk(tracker, id);
    const trackerHeard: unknown[] = [];
    tracker.on('payment_update', (update: unknown) => trackerHeard.push(update));
    const heard = collect(watcher, 'payment_update', 1);
    const fed = collect(feed, 'payment_update', 1);
    await courier.post(`/v1/orders/${id}/payments`, { event_id: 'live', kind: 'cod_collected', amount: HKD(12900) });
    const expected = { order_id: id, payment: expect.objectContaining({ status: 'cod_collected', amount_paid: HKD(12900) }) };
    expect(await heard).toEqual([expected]);
    expect(await fed).toEqual([expected]);
    // A later change reaches the tracker after the payment's broadcast would have: it had none.
    const delivered = collect(tracker, 'order_status_update', 1);
    await postStatus(biz, id, 'delivered');
    expect(await delivered).toEqual([expect.objectContaining({ status: 'delivered' })]);
    expect(trackerHeard).toEqual([]);
  });
});
