import type { Order } from '../../../src/domain/order';
import type { Store } from '../../../src/store/store';
import { at, buildOrder, freshStore, orderSteps, type StoreFactory } from './fixtures';

/**
 * ArrivalLog: the one arrival claim of an order out for delivery, with its arriving alert owed in the same write, and
 * the ETAs kept beside the order's state.
 */
export function describeArrivalContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'arrival' | 'outbox'> = freshStore(factory);
  const { place, advance } = orderSteps(store);

  /** An order placed and out for delivery (version 2). */
  async function outForDelivery(): Promise<Order> {
    const order = await place(buildOrder('t1', { destination: { lat: 22.28, lng: 114.175 } }));
    return (await advance(order, 'out_for_delivery', at(2))).order;
  }

  it('claims an order out for delivery once, owing its arriving alert under its version in the same write', async () => {
    const order = await outForDelivery();
    expect(await store.arrival.claimArrival(order.id, at(5))).toEqual({ claimed: true, seq: 2, tenantId: 't1' });
    expect(await store.arrival.claimArrival(order.id, at(6))).toEqual({ claimed: false });
    expect(await store.outbox.pendingEffects('arriving', at(60), 100)).toEqual([{ orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) }]);
    const stored = (await store.orders.loadOrder(order.id))!;
    expect(stored.arriving_at).toBe(at(5));
    // The claim is no event: version and revision stay, and the next commit keeps the claim.
    expect(stored).toMatchObject({ version: 2, rev: order.rev });
    const { order: delivered } = await advance(stored, 'delivered', at(7));
    expect(delivered).toMatchObject({ status: 'delivered', arriving_at: at(5) });
    expect(await store.arrival.claimArrival(order.id, at(8))).toEqual({ claimed: false });
  });

  it('claims only orders out for delivery; an unknown order is no claim', async () => {
    const placed = await place(buildOrder('t1'));
    expect(await store.arrival.claimArrival(placed.id, at(5))).toEqual({ claimed: false });
    expect(await store.arrival.claimArrival('ord_missing', at(5))).toEqual({ claimed: false });
    expect((await store.orders.loadOrder(placed.id))?.arriving_at ?? null).toBeNull();
    expect(await store.outbox.pendingEffects('arriving', at(60), 100)).toEqual([]);
  });

  it('of concurrent claims on one order, exactly one wins and one alert is owed', async () => {
    const order = await outForDelivery();
    const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.arrival.claimArrival(order.id, at(10 + i))));
    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
    expect(await store.outbox.pendingEffects('arriving', at(60), 100)).toHaveLength(1);
  });

  it('updateEtas keeps each order\'s ETA beside its state: no version, and an event commit does not undo it', async () => {
    const order = await outForDelivery();
    const other = await place(buildOrder('t1'));
    await store.arrival.updateEtas([
      { orderId: order.id, eta: at(30) },
      { orderId: other.id, eta: at(40) },
    ]);
    await store.arrival.updateEtas([{ orderId: order.id, eta: at(25) }]);
    const stored = (await store.orders.loadOrder(order.id))!;
    expect(stored).toMatchObject({ eta: at(25), version: 2, rev: order.rev });
    expect((await store.orders.loadOrder(other.id))?.eta).toBe(at(40));
    const { order: next } = await advance(stored, 'failed_attempt', at(26));
    expect(next.eta).toBe(at(25));
    expect((await store.orders.getOrder('t1', order.id))?.eta).toBe(at(25));
  });
}
