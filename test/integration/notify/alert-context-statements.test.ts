/**
 * What deciding alerts reads on PostgreSQL: the alerts decided in one turn read everything they are decided on (the
 * order, its events, the alert's log, the customer's preferences, addresses and push subscriptions, the courier) in
 * one statement together, and decide on it as on the repositories' own reads: the courier's name in the message.
 */
import pino from 'pino';
import type { Order } from '../../../src/domain/order';
import type { Presence } from '../../../src/domain/presence';
import { DEFAULT_TENANT_SETTINGS, type TenantSettings } from '../../../src/domain/tenant-settings';
import { AlertProcessor, type AlertProcessorOptions } from '../../../src/notifiers/alert-processor';
import type { PushPayload, PushSender, PushTarget } from '../../../src/notifiers/channel';
import type { Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, moved, orderSteps, uniqueId } from '../../support/contracts/fixtures';
import { countedPostgresStore } from '../../support/postgres';

const ALERTS = 12;
/** 03:00 UTC, inside the quiet hours below. */
const NIGHT = new Date(Date.UTC(2024, 0, 1, 3));

const counted = countedPostgresStore();

/** Orders shipped (seq 2) with a courier each, whose customers want push and have a device on the tracking link. */
async function shippedOrders(count: number): Promise<Order[]> {
  const { place, commit } = orderSteps(counted.store());
  const orders: Order[] = [];
  for (let index = 0; index < count; index++) {
    const courierId = uniqueId('cou');
    await counted.store().couriers.createCourier({ tenant_id: 't1', id: courierId, name: `Courier ${index}`, phone: null, vehicle: null, active: true, created_at: at(0), last_location: null });
    const customerId = uniqueId('cus');
    const order = await place(buildOrder('t1', { customer: { id: customerId, email: `${customerId}@mail.example` }, courier_id: courierId }));
    expect(await commit(order, order.rev, buildEvent(order, { status: 'shipped', occurred_at: at(1) }), moved(order, 'shipped', at(1)))).toMatchObject({ kind: 'ok' });
    await counted.store().preferences.putPreferences('t1', customerId, { email: true, sms: false, push: true, email_address: null, phone: null, locale: null, updated_at: at(1) });
    const id = uniqueId('psb');
    await counted.store().push.savePushSubscription({
      id,
      tenant_id: 't1',
      customer_id: customerId,
      order_id: order.id,
      tracking_generation: 0,
      endpoint: `https://push.example.com/send/${id}`,
      p256dh: `BP${id}`,
      auth: `au${id}`,
      created_at: at(1),
      updated_at: at(1),
    });
    orders.push((await counted.store().orders.loadOrder(order.id))!);
  }
  return orders;
}

const nobodyWatching: Presence = { handedToWatcher: async () => false, handArrivingToWatcher: async () => false };

/** A processor over the store whose tenant has `settings`; what it renders is recorded, and what it pushes. */
function processor(settings: TenantSettings, now: Date) {
  const rendered: Array<{ orderId: string; courierName: string | null }> = [];
  const pushed: Array<{ target: PushTarget; payload: PushPayload }> = [];
  const push: PushSender = { name: 'push', send: async (target, payload) => void pushed.push({ target, payload }) };
  const templates: AlertProcessorOptions['templates'] = {
    tenantSettings: async () => settings,
    render: async ({ values }) => {
      // An order without an external id is referred to by its id.
      rendered.push({ orderId: values.reference!, courierName: values.courierName });
      const text = `${values.reference} ${values.courierName}`;
      return { locale: 'en', message: { subject: text, text, html: text, sms: text, push: { title: text, body: text } }, fallbacks: [] };
    },
  };
  const alerts = new AlertProcessor({
    store: counted.store(),
    presence: nobodyWatching,
    channels: [],
    push,
    templates,
    trackingUrl: (order) => `http://localhost/track/${order.id}`,
    now: () => now,
    logger: pino({ level: 'silent' }),
  });
  return { alerts, rendered, pushed };
}

it(`${ALERTS} alerts decided in one turn read what they are decided on in at most two statements`, async () => {
  const orders = await shippedOrders(ALERTS);
  const quiet: TenantSettings = { ...DEFAULT_TENANT_SETTINGS, quiet_hours: { start: '22:00', end: '07:00', time_zone: 'UTC' } };
  // Held for the quiet hours: every read is made (the customer's preferences, addresses and devices too), nothing is
  // written or sent.
  const { alerts, rendered, pushed } = processor(quiet, NIGHT);
  counted.taken();
  const results = await alerts.processAll(orders.map((order) => ({ orderId: order.id, seq: 2 })));
  expect(results).toEqual(orders.map(() => ({ ok: true, outcome: { kind: 'held', until: '2024-01-01T07:00:00.000Z', delayMs: 4 * 3_600_000 } })));
  const { statements, transactions } = counted.taken();
  expect(statements).toBeLessThanOrEqual(2);
  expect(transactions).toBeLessThanOrEqual(2);
  expect(rendered).toEqual([]);
  expect(pushed).toEqual([]);
});

it('sends with what the read held: each order’s courier in its message, to the device of its tracking link', async () => {
  const orders = await shippedOrders(3);
  const { alerts, rendered, pushed } = processor(DEFAULT_TENANT_SETTINGS, NIGHT);
  const results = await alerts.processAll(orders.map((order) => ({ orderId: order.id, seq: 2 })));
  expect(results).toEqual(orders.map(() => ({ ok: true, outcome: { kind: 'sent', channel: 'push' } })));
  const couriers = await Promise.all(orders.map((order) => counted.store().couriers.getCourier('t1', order.courier_id!)));
  expect(rendered.sort((a, b) => a.orderId.localeCompare(b.orderId))).toEqual(
    orders.map((order, index) => ({ orderId: order.id, courierName: couriers[index]!.name })).sort((a, b) => a.orderId.localeCompare(b.orderId)),
  );
  expect(pushed.map((push) => push.payload.order_id).sort()).toEqual(orders.map((order) => order.id).sort());
  // Decided once: the re-run finds the alert sent and sends nothing.
  expect(await alerts.process(orders[0]!.id, 2)).toEqual({ kind: 'sent', channel: 'push' });
  expect(pushed).toHaveLength(3);
});
