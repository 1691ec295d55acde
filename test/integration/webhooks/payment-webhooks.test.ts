/**
 * `payment.updated` webhooks (API.md "Payments" and "Webhooks"): a payment transaction recorded on an order owes its
 * messages in the same write, and each endpoint subscribed to the type gets one per transaction, signed like every
 * other message, with the order (its payment as the transaction left it) and the transaction. On the embedded store
 * and on PostgreSQL, with a real node, real Redis and real receivers on 127.0.0.1.
 */
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { dropPrefix } from '../../support/redis-keys';
import { createTenant, type Tenant } from '../../support/tenant';
import { deliveries, type ReceivedWebhook, type Receiver, registerWebhook, startReceiver, verifies } from '../../support/webhooks';

jest.setTimeout(60_000);

const HKD = (value: number) => ({ value, currency: 'HKD' });
const paymentUpdated = (request: ReceivedWebhook) => request.body.type === 'payment.updated';

describe.each([
  ['SQLite', () => null as string | null],
  ['PostgreSQL', () => freshSchema('paywh')],
] as const)('payment.updated on %s', (_store, chooseSchema) => {
  let server: TestNode;
  let schema: string | null;
  let prefix: string;
  let tenant: Tenant;
  let biz: Client;
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    schema = chooseSchema();
    prefix = unique('paywh');
    server = await startTestNode({
      env: { ...(schema ? postgresEnv(schema) : {}), REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' },
    });
    tenant = await createTenant(server.url, unique('shop'));
    biz = client(server.url, tenant.apiKey);
  });

  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  afterAll(async () => {
    await server?.close();
    if (schema) await dropSchema(schema);
    await dropPrefix(prefix);
  });

  async function receiver(): Promise<Receiver> {
    const started = await startReceiver();
    receivers.push(started);
    return started;
  }

  it('one message per transaction, signed, with the order and the transaction; a repeated event_id sends none more', async () => {
    const payments = await receiver();
    const statuses = await receiver();
    const endpoint = await registerWebhook(biz, payments.url, ['payment.updated']);
    const other = await registerWebhook(biz, statuses.url, ['order.status_changed']);
    expect((await biz.get(`/v1/webhooks/${endpoint.id}`)).body.events).toEqual(['payment.updated']);

    const courierId = unique('k');
    const courier = client(server.url, await tenant.token('courier', courierId));
    const { id } = await placeOrder(biz, { amount: HKD(12900), payment: { method: 'cash' } });
    await assignCourier(biz, id, courierId);
    await postStatus(biz, id, 'out_for_delivery');

    const collect = { event_id: unique('cash'), kind: 'cod_collected', amount: HKD(12900) };
    const first = await courier.post(`/v1/orders/${id}/payments`, collect);
    expect(first.status).toBe(201);
    // The courier's app sends it again (it never heard the answer): the same transaction, no second message.
    const again = await courier.post(`/v1/orders/${id}/payments`, collect);
    expect(again.body).toEqual(first.body);

    const [message] = await payments.waitFor(1, paymentUpdated);
    expect(verifies(message!, endpoint.secret)).toBe(true);
    expect(message!.id).toMatch(/^msg_/);
    expect(message!.body).toEqual({
      type: 'payment.updated',
      timestamp: first.body.recorded_at,
      data: {
        order: expect.objectContaining({
          id,
          status: 'out_for_delivery',
          payment: expect.objectContaining({ status: 'cod_collected', method: 'cash', amount_due: HKD(12900), amount_paid: HKD(12900) }),
        }),
        transaction: first.body,
      },
    });

    // A second transaction (the rest of a split collection) is a message of its own.
    const second = await biz.post(`/v1/orders/${id}/payments`, { event_id: unique('cash'), kind: 'cod_collected', amount: HKD(100) });
    expect(second.status).toBe(201);
    const both = await payments.waitFor(2, paymentUpdated);
    expect(both[1]!.body.data.transaction).toEqual(second.body);
    expect(both[1]!.body.data.order.payment.amount_paid).toEqual(HKD(13000));
    expect(both[1]!.id).not.toBe(message!.id);

    // Every message owed is in the log and sent: exactly these two, once each.
    await eventually(async () => {
      const log = await deliveries(biz, endpoint.id);
      return log.length === 2 && log.every((line) => line.status === 'succeeded');
    }, 'both messages succeeded');
    const log = await deliveries(biz, endpoint.id, `order_id=${id}`);
    expect(log.map((line) => [line.type, line.order_id, line.seq]).sort()).toEqual([
      ['payment.updated', id, null],
      ['payment.updated', id, null],
    ]);
    expect(payments.received.filter(paymentUpdated).map((request) => request.id).sort()).toEqual(log.map((line) => line.id).sort());
    expect(payments.received.every(paymentUpdated)).toBe(true);

    // The endpoint that did not ask for payment.updated hears of the order's status changes only.
    await eventually(async () => (await deliveries(biz, other.id, `order_id=${id}`)).every((line) => line.status === 'succeeded'), 'status messages sent');
    expect(new Set(statuses.received.map((request) => request.body.type))).toEqual(new Set(['order.status_changed']));
  });

  it('an endpoint registered with payment.updated and other types, or patched to it, gets it', async () => {
    const hooks = await receiver();
    const endpoint = await registerWebhook(biz, hooks.url, ['order.assigned']);
    const patched = await biz.patch(`/v1/webhooks/${endpoint.id}`, { events: ['order.assigned', 'payment.updated'] });
    expect(patched.body.events).toEqual(['order.assigned', 'payment.updated']);
    const { id } = await placeOrder(biz, { amount: HKD(5000), payment: { method: 'cash' } });
    const paid = await biz.post(`/v1/orders/${id}/payments`, { event_id: unique('cash'), kind: 'cod_collected', amount: HKD(5000) });
    expect(paid.status).toBe(201);
    const [message] = await hooks.waitFor(1, paymentUpdated);
    expect(message!.body.data.transaction).toEqual(paid.body);
    expect(message!.body.data.order.payment.status).toBe('cod_collected');
    expect(verifies(message!, endpoint.secret)).toBe(true);
  });

  it('an unknown event type is still refused', async () => {
    const hooks = await receiver();
    expectError(await biz.post('/v1/webhooks', { url: hooks.url, events: ['payment.updated', 'payment.maybe'] }), 400, 'validation_failed');
  });
});
