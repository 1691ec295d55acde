import type { Store } from '../../../src/store/store';
import { at, buildOrder, freshStore, lateEvent, orderSteps, placedEvent, type StoreFactory } from './fixtures';

/** Outbox: the effects an order's writes owe (recorded in the same write), owed once, read when due and cleared. */
export function describeOutboxContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'outbox'> = freshStore(factory);
  const { place } = orderSteps(store);

  it('records what placement owes under seq 1, with the first event', async () => {
    const order = buildOrder('t1', { created_at: at(3) });
    await store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant', effects: ['webhook'] });
    expect(await store.outbox.pendingEffects('webhook', at(60), 100)).toEqual([{ orderId: order.id, seq: 1, tenantId: 't1', createdAt: at(3) }]);
    // A repeat of the placement (the same external id) owes nothing more.
    expect(await store.outbox.pendingEffects('webhook', at(3), 100)).toEqual([]);
  });

  it('records a courier change\'s effects under the revision it writes: an assignment, and an event that assigns', async () => {
    const order = await place(buildOrder('t1'));
    expect(await store.orders.assignCourier(order.id, 1, 'k1', at(1), ['webhook_assignment'])).toMatchObject({ kind: 'ok', rev: 2 });
    expect(await store.orders.assignCourier(order.id, 1, 'k9', at(1), ['webhook_assignment'])).toEqual({ kind: 'rev_conflict' });
    const late = lateEvent(order, at(0), 'shipped');
    const next = { ...order, courier_id: 'k2', updated_at: at(2) };
    expect(await store.orders.commitEvent({ orderId: order.id, expectedRev: 2, event: late, next, revisionEffects: ['webhook_assignment'] })).toMatchObject({
      kind: 'ok',
      rev: 3,
    });
    const owed = await store.outbox.pendingEffects('webhook_assignment', at(120), 100);
    expect(owed.map((effect) => [effect.seq, effect.createdAt])).toEqual([
      [2, at(1)],
      [3, at(99)],
    ]);
    await store.outbox.clearEffect('webhook_assignment', order.id, 2);
    expect((await store.outbox.pendingEffects('webhook_assignment', at(120), 100)).map((effect) => effect.seq)).toEqual([3]);
  });

  it('records an effect owed by a change outside the order once, however often it is owed', async () => {
    const order = await place(buildOrder('t1'));
    const owed = { kind: 'webhook_alert_failed' as const, orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) };
    await store.outbox.oweEffect(owed);
    await store.outbox.oweEffect({ ...owed, createdAt: at(6) });
    expect(await store.outbox.pendingEffects('webhook_alert_failed', at(60), 100)).toEqual([{ orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) }]);
  });
}
