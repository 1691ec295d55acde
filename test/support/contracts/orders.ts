import type { IdempotencyClaim, Store } from '../../../src/store/store';
import type { Order } from '../../../src/domain/order';
import type { OrderStatus } from '../../../src/domain/status';
import { at, buildEvent, buildOrder, freshStore, lateEvent, moved, orderSteps, placedEvent, type StoreFactory } from './fixtures';

/**
 * OrderLog: placing an order (idempotency keys, external ids), committing events under the revision guard (applied,
 * late, duplicate, stale, many at once), the courier and position writes, and the reads of orders and their events.
 * The outbox is read only to see that a commit owes its effects in the same write.
 */
export function describeOrdersContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'outbox'> = freshStore(factory);
  const { create, commit, place, advance } = orderSteps(store);

  describe('createOrder', () => {
    const claim = (requestHash: string, scope = 'business'): IdempotencyClaim => ({ scope, key: 'k-1', requestHash });

    it('stores the order and its first event with seq 1', async () => {
      const order = await place(buildOrder('t1'));
      expect(await store.orders.getOrder('t1', order.id)).toEqual(order);
      expect(await store.orders.listEvents(order.id, 0, 10)).toEqual([placedEvent(order)]);
      expect(await store.orders.history(order.id)).toEqual([placedEvent(order)]);
    });

    it('returns the original order for the same idempotency key and request hash', async () => {
      const first = await place(buildOrder('t1'), claim('h1'));
      const again = buildOrder('t1');
      expect(await create(again, claim('h1'))).toEqual({ kind: 'existing', order: first });
      expect(await store.orders.loadOrder(again.id)).toBeNull();
    });

    it('reports a conflict for the same key with another request hash, storing nothing', async () => {
      await place(buildOrder('t1'), claim('h1'));
      const other = buildOrder('t1');
      expect(await create(other, claim('h2'))).toEqual({ kind: 'idempotency_conflict' });
      expect(await store.orders.loadOrder(other.id)).toBeNull();
      expect(await store.orders.history(other.id)).toEqual([]);
    });

    it('scopes idempotency keys by caller and by tenant', async () => {
      await place(buildOrder('t1'), claim('h1', 'business'));
      await place(buildOrder('t1'), claim('h2', 'customer:c9'));
      await place(buildOrder('t2'), claim('h3', 'business'));
    });

    it('returns the original order for a repeated external_id, per tenant', async () => {
      const first = await place(buildOrder('t1', { external_id: 'shop-1' }));
      const again = buildOrder('t1', { external_id: 'shop-1' });
      expect(await create(again)).toEqual({ kind: 'existing', order: first });
      expect(await store.orders.loadOrder(again.id)).toBeNull();
      await place(buildOrder('t2', { external_id: 'shop-1' }));
    });

    it('keeps external ids unique per namespace: a customer\'s own never meet the tenant\'s or another\'s', async () => {
      const tenantWide = await place(buildOrder('t1', { external_id: 'ref-7' }));
      const mine = buildOrder('t1', { external_id: 'ref-7', customer: { id: 'c9' } });
      expect(await create(mine, null, 'customer:c9')).toEqual({ kind: 'created', order: mine });
      const theirs = buildOrder('t1', { external_id: 'ref-7', customer: { id: 'c8' } });
      expect(await create(theirs, null, 'customer:c8')).toEqual({ kind: 'created', order: theirs });
      expect(await create(buildOrder('t1', { external_id: 'ref-7', customer: { id: 'c9' } }), null, 'customer:c9')).toEqual({
        kind: 'existing',
        order: mine,
      });
      expect(await create(buildOrder('t1', { external_id: 'ref-7' }))).toEqual({ kind: 'existing', order: tenantWide });
    });
  });

  it('getOrder is scoped by tenant; loadOrder is not', async () => {
    const order = await place(buildOrder('t1'));
    expect(await store.orders.getOrder('t2', order.id)).toBeNull();
    expect(await store.orders.getOrder('t1', 'ord_unknown')).toBeNull();
    expect(await store.orders.loadOrder(order.id)).toEqual(order);
    expect(await store.orders.loadOrder('ord_unknown')).toBeNull();
  });

  describe('commitEvent', () => {
    it('answers each of many commits issued at once on its own (applied, duplicate, stale), as if made one by one', async () => {
      const orders = await Promise.all(Array.from({ length: 30 }, () => place(buildOrder('t1'))));
      const seen = await advance(orders[0]!, 'processing', at(1)); // its next event id will be a repeat
      const stale = orders[1]!;
      await advance(stale, 'processing', at(1)); // its rev moved on: a commit decided on rev 1 is stale
      const commits = orders.map((order, index) => {
        if (index === 0) {
          return commit(seen.order, seen.order.rev, { ...seen.event, seq: 3, status: 'shipped' }, moved(seen.order, 'shipped', at(2)));
        }
        const event = buildEvent(order, { status: 'shipped', occurred_at: at(2), recorded_at: at(2) });
        return store.orders.commitEvent({ orderId: order.id, expectedRev: 1, event, next: moved(order, 'shipped', at(2)), effects: ['alert'] });
      });
      const results = await Promise.all(commits);
      expect(results[0]).toEqual({ kind: 'duplicate_event' });
      expect(results[1]).toEqual({ kind: 'rev_conflict' });
      expect(results.slice(2)).toEqual(orders.slice(2).map(() => ({ kind: 'ok', rev: 2, lastLocation: null })));
      for (const order of orders.slice(2)) {
        expect(await store.orders.loadOrder(order.id)).toMatchObject({ status: 'shipped', version: 2, rev: 2 });
        expect((await store.orders.listEvents(order.id, 1, 10)).map((event) => event.status)).toEqual(['shipped']);
      }
      expect((await store.orders.loadOrder(stale.id))?.status).toBe('processing');
      const owed = await store.outbox.pendingEffects('alert', at(60), 100);
      expect(owed.map((effect) => effect.orderId).sort()).toEqual(orders.slice(2).map((order) => order.id).sort());
    });

    it('appends an applied event and writes the new state, bumping rev', async () => {
      const order = await place(buildOrder('t1'));
      const next = moved(order, 'on_hold', at(5), { held_at: 'processing', courier_id: 'k7' });
      const event = buildEvent(order, { status: 'on_hold', occurred_at: at(5), location: { lat: 1.5, lng: 2 }, note: 'x' });
      expect(await commit(order, 1, event, next)).toEqual({ kind: 'ok', rev: 2, lastLocation: null });
      expect(await store.orders.loadOrder(order.id)).toEqual({ ...next, rev: 2 });
      expect(await store.orders.findEvent(order.id, event.event_id)).toEqual(event);
      expect(await store.orders.listEvents(order.id, 1, 10)).toEqual([event]);
    });

    it('told the state before, writes whichever fields change, and the rest stays as it was', async () => {
      const placed = await place(buildOrder('t1'));
      const steps: Array<[OrderStatus, Partial<Order>]> = [
        ['processing', {}],
        ['processing', {}], // a scan: the times and the version alone
        ['on_hold', { held_at: 'processing', courier_id: 'k7' }],
        ['processing', { held_at: null }],
        ['failed_attempt', { failed_attempts: 1, courier_id: null }],
        ['delivered', { delivered_at: at(7) }],
      ];
      let order = placed;
      for (const [index, [status, changes]] of steps.entries()) {
        const time = at(index + 1);
        const next = moved(order, status, time, changes);
        const event = buildEvent(order, { status, occurred_at: time });
        const result = await store.orders.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next, previous: order });
        expect(result).toEqual({ kind: 'ok', rev: order.rev + 1, lastLocation: null });
        order = { ...next, rev: order.rev + 1 };
        expect(await store.orders.loadOrder(order.id)).toEqual(order);
      }
      // Stale: the state before names the old revision's, nothing is written.
      const event = buildEvent(placed, { status: 'returned', occurred_at: at(9) });
      expect(await store.orders.commitEvent({ orderId: placed.id, expectedRev: placed.rev, event, next: moved(placed, 'returned', at(9)), previous: placed })).toEqual({ kind: 'rev_conflict' });
      expect(await store.orders.loadOrder(order.id)).toEqual(order);
    });

    it('refuses a stale expected rev and writes nothing', async () => {
      const placed = await place(buildOrder('t1'));
      const { order } = await advance(placed, 'processing', at(1));
      const event = buildEvent(placed, { status: 'shipped', occurred_at: at(2) });
      expect(await commit(order, placed.rev, event, moved(placed, 'shipped', at(2)))).toEqual({ kind: 'rev_conflict' });
      expect(await store.orders.loadOrder(order.id)).toEqual(order);
      expect(await store.orders.findEvent(order.id, event.event_id)).toBeNull();
      expect((await store.orders.history(order.id)).map((e) => e.status)).toEqual(['placed', 'processing']);
    });

    it('reports an event id already in the log as a duplicate and writes nothing', async () => {
      const { order, event } = await advance(await place(buildOrder('t1')), 'processing', at(1));
      const again = { ...event, seq: 3, status: 'shipped' as const, occurred_at: at(2) };
      expect(await commit(order, order.rev, again, moved(order, 'shipped', at(2)))).toEqual({ kind: 'duplicate_event' });
      expect(await store.orders.loadOrder(order.id)).toEqual(order);
      expect(await store.orders.history(order.id)).toHaveLength(2);
    });

    it('keeps event ids per order', async () => {
      for (const order of [await place(buildOrder('t1')), await place(buildOrder('t1'))]) {
        const event = buildEvent(order, { event_id: 'scan-1', occurred_at: at(1) });
        expect(await commit(order, 1, event, moved(order, 'processing', at(1)))).toMatchObject({ kind: 'ok', rev: 2 });
      }
    });

    it('answers with the stored position, which courier pings change without moving the revision', async () => {
      const order = await place(buildOrder('t1'));
      const here = { lat: 22.28, lng: 114.16, at: at(2) };
      await store.orders.updateLastLocations([{ orderId: order.id, location: here }]);
      const event = buildEvent(order, { occurred_at: at(3) });
      expect(await commit(order, 1, event, moved(order, 'processing', at(3)))).toEqual({ kind: 'ok', rev: 2, lastLocation: here });
      expect(await commit(order, 2, lateEvent(order, at(1)), null)).toEqual({ kind: 'ok', rev: 2, lastLocation: here });
      expect(await store.orders.assignCourier(order.id, 2, 'k1', at(4))).toEqual({ kind: 'ok', rev: 3, lastLocation: here });
    });

    it('records a late event that changes the order (a late pickup assigns it) under the guard', async () => {
      const { order } = await advance(await place(buildOrder('t1')), 'in_transit', at(10));
      const late = lateEvent(order, at(5), 'shipped');
      const next = { ...order, courier_id: 'k3', updated_at: at(11) };
      expect(await commit(order, order.rev, late, next)).toEqual({ kind: 'ok', rev: order.rev + 1, lastLocation: null });
      expect(await store.orders.loadOrder(order.id)).toEqual({ ...next, rev: order.rev + 1 });
      expect((await store.orders.listEvents(order.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
      expect(await store.orders.findEvent(order.id, late.event_id)).toEqual(late);
    });

    it('writes the report projections (delivered_at, failed_attempts) and keeps promised_by', async () => {
      const placed = await place(buildOrder('t1', { promised_by: at(90), courier_id: 'k1' }));
      const { order: out } = await advance(placed, 'out_for_delivery', at(10));
      const failed = moved(out, 'failed_attempt', at(20), { failed_attempts: 1 });
      await commit(out, out.rev, buildEvent(out, { status: 'failed_attempt', occurred_at: at(20) }), failed);
      const again = (await store.orders.loadOrder(placed.id))!;
      expect(again).toMatchObject({ failed_attempts: 1, delivered_at: null, promised_by: at(90) });
      const retried = moved(again, 'out_for_delivery', at(30));
      await commit(again, again.rev, buildEvent(again, { status: 'out_for_delivery', occurred_at: at(30) }), retried);
      const onWay = (await store.orders.loadOrder(placed.id))!;
      const delivered = moved(onWay, 'delivered', at(40), { delivered_at: at(40) });
      await commit(onWay, onWay.rev, buildEvent(onWay, { status: 'delivered', occurred_at: at(40) }), delivered);
      expect(await store.orders.loadOrder(placed.id)).toEqual({ ...delivered, rev: onWay.rev + 1 });
      expect(await store.orders.loadOrder(placed.id)).toMatchObject({ delivered_at: at(40), failed_attempts: 1, promised_by: at(90) });
    });

    it('records a late event with seq null and leaves the order unchanged', async () => {
      const { order } = await advance(await place(buildOrder('t1')), 'in_transit', at(10));
      const late = lateEvent(order, at(5), 'shipped');
      expect(await commit(order, order.rev, late, null)).toEqual({ kind: 'ok', rev: order.rev, lastLocation: null });
      expect(await store.orders.loadOrder(order.id)).toEqual(order);
      expect(await store.orders.findEvent(order.id, late.event_id)).toEqual(late);
      expect((await store.orders.listEvents(order.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
    });
  });

  it('listEvents returns applied events after a seq, in order, up to a limit', async () => {
    let order = await place(buildOrder('t1'));
    const path = ['processing', 'shipped', 'in_transit', 'in_transit', 'out_for_delivery'] as const;
    for (const [index, status] of path.entries()) ({ order } = await advance(order, status, at(index + 1)));
    await commit(order, order.rev, lateEvent(order, at(0)), null);
    expect((await store.orders.listEvents(order.id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const page = await store.orders.listEvents(order.id, 2, 2);
    expect(page.map((e) => [e.seq, e.status])).toEqual([[3, 'shipped'], [4, 'in_transit']]);
    expect(await store.orders.listEvents(order.id, 6, 10)).toEqual([]);
  });

  it('history holds applied and late events, oldest first by occurred_at', async () => {
    const { order } = await advance(await place(buildOrder('t1', { created_at: at(0) })), 'shipped', at(10));
    await commit(order, order.rev, lateEvent(order, at(4)), null);
    const { order: last } = await advance(order, 'in_transit', at(20));
    expect((await store.orders.history(last.id)).map((e) => [e.status, e.seq, e.applied])).toEqual([
      ['placed', 1, true],
      ['processing', null, false],
      ['shipped', 2, true],
      ['in_transit', 3, true],
    ]);
  });

  it('keeps what an event says beyond its status (reason, proof), alone, in a batch and late', async () => {
    const proof = { recipient_name: 'Grace', note: null, signature: 'att_1', photos: ['att_2'], sha256: { att_1: 'aa', att_2: 'bb' } };
    const orders = await Promise.all([0, 1, 2].map(() => place(buildOrder('t1', { status: 'out_for_delivery' }))));
    const events = orders.map((order, index) =>
      index === 0
        ? buildEvent(order, { status: 'failed_attempt', reason: 'not_home', note: 'rang twice', occurred_at: at(5), recorded_at: at(5) })
        : buildEvent(order, { status: 'delivered', proof, occurred_at: at(5), recorded_at: at(5) }),
    );
    // At once, so a store that batches commits writes them together.
    await Promise.all(orders.map((order, index) => commit(order, order.rev, events[index]!, moved(order, events[index]!.status, at(5)))));
    for (const [index, order] of orders.entries()) {
      expect((await store.orders.history(order.id))[1]).toEqual(events[index]);
      expect(await store.orders.findEvent(order.id, events[index]!.event_id)).toEqual(events[index]);
    }
    const late = { ...lateEvent(orders[0]!, at(1), 'failed_attempt'), reason: 'refused' as const };
    await commit(orders[0]!, orders[0]!.rev + 1, late, null);
    expect(await store.orders.findEvent(orders[0]!.id, late.event_id)).toEqual(late);
  });

  it('assignCourier writes the courier under the revision guard', async () => {
    const order = await place(buildOrder('t1'));
    expect(await store.orders.assignCourier(order.id, 1, 'k7', at(3))).toEqual({ kind: 'ok', rev: 2, lastLocation: null });
    expect(await store.orders.loadOrder(order.id)).toEqual({ ...order, courier_id: 'k7', updated_at: at(3), rev: 2 });
    expect(await store.orders.assignCourier(order.id, 1, 'k8', at(4))).toEqual({ kind: 'rev_conflict' });
    // The assignment moved rev on, so an event decided on the old state is refused too.
    const event = buildEvent(order, { occurred_at: at(5) });
    expect(await commit(order, 1, event, moved(order, 'processing', at(5)))).toEqual({ kind: 'rev_conflict' });
    expect((await store.orders.loadOrder(order.id))?.courier_id).toBe('k7');
  });

  it('updateLastLocations stores each order position; a later one replaces it', async () => {
    const [one, two, three] = [await place(buildOrder('t1')), await place(buildOrder('t1')), await place(buildOrder('t1'))];
    const here = { lat: 22.31, lng: 114.17, at: at(1) };
    await store.orders.updateLastLocations([
      { orderId: one.id, location: here },
      { orderId: two.id, location: { lat: 1, lng: 2, at: at(1) } },
    ]);
    await store.orders.updateLastLocations([{ orderId: two.id, location: { lat: 3, lng: 4, at: at(2) } }]);
    expect((await store.orders.loadOrder(one.id))?.last_location).toEqual(here);
    expect((await store.orders.loadOrder(two.id))?.last_location).toEqual({ lat: 3, lng: 4, at: at(2) });
    expect((await store.orders.loadOrder(three.id))?.last_location).toBeNull();
  });

  it('renewTrackingLink moves the tracking links\' generation on, per tenant, and no event commit undoes it', async () => {
    const order = await place(buildOrder('t1'));
    expect((await store.orders.loadOrder(order.id))?.tracking_generation).toBeUndefined();
    expect(await store.orders.renewTrackingLink('t1', order.id)).toBe(1);
    expect(await store.orders.renewTrackingLink('t1', order.id)).toBe(2);
    expect(await store.orders.renewTrackingLink('t2', order.id)).toBeNull();
    expect(await store.orders.renewTrackingLink('t1', 'ord_unknown')).toBeNull();
    // The generation is no state an event writes: a commit on the revision read before keeps it.
    expect(await commit(order, order.rev, buildEvent(order, { occurred_at: at(1) }), moved(order, 'processing', at(1)))).toMatchObject({ kind: 'ok' });
    expect(await store.orders.getOrder('t1', order.id)).toEqual({ ...moved(order, 'processing', at(1)), rev: order.rev + 1, tracking_generation: 2 });
    expect((await store.orders.loadOrder(order.id))?.tracking_generation).toBe(2);
  });

  it('orderHeads gives the version and courier of each known order in one call', async () => {
    const { order: one } = await advance(await place(buildOrder('t1')), 'processing', at(1));
    const two = await place(buildOrder('t2', { courier_id: 'k4' }));
    const heads = await store.orders.orderHeads([one.id, 'ord_unknown', two.id]);
    expect([...heads].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
      [
        { id: one.id, version: 2, courier_id: null },
        { id: two.id, version: 1, courier_id: 'k4' },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    expect(await store.orders.orderHeads([])).toEqual([]);
  });
}
