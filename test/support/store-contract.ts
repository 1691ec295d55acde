import { randomBytes } from 'node:crypto';
import type { Order, OrderEvent } from '../../src/domain/order';
import type { OrderStatus } from '../../src/domain/status';
import type { Delivery, IdempotencyClaim, OrderQuery, Store, Tenant } from '../../src/store/store';

/** A fixed instant `minutes` after 2024-01-01T00:00Z, as the ISO string the domain stores. */
export function at(minutes: number): string {
  return new Date(Date.UTC(2024, 0, 1) + minutes * 60_000).toISOString();
}

let counter = 0;
/** A unique, readable id (random tail so a shared database never collides across runs). */
export function uniqueId(prefix: string): string {
  counter += 1;
  return `${prefix}_${String(counter).padStart(5, '0')}${randomBytes(3).toString('hex')}`;
}

export function buildTenant(overrides: Partial<Tenant> = {}): Tenant {
  return { id: uniqueId('ten'), name: 'Acme', points_per_unit: 1.5, created_at: at(0), ...overrides };
}

/** A freshly placed order (version 1, rev 1); timestamps default to `created_at`. */
export function buildOrder(tenantId: string, overrides: Partial<Order> = {}): Order {
  const created = overrides.created_at ?? at(0);
  return {
    id: uniqueId('ord'), tenant_id: tenantId, external_id: null, status: 'placed', version: 1, rev: 1,
    customer: { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550000001', locale: 'en' },
    destination: { address: '1 Harbour Rd', lat: 22.3, lng: 114.2 },
    amount: { value: 12900, currency: 'HKD' },
    items: [{ sku: 'book', qty: 1 }], notify: { email: true, sms: false }, metadata: { channel: 'web' },
    courier_id: null, created_at: created, updated_at: created, eta: null, last_location: null,
    last_event_at: created, held_at: null,
    ...overrides,
  };
}

export function buildEvent(order: Order, overrides: Partial<OrderEvent> = {}): OrderEvent {
  return {
    seq: order.version + 1, order_id: order.id, type: 'status', status: 'processing', scan_type: null,
    event_id: uniqueId('evt'), occurred_at: order.updated_at, recorded_at: order.updated_at,
    location: null, note: null, source: 'business', applied: true,
    ...overrides,
  };
}

/** The `placed` event (seq 1) recorded with the order. */
export function placedEvent(order: Order): OrderEvent {
  const time = order.created_at;
  return buildEvent(order, { seq: 1, status: 'placed', event_id: `placed-${order.id}`, occurred_at: time, recorded_at: time });
}

/** The order after an applied move to `status` at `time`, as the actor would compute it (rev still the old one). */
export function moved(order: Order, status: OrderStatus, time: string, changes: Partial<Order> = {}): Order {
  return { ...order, status, version: order.version + 1, updated_at: time, last_event_at: time, ...changes };
}

export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

/**
 * The Store port's contract, run against any adapter: every test gets a fresh, initialised store from
 * `factory` and releases it with `cleanup`.
 */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(name, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory());
      await store.init();
    });
    afterEach(() => cleanup());

    const create = (order: Order, idempotency: IdempotencyClaim | null = null, externalScope = 'tenant') =>
      store.createOrder({ order, firstEvent: placedEvent(order), idempotency, externalScope });
    const commit = (order: Order, expectedRev: number, event: OrderEvent, next: Order | null) =>
      store.commitEvent({ orderId: order.id, expectedRev, event, next });
    const lateEvent = (order: Order, occurredAt: string, status: OrderStatus = 'processing') =>
      buildEvent(order, { seq: null, applied: false, status, occurred_at: occurredAt, recorded_at: at(99) });

    async function place(order: Order, idempotency: IdempotencyClaim | null = null): Promise<Order> {
      expect(await create(order, idempotency)).toEqual({ kind: 'created', order });
      return order;
    }

    /** Applies a move; returns the stored order and the event. */
    async function advance(order: Order, status: OrderStatus, time: string) {
      const event = buildEvent(order, { status, occurred_at: time, recorded_at: time });
      expect(await commit(order, order.rev, event, moved(order, status, time))).toEqual({
        kind: 'ok',
        rev: order.rev + 1,
        lastLocation: order.last_location,
      });
      return { order: (await store.loadOrder(order.id))!, event };
    }

    it('creates tenants and finds them by API key hash and by id', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, 'hash-1');
      await store.createTenant(buildTenant({ name: 'Other' }), 'hash-2');
      expect(await store.findTenantByApiKeyHash('hash-1')).toEqual(tenant);
      expect(await store.getTenant(tenant.id)).toEqual(tenant);
      expect(await store.findTenantByApiKeyHash('hash-unknown')).toBeNull();
      expect(await store.getTenant('ten_unknown')).toBeNull();
    });

    describe('createOrder', () => {
      const claim = (requestHash: string, scope = 'business'): IdempotencyClaim => ({ scope, key: 'k-1', requestHash });

      it('stores the order and its first event with seq 1', async () => {
        const order = await place(buildOrder('t1'));
        expect(await store.getOrder('t1', order.id)).toEqual(order);
        expect(await store.listEvents(order.id, 0, 10)).toEqual([placedEvent(order)]);
        expect(await store.history(order.id)).toEqual([placedEvent(order)]);
      });

      it('returns the original order for the same idempotency key and request hash', async () => {
        const first = await place(buildOrder('t1'), claim('h1'));
        const again = buildOrder('t1');
        expect(await create(again, claim('h1'))).toEqual({ kind: 'existing', order: first });
        expect(await store.loadOrder(again.id)).toBeNull();
      });

      it('reports a conflict for the same key with another request hash, storing nothing', async () => {
        await place(buildOrder('t1'), claim('h1'));
        const other = buildOrder('t1');
        expect(await create(other, claim('h2'))).toEqual({ kind: 'idempotency_conflict' });
        expect(await store.loadOrder(other.id)).toBeNull();
        expect(await store.history(other.id)).toEqual([]);
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
        expect(await store.loadOrder(again.id)).toBeNull();
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
      expect(await store.getOrder('t2', order.id)).toBeNull();
      expect(await store.getOrder('t1', 'ord_unknown')).toBeNull();
      expect(await store.loadOrder(order.id)).toEqual(order);
      expect(await store.loadOrder('ord_unknown')).toBeNull();
    });

    describe('commitEvent', () => {
      it('appends an applied event and writes the new state, bumping rev', async () => {
        const order = await place(buildOrder('t1'));
        const next = moved(order, 'on_hold', at(5), { held_at: 'processing', courier_id: 'k7' });
        const event = buildEvent(order, { status: 'on_hold', occurred_at: at(5), location: { lat: 1.5, lng: 2 }, note: 'x' });
        expect(await commit(order, 1, event, next)).toEqual({ kind: 'ok', rev: 2, lastLocation: null });
        expect(await store.loadOrder(order.id)).toEqual({ ...next, rev: 2 });
        expect(await store.findEvent(order.id, event.event_id)).toEqual(event);
        expect(await store.listEvents(order.id, 1, 10)).toEqual([event]);
      });

      it('refuses a stale expected rev and writes nothing', async () => {
        const placed = await place(buildOrder('t1'));
        const { order } = await advance(placed, 'processing', at(1));
        const event = buildEvent(placed, { status: 'shipped', occurred_at: at(2) });
        expect(await commit(order, placed.rev, event, moved(placed, 'shipped', at(2)))).toEqual({ kind: 'rev_conflict' });
        expect(await store.loadOrder(order.id)).toEqual(order);
        expect(await store.findEvent(order.id, event.event_id)).toBeNull();
        expect((await store.history(order.id)).map((e) => e.status)).toEqual(['placed', 'processing']);
      });

      it('reports an event id already in the log as a duplicate and writes nothing', async () => {
        const { order, event } = await advance(await place(buildOrder('t1')), 'processing', at(1));
        const again = { ...event, seq: 3, status: 'shipped' as const, occurred_at: at(2) };
        expect(await commit(order, order.rev, again, moved(order, 'shipped', at(2)))).toEqual({ kind: 'duplicate_event' });
        expect(await store.loadOrder(order.id)).toEqual(order);
        expect(await store.history(order.id)).toHaveLength(2);
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
        await store.updateLastLocations([{ orderId: order.id, location: here }]);
        const event = buildEvent(order, { occurred_at: at(3) });
        expect(await commit(order, 1, event, moved(order, 'processing', at(3)))).toEqual({ kind: 'ok', rev: 2, lastLocation: here });
        expect(await commit(order, 2, lateEvent(order, at(1)), null)).toEqual({ kind: 'ok', rev: 2, lastLocation: here });
        expect(await store.assignCourier(order.id, 2, 'k1', at(4))).toEqual({ kind: 'ok', rev: 3, lastLocation: here });
      });

      it('records a late event that changes the order (a late pickup assigns it) under the guard', async () => {
        const { order } = await advance(await place(buildOrder('t1')), 'in_transit', at(10));
        const late = lateEvent(order, at(5), 'shipped');
        const next = { ...order, courier_id: 'k3', updated_at: at(11) };
        expect(await commit(order, order.rev, late, next)).toEqual({ kind: 'ok', rev: order.rev + 1, lastLocation: null });
        expect(await store.loadOrder(order.id)).toEqual({ ...next, rev: order.rev + 1 });
        expect((await store.listEvents(order.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
        expect(await store.findEvent(order.id, late.event_id)).toEqual(late);
      });

      it('records a late event with seq null and leaves the order unchanged', async () => {
        const { order } = await advance(await place(buildOrder('t1')), 'in_transit', at(10));
        const late = lateEvent(order, at(5), 'shipped');
        expect(await commit(order, order.rev, late, null)).toEqual({ kind: 'ok', rev: order.rev, lastLocation: null });
        expect(await store.loadOrder(order.id)).toEqual(order);
        expect(await store.findEvent(order.id, late.event_id)).toEqual(late);
        expect((await store.listEvents(order.id, 0, 10)).map((e) => e.seq)).toEqual([1, 2]);
      });
    });

    it('listEvents returns applied events after a seq, in order, up to a limit', async () => {
      let order = await place(buildOrder('t1'));
      const path = ['processing', 'shipped', 'in_transit', 'in_transit', 'out_for_delivery'] as const;
      for (const [index, status] of path.entries()) ({ order } = await advance(order, status, at(index + 1)));
      await commit(order, order.rev, lateEvent(order, at(0)), null);
      expect((await store.listEvents(order.id, 0, 100)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      const page = await store.listEvents(order.id, 2, 2);
      expect(page.map((e) => [e.seq, e.status])).toEqual([[3, 'shipped'], [4, 'in_transit']]);
      expect(await store.listEvents(order.id, 6, 10)).toEqual([]);
    });

    it('history holds applied and late events, oldest first by occurred_at', async () => {
      const { order } = await advance(await place(buildOrder('t1', { created_at: at(0) })), 'shipped', at(10));
      await commit(order, order.rev, lateEvent(order, at(4)), null);
      const { order: last } = await advance(order, 'in_transit', at(20));
      expect((await store.history(last.id)).map((e) => [e.status, e.seq, e.applied])).toEqual([
        ['placed', 1, true],
        ['processing', null, false],
        ['shipped', 2, true],
        ['in_transit', 3, true],
      ]);
    });

    it('assignCourier writes the courier under the revision guard', async () => {
      const order = await place(buildOrder('t1'));
      expect(await store.assignCourier(order.id, 1, 'k7', at(3))).toEqual({ kind: 'ok', rev: 2, lastLocation: null });
      expect(await store.loadOrder(order.id)).toEqual({ ...order, courier_id: 'k7', updated_at: at(3), rev: 2 });
      expect(await store.assignCourier(order.id, 1, 'k8', at(4))).toEqual({ kind: 'rev_conflict' });
      // The assignment moved rev on, so an event decided on the old state is refused too.
      const event = buildEvent(order, { occurred_at: at(5) });
      expect(await commit(order, 1, event, moved(order, 'processing', at(5)))).toEqual({ kind: 'rev_conflict' });
      expect((await store.loadOrder(order.id))?.courier_id).toBe('k7');
    });

    it('updateLastLocations stores each order position; a later one replaces it', async () => {
      const [one, two, three] = [await place(buildOrder('t1')), await place(buildOrder('t1')), await place(buildOrder('t1'))];
      const here = { lat: 22.31, lng: 114.17, at: at(1) };
      await store.updateLastLocations([
        { orderId: one.id, location: here },
        { orderId: two.id, location: { lat: 1, lng: 2, at: at(1) } },
      ]);
      await store.updateLastLocations([{ orderId: two.id, location: { lat: 3, lng: 4, at: at(2) } }]);
      expect((await store.loadOrder(one.id))?.last_location).toEqual(here);
      expect((await store.loadOrder(two.id))?.last_location).toEqual({ lat: 3, lng: 4, at: at(2) });
      expect((await store.loadOrder(three.id))?.last_location).toBeNull();
    });

    it('orderHeads gives the version and courier of each known order in one call', async () => {
      const { order: one } = await advance(await place(buildOrder('t1')), 'processing', at(1));
      const two = await place(buildOrder('t2', { courier_id: 'k4' }));
      const heads = await store.orderHeads([one.id, 'ord_unknown', two.id]);
      expect([...heads].sort((a, b) => (a.id < b.id ? -1 : 1))).toEqual(
        [
          { id: one.id, version: 2, courier_id: null },
          { id: two.id, version: 1, courier_id: 'k4' },
        ].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect(await store.orderHeads([])).toEqual([]);
    });

    describe('delivery log', () => {
      const entry = (channel: 'email' | 'sms' | 'websocket', status: Delivery['status'], orderId = 'ord_d1'): Delivery => ({
        order_id: orderId, seq: 3, channel, status, attempts: status === 'skipped' ? 0 : 1, at: at(1), reason: null, error: null,
      });

      it('claims a channel once; a retrying record may be claimed again', async () => {
        expect(await store.claimDelivery('ord_d1', 3, 'email', at(1))).toEqual({ claimed: true, attempts: 1 });
        expect(await store.claimDelivery('ord_d1', 3, 'email', at(2))).toMatchObject({ claimed: false, delivery: { status: 'sending' } });
        await store.recordDelivery({ ...entry('email', 'retrying'), attempts: 1 });
        expect(await store.claimDelivery('ord_d1', 3, 'email', at(3))).toEqual({ claimed: true, attempts: 2 });
      });

      it('records a skip only over nothing or a retrying attempt, never over one that may have sent', async () => {
        expect(await store.skipDelivery({ ...entry('websocket', 'skipped'), reason: 'superseded' })).toBe(true);
        await store.claimDelivery('ord_d1', 3, 'email', at(1));
        expect(await store.skipDelivery({ ...entry('email', 'skipped'), reason: 'superseded' })).toBe(false);
        await store.recordDelivery(entry('sms', 'retrying'));
        expect(await store.skipDelivery({ ...entry('sms', 'skipped'), reason: 'superseded' })).toBe(true);
        const log = new Map((await store.listDeliveries('ord_d1')).map((d) => [d.channel, d]));
        expect(log.get('email')?.status).toBe('sending');
        expect(log.get('sms')).toMatchObject({ status: 'skipped', reason: 'superseded' });
        expect(log.get('websocket')).toMatchObject({ status: 'skipped', reason: 'superseded' });
      });
    });

    describeSearchContract(() => store, place);
  });
}

/** searchOrders: filters, `q`, pagination and tenant isolation. */
function describeSearchContract(getStore: () => Store, place: (order: Order) => Promise<Order>): void {
  describe('searchOrders', () => {
    const ada = { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550000001' };
    const grace = { id: 'c2', name: 'Grace Hopper', email: 'grace@navy.example' };
    const alan = { id: 'c3', name: 'Alan Turing', email: 'alan@bletchley.example' };
    type Key = 'a' | 'b' | 'c' | 'd' | 'e' | 'x';
    let o: Record<Key, Order>;
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    const search = (query: Partial<OrderQuery>, tenantId = 't1') => getStore().searchOrders(tenantId, { limit: 50, ...query });
    const found = async (query: Partial<OrderQuery>, tenantId = 't1') => ids((await search(query, tenantId)).items);

    beforeEach(async () => {
      const make = (created: number, updated: number, fields: Partial<Order>) =>
        place(buildOrder('t1', { created_at: at(created), updated_at: at(updated), last_event_at: at(updated), ...fields }));
      o = {
        a: await make(1, 50, { customer: ada, external_id: 'shop-1' }),
        b: await make(2, 20, { customer: grace, status: 'shipped', courier_id: 'k1', external_id: 'shop-2' }),
        c: await make(3, 40, { customer: ada, status: 'in_transit', courier_id: 'k2' }),
        d: await make(4, 10, { customer: alan, status: 'delivered', external_id: 'mkt-9' }),
        e: await make(5, 30, { customer: grace, status: 'shipped', courier_id: 'k1' }),
        x: await place(buildOrder('t2', { created_at: at(6), customer: ada, external_id: 'shop-1', courier_id: 'k1' })),
      };
    });

    it('lists the tenant orders newest first; a page holding the last match has no cursor', async () => {
      expect(await search({})).toEqual({ items: [o.e, o.d, o.c, o.b, o.a], next: null });
      expect((await search({ limit: 5 })).next).toBeNull();
      const first = await search({ limit: 4 });
      expect(first.next).not.toBeNull();
      expect(await search({ limit: 4, after: first.next! })).toEqual({ items: [o.a], next: null });
    });

    it('merges several statuses newest first', async () => {
      expect(await found({ statuses: ['shipped', 'in_transit'] })).toEqual(ids([o.e, o.c, o.b]));
      expect(await found({ statuses: ['delivered'] })).toEqual(ids([o.d]));
    });

    it('filters by created and updated ranges, bounds included', async () => {
      expect(await found({ createdFrom: at(2), createdTo: at(4) })).toEqual(ids([o.d, o.c, o.b]));
      expect(await found({ updatedFrom: at(20), updatedTo: at(40) })).toEqual(ids([o.e, o.c, o.b]));
      expect(await found({ updatedFrom: at(45) })).toEqual(ids([o.a]));
    });

    it('filters by customer and by courier, and combines filters', async () => {
      expect(await found({ customerId: 'c1' })).toEqual(ids([o.c, o.a]));
      expect(await found({ courierId: 'k1' })).toEqual(ids([o.e, o.b]));
      expect(await found({ courierId: 'k1', statuses: ['shipped'], createdTo: at(3) })).toEqual(ids([o.b]));
      expect(await found({ q: 'shop-', statuses: ['shipped'] })).toEqual(ids([o.b]));
    });

    it.each<[string, () => string, Key[]]>([
      ['the id', () => o.c.id, ['c']],
      ['an external_id prefix', () => 'shop-', ['b', 'a']],
      ['an email prefix, any case', () => 'ADA@Ex', ['c', 'a']],
      ['a first name', () => 'grace', ['e', 'b']],
      ['a later name word', () => 'Turing', ['d']],
      ['a phone prefix', () => '+1555000', ['c', 'a']],
      ['nothing', () => 'nobody', []],
    ])('q matches %s', async (_what, q, expected) => {
      expect(await found({ q: q() })).toEqual(expected.map((key) => o[key].id));
    });

    it('keeps tenants apart', async () => {
      expect(await found({ q: o.x.id })).toEqual([]);
      expect(await found({ courierId: 'k1' }, 't2')).toEqual(ids([o.x]));
      expect(await found({ q: 'shop-1' }, 't2')).toEqual(ids([o.x]));
      expect(await found({}, 't3')).toEqual([]);
    });

    it.each([
      ['no filter', undefined],
      ['a status list', ['placed', 'in_transit'] as OrderStatus[]],
    ])('pages with %s cover every match exactly once, newest first', async (_name, statuses) => {
      const all: Order[] = [];
      const cycle: OrderStatus[] = ['placed', 'shipped', 'in_transit'];
      // Three orders per instant: the cursor must break ties on created_at.
      for (let index = 0; index < 23; index++) {
        all.push(await place(buildOrder('tp', { created_at: at(Math.floor(index / 3)), status: cycle[index % 3]! })));
      }
      const expected = all.filter((order) => !statuses || statuses.includes(order.status));
      const seen: Order[] = [];
      let after: OrderQuery['after'];
      for (let pages = 0; pages < 20; pages++) {
        const page = await getStore().searchOrders('tp', { limit: 4, statuses, after });
        seen.push(...page.items);
        if (!page.next) break;
        expect(page.items).toHaveLength(4);
        after = page.next;
      }
      expect(new Set(ids(seen)).size).toBe(seen.length);
      expect(ids(seen).sort()).toEqual(ids(expected).sort());
      const times = seen.map((order) => order.created_at);
      expect(times).toEqual([...times].sort().reverse());
    });
  });
}
