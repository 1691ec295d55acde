import type { AlertKind } from '../../../src/domain/effects';
import type { AlertContext, Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, freshStore, moved, orderSteps, uniqueId, type StoreFactory } from './fixtures';

/**
 * AlertContexts: what an alert is decided on, read together, is what each repository's own read answers for it (the
 * order, its events from the alert's on, the alert's log, the customer's preferences, addresses and push subscriptions,
 * the courier), however many are asked at once; an order that is not there has an empty context.
 */
export function describeAlertContextContract(factory: StoreFactory): void {
  const store: Store = freshStore(factory);
  const { place, commit } = orderSteps(store);

  /** What the repositories answer one by one for the alert, as the context is to hold it. */
  async function separately(orderId: string, seq: number, kind: AlertKind): Promise<AlertContext> {
    const order = (await store.orders.loadOrder(orderId))!;
    const after = kind === 'status' ? seq - 1 : seq;
    return {
      order,
      events: order.version > after ? await store.orders.listEvents(orderId, after, order.version - after) : [],
      deliveries: await store.deliveries.alertDeliveries(orderId, seq, kind),
      preferences: await store.preferences.getPreferences(order.tenant_id, order.customer.id),
      standing: await store.contacts.contactStanding(order.tenant_id, order.customer.id, orderId),
      pushSubscriptions: await store.push.alertPushSubscriptions(order.tenant_id, order.customer.id, orderId),
      courier: order.courier_id ? await store.couriers.getCourier(order.tenant_id, order.courier_id) : null,
    };
  }

  /**
   * An order of customer `customerId` with a courier, four events (placed, shipped with a location, a failed attempt
   * with its reason, out for delivery), everything the customer has (preferences, addresses of each standing, its own
   * and the tracking link's push subscriptions) and a log for its seq 2.
   */
  async function orderWithEverything(tenantId: string, customerId: string) {
    const courierId = uniqueId('cou');
    await store.couriers.createCourier({
      tenant_id: tenantId,
      id: courierId,
      name: 'Grace',
      phone: '+15550000009',
      vehicle: 'bike',
      active: true,
      created_at: at(0),
      last_location: { lat: 22.31, lng: 114.17, at: at(3) },
    });
    let order = await place(buildOrder(tenantId, { customer: { id: customerId, name: 'Ada', email: 'ada@example.com', phone: '+15550000001', locale: 'en' }, courier_id: courierId }));
    const steps = [
      { status: 'shipped', location: { lat: 22.3, lng: 114.2 } },
      { status: 'failed_attempt', reason: 'not_home' },
      { status: 'out_for_delivery' },
    ] as const;
    for (const [index, step] of steps.entries()) {
      const time = at(index + 1);
      const event = buildEvent(order, { occurred_at: time, recorded_at: time, ...step });
      const next = moved(order, step.status, time);
      expect(await commit(order, order.rev, event, next)).toMatchObject({ kind: 'ok' });
      order = { ...next, rev: order.rev + 1 };
    }
    await store.preferences.putPreferences(tenantId, customerId, {
      email: true,
      sms: true,
      push: true,
      email_address: 'ada.home@example.com',
      phone: null,
      locale: 'zh-HK',
      updated_at: at(2),
    });
    await store.contacts.putSelfSet(tenantId, customerId, 'preferences', [{ kind: 'email', address: 'ada.home@example.com' }]);
    await store.contacts.putSelfSet(tenantId, customerId, order.id, [{ kind: 'phone', address: '+15550000002' }]);
    await store.contacts.putSelfSet(tenantId, customerId, 'ord_other', [{ kind: 'phone', address: '+15550000003' }]);
    const code = { id: uniqueId('cc'), purpose: 'confirm', tenant_id: tenantId, customer_id: customerId, kind: 'email', address: 'ada.home@example.com', code_hash: 'h', issued_at: at(1), expires_at: at(11) } as const;
    expect(await store.contacts.issueCode(code, { since: at(-59), max: 3 })).toEqual({ issued: true });
    expect(await store.contacts.confirmCode(code.id, at(2))).toBe(true);
    const subscription = (orderId: string | null, minutes: number) => {
      const id = uniqueId('psb');
      return {
        id,
        tenant_id: tenantId,
        customer_id: customerId,
        order_id: orderId,
        tracking_generation: orderId === null ? null : 0,
        endpoint: `https://push.example.com/send/${id}`,
        p256dh: `BP${id}`,
        auth: `au${id}`,
        created_at: at(minutes),
        updated_at: at(minutes),
      };
    };
    for (const each of [subscription(null, 2), subscription(order.id, 1), subscription('ord_other', 1)]) await store.push.savePushSubscription(each);
    await store.deliveries.skipDelivery({ order_id: order.id, seq: 2, kind: 'status', channel: 'sms', status: 'skipped', attempts: 0, at: at(2), reason: 'unconfirmed_address', error: null });
    await store.deliveries.recordDelivery({ order_id: order.id, seq: 2, kind: 'status', channel: 'email', status: 'retrying', attempts: 1, at: at(2), reason: null, error: 'busy' });
    await store.deliveries.recordDelivery({ order_id: order.id, seq: 3, kind: 'status', channel: 'email', status: 'sent', attempts: 1, at: at(3), reason: null, error: null });
    return order;
  }

  it('holds what the repositories answer for the alert: its order, events, log, the customer’s and the courier’s records', async () => {
    const order = await orderWithEverything('t1', uniqueId('cus'));
    const context = await store.alerts.alertContext(order.id, 2, 'status');
    expect(context).toEqual(await separately(order.id, 2, 'status'));
    // What that is, so an empty read on both sides would not pass.
    expect(context.events.map((event) => [event.seq, event.status])).toEqual([[2, 'shipped'], [3, 'failed_attempt'], [4, 'out_for_delivery']]);
    expect(context.events[0]!.location).toEqual({ lat: 22.3, lng: 114.2 });
    expect(context.events[1]!.reason).toBe('not_home');
    expect(context.deliveries.map((delivery) => [delivery.channel, delivery.status])).toEqual([['email', 'retrying'], ['sms', 'skipped']]);
    expect(context.preferences).toMatchObject({ email_address: 'ada.home@example.com', locale: 'zh-HK', updated_at: at(2) });
    expect(context.standing.preferences).toEqual([{ kind: 'email', address: 'ada.home@example.com' }]);
    expect(context.standing.order).toEqual([{ kind: 'phone', address: '+15550000002' }]);
    expect(context.standing.confirmed).toEqual([{ kind: 'email', address: 'ada.home@example.com' }]);
    expect(context.pushSubscriptions.map((subscription) => subscription.order_id)).toEqual([order.id, null]);
    expect(context.courier).toMatchObject({ name: 'Grace', created_at: at(0), last_location: { lat: 22.31, lng: 114.17, at: at(3) } });
  });

  it('reads a status alert from its own event on, an arriving alert from the next; none past the order’s version', async () => {
    const order = await orderWithEverything('t1', uniqueId('cus'));
    for (const [seq, kind] of [[4, 'status'], [3, 'arriving'], [4, 'arriving'], [5, 'status'], [1, 'status']] as const) {
      expect(await store.alerts.alertContext(order.id, seq, kind)).toEqual(await separately(order.id, seq, kind));
    }
    expect((await store.alerts.alertContext(order.id, 4, 'arriving')).events).toEqual([]);
    expect((await store.alerts.alertContext(order.id, 5, 'status')).events).toEqual([]);
    expect((await store.alerts.alertContext(order.id, 3, 'arriving')).events.map((event) => event.seq)).toEqual([4]);
  });

  it('an order that is not there has an empty context; one with no customer records and no courier, empty parts', async () => {
    expect(await store.alerts.alertContext('ord_missing', 2, 'status')).toEqual({
      order: null,
      events: [],
      deliveries: [],
      preferences: null,
      standing: { preferences: [], order: [], confirmed: [] },
      pushSubscriptions: [],
      courier: null,
    });
    const bare = await place(buildOrder('t1', { customer: { id: uniqueId('cus'), name: 'Bo' } }));
    const context = await store.alerts.alertContext(bare.id, 1, 'status');
    expect(context).toEqual(await separately(bare.id, 1, 'status'));
    expect(context).toMatchObject({ deliveries: [], preferences: null, pushSubscriptions: [], courier: null });
    expect(context.events.map((event) => event.status)).toEqual(['placed']);
  });

  it('asked for many alerts at once, each gets its own, an alert asked twice the same', async () => {
    const first = await orderWithEverything('t1', uniqueId('cus'));
    const second = await orderWithEverything('t2', uniqueId('cus'));
    const asked = [
      [first.id, 2, 'status'],
      [second.id, 3, 'status'],
      ['ord_missing', 1, 'status'],
      [first.id, 3, 'arriving'],
      [first.id, 2, 'status'],
    ] as const;
    const contexts = await Promise.all(asked.map(([orderId, seq, kind]) => store.alerts.alertContext(orderId, seq, kind)));
    for (const [index, [orderId, seq, kind]] of asked.entries()) {
      if (orderId === 'ord_missing') expect(contexts[index]!.order).toBeNull();
      else expect(contexts[index]).toEqual(await separately(orderId, seq, kind));
    }
    expect(contexts[1]!.order!.tenant_id).toBe('t2');
    expect(contexts[1]!.courier!.tenant_id).toBe('t2');
  });
}
