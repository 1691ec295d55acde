import { randomBytes } from 'node:crypto';
import { keptPromise, type Order, type OrderEvent } from '../../src/domain/order';
import type { OrderStatus } from '../../src/domain/status';
import type {
  Delivery,
  ExportedOrder,
  IdempotencyClaim,
  NewWebhookAttempt,
  NewWebhookMessage,
  OrderFilter,
  OrderQuery,
  ReportSummary,
  Store,
  StoredWebhook,
  Tenant,
  WebhookMessageCursor,
} from '../../src/store/store';

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
    courier_id: null, created_at: created, updated_at: created, eta: null, promised_by: null, last_location: null,
    last_event_at: created, held_at: null, delivered_at: null, failed_attempts: 0,
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
/**
 * Places many orders a few at a time: thousands at once would wait on a networked store's connection pool
 * longer than it lets a caller wait (by design: an exhausted pool answers unavailable), which is not what these
 * tests are about.
 */
async function placeAll(orders: Order[], place: (order: Order) => Promise<Order>, concurrency = 16): Promise<Order[]> {
  const placed: Order[] = new Array(orders.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < orders.length) {
      const index = next++;
      placed[index] = await place(orders[index]!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return placed;
}

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

    it('keeps a tenant\'s settings: the defaults until set, then what was put', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, 'hash-settings');
      expect(await store.getTenantSettings(tenant.id)).toEqual({ retention_days: null, arrival_radius_m: 300, quiet_hours: null });
      const settings = { retention_days: 30, arrival_radius_m: 150, quiet_hours: { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' } };
      await store.putTenantSettings(tenant.id, settings);
      expect(await store.getTenantSettings(tenant.id)).toEqual(settings);
      expect(await store.getTenant(tenant.id)).toEqual(tenant);
      expect(await store.getTenantSettings('ten_unknown')).toBeNull();
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
          return store.commitEvent({ orderId: order.id, expectedRev: 1, event, next: moved(order, 'shipped', at(2)), effects: ['alert'] });
        });
        const results = await Promise.all(commits);
        expect(results[0]).toEqual({ kind: 'duplicate_event' });
        expect(results[1]).toEqual({ kind: 'rev_conflict' });
        expect(results.slice(2)).toEqual(orders.slice(2).map(() => ({ kind: 'ok', rev: 2, lastLocation: null })));
        for (const order of orders.slice(2)) {
          expect(await store.loadOrder(order.id)).toMatchObject({ status: 'shipped', version: 2, rev: 2 });
          expect((await store.listEvents(order.id, 1, 10)).map((event) => event.status)).toEqual(['shipped']);
        }
        expect((await store.loadOrder(stale.id))?.status).toBe('processing');
        const owed = await store.pendingEffects('alert', at(60), 100);
        expect(owed.map((effect) => effect.orderId).sort()).toEqual(orders.slice(2).map((order) => order.id).sort());
      });

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

      it('writes the report projections (delivered_at, failed_attempts) and keeps promised_by', async () => {
        const placed = await place(buildOrder('t1', { promised_by: at(90), courier_id: 'k1' }));
        const { order: out } = await advance(placed, 'out_for_delivery', at(10));
        const failed = moved(out, 'failed_attempt', at(20), { failed_attempts: 1 });
        await commit(out, out.rev, buildEvent(out, { status: 'failed_attempt', occurred_at: at(20) }), failed);
        const again = (await store.loadOrder(placed.id))!;
        expect(again).toMatchObject({ failed_attempts: 1, delivered_at: null, promised_by: at(90) });
        const retried = moved(again, 'out_for_delivery', at(30));
        await commit(again, again.rev, buildEvent(again, { status: 'out_for_delivery', occurred_at: at(30) }), retried);
        const onWay = (await store.loadOrder(placed.id))!;
        const delivered = moved(onWay, 'delivered', at(40), { delivered_at: at(40) });
        await commit(onWay, onWay.rev, buildEvent(onWay, { status: 'delivered', occurred_at: at(40) }), delivered);
        expect(await store.loadOrder(placed.id)).toEqual({ ...delivered, rev: onWay.rev + 1 });
        expect(await store.loadOrder(placed.id)).toMatchObject({ delivered_at: at(40), failed_attempts: 1, promised_by: at(90) });
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

    describe('arrival', () => {
      /** An order placed and out for delivery (version 2). */
      async function outForDelivery(): Promise<Order> {
        const order = await place(buildOrder('t1', { destination: { lat: 22.28, lng: 114.175 } }));
        return (await advance(order, 'out_for_delivery', at(2))).order;
      }

      it('claims an order out for delivery once, owing its arriving alert under its version in the same write', async () => {
        const order = await outForDelivery();
        expect(await store.claimArrival(order.id, at(5))).toEqual({ claimed: true, seq: 2, tenantId: 't1' });
        expect(await store.claimArrival(order.id, at(6))).toEqual({ claimed: false });
        expect(await store.pendingEffects('arriving', at(60), 100)).toEqual([{ orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) }]);
        const stored = (await store.loadOrder(order.id))!;
        expect(stored.arriving_at).toBe(at(5));
        // The claim is no event: version and revision stay, and the next commit keeps the claim.
        expect(stored).toMatchObject({ version: 2, rev: order.rev });
        const { order: delivered } = await advance(stored, 'delivered', at(7));
        expect(delivered).toMatchObject({ status: 'delivered', arriving_at: at(5) });
        expect(await store.claimArrival(order.id, at(8))).toEqual({ claimed: false });
      });

      it('claims only orders out for delivery; an unknown order is no claim', async () => {
        const placed = await place(buildOrder('t1'));
        expect(await store.claimArrival(placed.id, at(5))).toEqual({ claimed: false });
        expect(await store.claimArrival('ord_missing', at(5))).toEqual({ claimed: false });
        expect((await store.loadOrder(placed.id))?.arriving_at ?? null).toBeNull();
        expect(await store.pendingEffects('arriving', at(60), 100)).toEqual([]);
      });

      it('of concurrent claims on one order, exactly one wins and one alert is owed', async () => {
        const order = await outForDelivery();
        const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimArrival(order.id, at(10 + i))));
        expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
        expect(await store.pendingEffects('arriving', at(60), 100)).toHaveLength(1);
      });

      it('updateEtas keeps each order\'s ETA beside its state: no version, and an event commit does not undo it', async () => {
        const order = await outForDelivery();
        const other = await place(buildOrder('t1'));
        await store.updateEtas([
          { orderId: order.id, eta: at(30) },
          { orderId: other.id, eta: at(40) },
        ]);
        await store.updateEtas([{ orderId: order.id, eta: at(25) }]);
        const stored = (await store.loadOrder(order.id))!;
        expect(stored).toMatchObject({ eta: at(25), version: 2, rev: order.rev });
        expect((await store.loadOrder(other.id))?.eta).toBe(at(40));
        const { order: next } = await advance(stored, 'failed_attempt', at(26));
        expect(next.eta).toBe(at(25));
        expect((await store.getOrder('t1', order.id))?.eta).toBe(at(25));
      });

      it('logs an arriving alert apart from the status alert of the same seq, with the relay that sent it', async () => {
        expect(await store.claimDelivery('ord_a1', 2, 'email', at(1))).toEqual({ claimed: true, attempts: 1 });
        expect(await store.claimDelivery('ord_a1', 2, 'email', at(1), 'arriving')).toEqual({ claimed: true, attempts: 1 });
        expect(await store.claimDelivery('ord_a1', 2, 'email', at(2), 'arriving')).toMatchObject({ claimed: false, delivery: { status: 'sending' } });
        const sent: Delivery = {
          order_id: 'ord_a1', seq: 2, kind: 'arriving', channel: 'email', status: 'sent', attempts: 1, at: at(3), reason: null, error: null,
          relay: 'fallback',
        };
        await store.recordDelivery(sent);
        const log = await store.listDeliveries('ord_a1');
        expect(log).toHaveLength(2);
        expect(log.find((d) => d.kind === 'arriving')).toEqual(sent);
        expect(log.find((d) => d.kind === 'status')).toMatchObject({ status: 'sending', relay: null });
      });
    });

    describe('outbox', () => {
      it('records what placement owes under seq 1, with the first event', async () => {
        const order = buildOrder('t1', { created_at: at(3) });
        await store.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant', effects: ['webhook'] });
        expect(await store.pendingEffects('webhook', at(60), 100)).toEqual([{ orderId: order.id, seq: 1, tenantId: 't1', createdAt: at(3) }]);
        // A repeat of the placement (the same external id) owes nothing more.
        expect(await store.pendingEffects('webhook', at(3), 100)).toEqual([]);
      });

      it('records a courier change\'s effects under the revision it writes: an assignment, and an event that assigns', async () => {
        const order = await place(buildOrder('t1'));
        expect(await store.assignCourier(order.id, 1, 'k1', at(1), ['webhook_assignment'])).toMatchObject({ kind: 'ok', rev: 2 });
        expect(await store.assignCourier(order.id, 1, 'k9', at(1), ['webhook_assignment'])).toEqual({ kind: 'rev_conflict' });
        const late = lateEvent(order, at(0), 'shipped');
        const next = { ...order, courier_id: 'k2', updated_at: at(2) };
        expect(await store.commitEvent({ orderId: order.id, expectedRev: 2, event: late, next, revisionEffects: ['webhook_assignment'] })).toMatchObject({
          kind: 'ok',
          rev: 3,
        });
        const owed = await store.pendingEffects('webhook_assignment', at(120), 100);
        expect(owed.map((effect) => [effect.seq, effect.createdAt])).toEqual([
          [2, at(1)],
          [3, at(99)],
        ]);
        await store.clearEffect('webhook_assignment', order.id, 2);
        expect((await store.pendingEffects('webhook_assignment', at(120), 100)).map((effect) => effect.seq)).toEqual([3]);
      });

      it('records an effect owed by a change outside the order once, however often it is owed', async () => {
        const order = await place(buildOrder('t1'));
        const owed = { kind: 'webhook_alert_failed' as const, orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) };
        await store.oweEffect(owed);
        await store.oweEffect({ ...owed, createdAt: at(6) });
        expect(await store.pendingEffects('webhook_alert_failed', at(60), 100)).toEqual([{ orderId: order.id, seq: 2, tenantId: 't1', createdAt: at(5) }]);
      });
    });

    describeWebhookDirectoryContract(() => store);
    describeWebhookLogContract(() => store);
    describeSearchContract(() => store, place);
    describePromisedSearchContract(() => store, place);
    describeExportContract(() => store, place);
    describeSummaryContract(() => store, place);
  });
}

function buildWebhook(tenantId: string, overrides: Partial<StoredWebhook> = {}): StoredWebhook {
  return {
    id: uniqueId('wh'), tenant_id: tenantId, url: 'https://hooks.example.com/in', events: ['order.created', 'order.status_changed'],
    description: 'ERP', enabled: true, disabled_reason: null, secret: 'whsec_AAAA', previous_secret: null,
    previous_secret_expires_at: null, created_at: at(0), updated_at: at(0),
    ...overrides,
  };
}

function buildMessage(webhook: StoredWebhook, overrides: Partial<NewWebhookMessage> = {}): NewWebhookMessage {
  const id = overrides.id ?? uniqueId('msg');
  return {
    id, webhook_id: webhook.id, tenant_id: webhook.tenant_id, type: 'order.status_changed', order_id: 'ord_1', seq: 2,
    payload: '{"type":"order.status_changed","timestamp":"2024-01-01T00:00:00.000Z","data":{}}', job_id: id, created_at: at(1),
    ...overrides,
  };
}

/** WebhookDirectory: endpoints per tenant, their secrets and rotations. */
function describeWebhookDirectoryContract(getStore: () => Store): void {
  describe('webhook directory', () => {
    it('stores endpoints per tenant: another tenant\'s is absent; listed oldest first', async () => {
      const store = getStore();
      const first = buildWebhook('t1', { created_at: at(1), updated_at: at(1) });
      const second = buildWebhook('t1', { created_at: at(2), updated_at: at(2), events: ['order.assigned'], description: null });
      await store.createWebhook(second);
      await store.createWebhook(first);
      await store.createWebhook(buildWebhook('t2'));
      expect(await store.getWebhook('t1', first.id)).toEqual(first);
      expect(await store.getWebhook('t2', first.id)).toBeNull();
      expect(await store.loadWebhook(first.id)).toEqual(first);
      expect(await store.listWebhooks('t1')).toEqual([first, second]);
    });

    it('updates only the fields given, for the tenant that owns the endpoint', async () => {
      const store = getStore();
      const webhook = buildWebhook('t1');
      await store.createWebhook(webhook);
      expect(await store.updateWebhook('t2', webhook.id, { enabled: false, updated_at: at(3) })).toBeNull();
      const changed = await store.updateWebhook('t1', webhook.id, { events: ['order.assigned'], enabled: false, updated_at: at(3) });
      expect(changed).toEqual({ ...webhook, events: ['order.assigned'], enabled: false, updated_at: at(3) });
      expect(await store.updateWebhook('t1', webhook.id, { description: null, url: 'https://new.example.com/', updated_at: at(4) })).toEqual({
        ...changed, description: null, url: 'https://new.example.com/', updated_at: at(4),
      });
    });

    it('rotates a secret: the replaced one signs until it expires; a second rotation drops the first one\'s', async () => {
      const store = getStore();
      const webhook = buildWebhook('t1', { secret: 'whsec_one' });
      await store.createWebhook(webhook);
      expect(await store.rotateWebhookSecret('t2', webhook.id, 'whsec_x', at(100), at(5))).toBeNull();
      expect(await store.rotateWebhookSecret('t1', webhook.id, 'whsec_two', at(100), at(5))).toMatchObject({
        secret: 'whsec_two', previous_secret: 'whsec_one', previous_secret_expires_at: at(100), updated_at: at(5),
      });
      expect(await store.rotateWebhookSecret('t1', webhook.id, 'whsec_three', at(200), at(6))).toMatchObject({
        secret: 'whsec_three', previous_secret: 'whsec_two', previous_secret_expires_at: at(200),
      });
      expect(await store.loadWebhook(webhook.id)).toMatchObject({ secret: 'whsec_three', previous_secret: 'whsec_two' });
    });

    it('disables an enabled endpoint once, saying why', async () => {
      const store = getStore();
      const webhook = buildWebhook('t1');
      await store.createWebhook(webhook);
      expect(await store.disableWebhook(webhook.id, 'the receiver answered 410 Gone', at(7))).toBe(true);
      expect(await store.disableWebhook(webhook.id, 'again', at(8))).toBe(false);
      expect(await store.getWebhook('t1', webhook.id)).toMatchObject({ enabled: false, disabled_reason: 'the receiver answered 410 Gone', updated_at: at(7) });
    });

    it('deletes an endpoint with its delivery log, only for its tenant', async () => {
      const store = getStore();
      const webhook = buildWebhook('t1');
      const kept = buildWebhook('t1');
      await store.createWebhook(webhook);
      await store.createWebhook(kept);
      const gone = buildMessage(webhook);
      const stays = buildMessage(kept);
      await store.addWebhookMessages([gone, stays]);
      expect(await store.deleteWebhook('t2', webhook.id)).toBe(false);
      expect(await store.deleteWebhook('t1', webhook.id)).toBe(true);
      expect(await store.deleteWebhook('t1', webhook.id)).toBe(false);
      expect(await store.getWebhook('t1', webhook.id)).toBeNull();
      expect(await store.getWebhookMessage(gone.id)).toBeNull();
      expect(await store.getWebhookMessage(stays.id)).not.toBeNull();
    });
  });
}

/** WebhookLog: messages (idempotent by id), their attempts, the delivery log's filters and pages, the overdue sweep. */
function describeWebhookLogContract(getStore: () => Store): void {
  describe('webhook log', () => {
    let webhook: StoredWebhook;
    beforeEach(async () => {
      webhook = buildWebhook('t1');
      await getStore().createWebhook(webhook);
    });

    const attempt = (minute: number, status_code: number | null, error: string | null = null, response: string | null = null): NewWebhookAttempt => ({
      started_at: at(minute), finished_at: status_code === null && error?.startsWith('interrupted') ? null : at(minute + 1), status_code, error, response,
      duration_ms: status_code === null && error?.startsWith('interrupted') ? null : 60_000,
    });

    it('stores a message once: a repeated fan-out leaves the stored one as it is', async () => {
      const store = getStore();
      const message = buildMessage(webhook);
      await store.addWebhookMessages([message]);
      expect(await store.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(2, 500, 'HTTP 500', 'no')], { status: 'pending', next_attempt_at: at(9) })).toBe(true);
      await store.addWebhookMessages([{ ...message, payload: '{"changed":true}' }, buildMessage(webhook)]);
      expect(await store.getWebhookMessage(message.id)).toEqual({
        id: message.id, webhook_id: webhook.id, tenant_id: 't1', type: 'order.status_changed', order_id: 'ord_1', seq: 2,
        payload: message.payload, job_id: message.job_id, status: 'pending', attempts: 1, last_status_code: 500, last_error: 'HTTP 500',
        last_response: 'no', last_attempt_at: at(2), next_attempt_at: at(9), created_at: at(1),
      });
      expect((await store.listWebhookMessages(webhook.id, { limit: 10 })).items).toHaveLength(2);
    });

    it('logs attempts numbered on from the count, only for the carrying job at the expected count', async () => {
      const store = getStore();
      const message = buildMessage(webhook);
      await store.addWebhookMessages([message]);
      const retry = { status: 'pending' as const, next_attempt_at: at(10) };
      expect(await store.recordWebhookAttempts(message.id, 'another-job', 0, [attempt(2, 500, 'HTTP 500')], retry)).toBe(false);
      // A run after a worker's death logs the attempt that was cut off, then its own.
      expect(
        await store.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(2, null, 'interrupted: the worker stopped'), attempt(3, 500, 'HTTP 500', 'oops')], retry),
      ).toBe(true);
      // A run that read the message before that write (at 0 attempts) writes nothing.
      expect(await store.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(4, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
      expect(await store.recordWebhookAttempts(message.id, message.job_id, 2, [attempt(10, 204, null, '')], { status: 'succeeded', next_attempt_at: null })).toBe(true);
      expect(await store.recordWebhookAttempts(message.id, message.job_id, 3, [attempt(12, 204)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
      expect(await store.listWebhookAttempts(message.id)).toEqual([
        { attempt: 1, started_at: at(2), finished_at: null, status_code: null, error: 'interrupted: the worker stopped', response: null, duration_ms: null },
        { attempt: 2, started_at: at(3), finished_at: at(4), status_code: 500, error: 'HTTP 500', response: 'oops', duration_ms: 60_000 },
        { attempt: 3, started_at: at(10), finished_at: at(11), status_code: 204, error: null, response: '', duration_ms: 60_000 },
      ]);
      expect(await store.getWebhookMessage(message.id)).toMatchObject({
        status: 'succeeded', attempts: 3, last_status_code: 204, last_error: null, last_response: '', last_attempt_at: at(10), next_attempt_at: null,
      });
    });

    it('settles a message without an attempt only for the job carrying it; a replay carries it again', async () => {
      const store = getStore();
      const message = buildMessage(webhook);
      await store.addWebhookMessages([message]);
      await store.settleWebhookMessage(message.id, 'another-job', { status: 'failed', next_attempt_at: null, last_error: 'x' });
      expect(await store.getWebhookMessage(message.id)).toMatchObject({ status: 'pending' });
      await store.settleWebhookMessage(message.id, message.job_id, { status: 'failed', next_attempt_at: null, last_error: 'endpoint disabled' });
      expect(await store.getWebhookMessage(message.id)).toMatchObject({ status: 'failed', last_error: 'endpoint disabled', next_attempt_at: null });
      expect(await store.requeueWebhookMessage('msg_unknown', 'r1', at(20))).toBeNull();
      expect(await store.requeueWebhookMessage(message.id, 'replay-1', at(20))).toMatchObject({ status: 'pending', job_id: 'replay-1', next_attempt_at: at(20) });
      expect(await store.recordWebhookAttempts(message.id, message.job_id, 0, [attempt(21, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(false);
      expect(await store.recordWebhookAttempts(message.id, 'replay-1', 0, [attempt(21, 200)], { status: 'succeeded', next_attempt_at: null })).toBe(true);
    });

    it('lists an endpoint\'s messages newest first, by status and by order, in pages', async () => {
      const store = getStore();
      const other = buildWebhook('t1');
      await store.createWebhook(other);
      const messages = Array.from({ length: 7 }, (_, index) =>
        buildMessage(webhook, { id: `msg_${String(index).padStart(2, '0')}_${webhook.id}`, order_id: index % 2 ? 'ord_odd' : 'ord_even', created_at: at(index < 4 ? 1 : index) }),
      );
      await store.addWebhookMessages([...messages, buildMessage(other)]);
      const first = messages[0]!;
      await store.recordWebhookAttempts(first.id, first.job_id, 0, [attempt(2, 200, null, 'ok')], { status: 'succeeded', next_attempt_at: null });
      const newestFirst = [...messages].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));
      const seen: string[] = [];
      let after: WebhookMessageCursor | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await store.listWebhookMessages(webhook.id, { limit: 3, after });
        seen.push(...result.items.map((item) => item.id));
        if (!result.next) break;
        after = result.next;
      }
      expect(seen).toEqual(newestFirst.map((message) => message.id));
      expect((await store.listWebhookMessages(webhook.id, { limit: 10, status: 'succeeded' })).items.map((item) => item.id)).toEqual([first.id]);
      expect((await store.listWebhookMessages(webhook.id, { limit: 10, status: 'pending', orderId: 'ord_odd' })).items.map((item) => item.id)).toEqual(
        newestFirst.filter((message) => message.order_id === 'ord_odd').map((message) => message.id),
      );
      const page = await store.listWebhookMessages(webhook.id, { limit: 7 });
      expect(page.next).toBeNull();
      expect(page.items[0]).toEqual({
        id: newestFirst[0]!.id, webhook_id: webhook.id, type: 'order.status_changed', order_id: newestFirst[0]!.order_id, seq: 2, status: 'pending',
        attempts: 0, last_status_code: null, last_error: null, last_response: null, last_attempt_at: null, next_attempt_at: newestFirst[0]!.created_at,
        created_at: newestFirst[0]!.created_at,
      });
    });

    it('finds pending messages due before a time, oldest due first, page after page', async () => {
      const store = getStore();
      const due = [buildMessage(webhook, { created_at: at(1) }), buildMessage(webhook, { created_at: at(1) }), buildMessage(webhook, { created_at: at(2) })];
      const later = buildMessage(webhook, { created_at: at(50) });
      const settled = buildMessage(webhook, { created_at: at(1) });
      await store.addWebhookMessages([...due, later, settled]);
      await store.settleWebhookMessage(settled.id, settled.job_id, { status: 'failed', next_attempt_at: null, last_error: 'x' });
      const expected = [...due].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
      const firstPage = await store.overdueWebhookMessages(at(10), null, 2);
      expect(firstPage).toEqual(
        expected.slice(0, 2).map((message) => ({
          id: message.id, webhook_id: webhook.id, tenant_id: 't1', job_id: message.job_id, attempts: 0, next_attempt_at: message.created_at,
        })),
      );
      const last = firstPage[1]!;
      expect((await store.overdueWebhookMessages(at(10), { next_attempt_at: last.next_attempt_at, id: last.id }, 2)).map((message) => message.id)).toEqual([expected[2]!.id]);
    });
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

/** searchOrders by promised_by: bounds, orders without a promise, statuses, pagination, selective and broad ranges. */
function describePromisedSearchContract(getStore: () => Store, place: (order: Order) => Promise<Order>): void {
  describe('searchOrders by promised_by', () => {
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    const newestFirst = (orders: Order[]) =>
      [...orders].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));

    /** Every match of `query`, following the cursor; the pages must not repeat or skip. */
    async function everyMatch(tenantId: string, query: Omit<OrderQuery, 'limit' | 'after'>, limit = 50): Promise<string[]> {
      const seen: string[] = [];
      let after: OrderQuery['after'];
      for (let pages = 0; pages < 1000; pages++) {
        const page = await getStore().searchOrders(tenantId, { ...query, limit, after });
        seen.push(...ids(page.items));
        if (!page.next) return seen;
        after = page.next;
      }
      throw new Error('search did not end');
    }

    it('matches promised_by within the bounds (inclusive); orders without a promise never match', async () => {
      const make = (created: number, promised: number | null, status: OrderStatus = 'placed') =>
        place(buildOrder('t1', { created_at: at(created), promised_by: promised === null ? null : at(promised), status }));
      const early = await make(1, 100);
      const edge = await make(2, 200, 'in_transit');
      const late = await make(3, 300, 'in_transit');
      await make(4, null);
      const other = await place(buildOrder('t2', { created_at: at(5), promised_by: at(200) }));
      const search = (query: Partial<OrderQuery>, tenantId = 't1') => everyMatch(tenantId, query);
      expect(await search({ promisedTo: at(200) })).toEqual(ids([edge, early]));
      expect(await search({ promisedFrom: at(200) })).toEqual(ids([late, edge]));
      expect(await search({ promisedFrom: at(150), promisedTo: at(250) })).toEqual(ids([edge]));
      expect(await search({ promisedFrom: at(301) })).toEqual([]);
      // The dashboard's exception: past its promise and not delivered.
      expect(await search({ promisedTo: at(250), statuses: ['placed', 'in_transit', 'out_for_delivery'] })).toEqual(ids([edge, early]));
      expect(await search({ promisedTo: at(250), statuses: ['in_transit'] })).toEqual(ids([edge]));
      expect(await search({ promisedTo: at(250), q: 'ada' })).toEqual(ids([edge, early]));
      expect(await search({ promisedFrom: at(0) }, 't2')).toEqual(ids([other]));
    });

    it.each([
      ['a narrow range', 40, 60],
      ['a range holding most orders', 0, 1300],
    ])('pages through %s exactly once each, newest first, with and without statuses', async (_name, from, to) => {
      // Enough orders that a broad range holds more than an adapter may want to sort per page (placed: ~560).
      const statusOf = (index: number): OrderStatus => (index % 4 === 3 ? 'delivered' : index % 2 === 1 ? 'in_transit' : 'placed');
      const orders = Array.from({ length: 1300 }, (_, index) =>
        // Two orders per instant (the cursor breaks ties); promises run the other way round from creation.
        buildOrder('tp', {
          created_at: at(Math.floor(index / 2)),
          promised_by: index % 7 === 0 ? null : at(1300 - index),
          status: statusOf(index),
        }),
      );
      const all = await placeAll(orders, place);
      const inRange = all.filter((order) => order.promised_by !== null && order.promised_by >= at(from) && order.promised_by <= at(to));
      expect(await everyMatch('tp', { promisedFrom: at(from), promisedTo: at(to) }, 97)).toEqual(ids(newestFirst(inRange)));
      const active = inRange.filter((order) => order.status !== 'delivered');
      expect(await everyMatch('tp', { promisedFrom: at(from), promisedTo: at(to), statuses: ['placed', 'in_transit'] }, 97)).toEqual(
        ids(newestFirst(active)),
      );
    });
  });
}

/** exportOrders: every match, newest first across its pages, the exported fields, filters and tenants. */
function describeExportContract(getStore: () => Store, place: (order: Order) => Promise<Order>): void {
  describe('exportOrders', () => {
    const collect = (tenantId: string, filter: OrderFilter = {}) => collectAll(getStore(), tenantId, filter);
    const exported = (order: Order): ExportedOrder => ({
      id: order.id,
      external_id: order.external_id,
      status: order.status,
      customer_id: order.customer.id,
      courier_id: order.courier_id,
      created_at: order.created_at,
      delivered_at: order.delivered_at,
      promised_by: order.promised_by,
      amount: order.amount,
    });

    it('lists the columns of each order, newest first; missing values are null', async () => {
      const full = await place(
        buildOrder('t1', {
          created_at: at(2), external_id: 'shop,"7"', status: 'returned', courier_id: 'k1', delivered_at: at(50),
          promised_by: at(60), failed_attempts: 1, amount: { value: 4200, currency: 'EUR' },
        }),
      );
      const bare = await place(buildOrder('t1', { created_at: at(1), amount: null, customer: { id: 'c9' } }));
      expect(await collect('t1')).toEqual([exported(full), exported(bare)]);
      expect(await collect('t2')).toEqual([]);
      for await (const _page of getStore().exportOrders('t2', {})) throw new Error('an empty export has no page');
    });

    it('applies the search filters', async () => {
      const make = (created: number, fields: Partial<Order>) => place(buildOrder('t1', { created_at: at(created), ...fields }));
      const a = await make(1, { status: 'delivered', courier_id: 'k1', promised_by: at(10), external_id: 'shop-1' });
      const b = await make(2, { status: 'in_transit', courier_id: 'k2', promised_by: at(20) });
      const c = await make(3, { status: 'in_transit', customer: { id: 'c7', name: 'Grace Hopper' } });
      await place(buildOrder('t2', { created_at: at(4), status: 'in_transit', courier_id: 'k1' }));
      const found = async (filter: OrderFilter) => (await collect('t1', filter)).map((row) => row.id);
      expect(await found({ statuses: ['in_transit'] })).toEqual([c.id, b.id]);
      expect(await found({ statuses: ['delivered', 'in_transit'], createdTo: at(2) })).toEqual([b.id, a.id]);
      expect(await found({ courierId: 'k1' })).toEqual([a.id]);
      expect(await found({ customerId: 'c7' })).toEqual([c.id]);
      expect(await found({ q: 'grace' })).toEqual([c.id]);
      expect(await found({ q: 'shop-' })).toEqual([a.id]);
      expect(await found({ promisedFrom: at(15) })).toEqual([b.id]);
      expect(await found({ updatedFrom: at(3) })).toEqual([c.id]);
    });

    it('reads past any page size: every order once, newest first, ties broken by id', async () => {
      const orders = Array.from({ length: 2345 }, (_, index) => buildOrder('tx', { created_at: at(Math.floor(index / 3)) }));
      await placeAll(orders, place);
      const rows = await collect('tx');
      const expected = [...orders].sort((a, b) =>
        a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1,
      );
      expect(rows.map((row) => row.id)).toEqual(expected.map((order) => order.id));
      // Pages are never empty; a consumer that stops early just stops, and the store serves the next export as usual.
      const sizes: number[] = [];
      for await (const page of getStore().exportOrders('tx', {})) sizes.push(page.length);
      expect(sizes.every((size) => size > 0)).toBe(true);
      for await (const page of getStore().exportOrders('tx', {})) {
        expect(page.length).toBeGreaterThan(0);
        break;
      }
      expect(await collect('tx', { createdFrom: at(780) })).toHaveLength(2345 - 780 * 3);
    });
  });
}

/**
 * reportSummary over a crafted set whose every figure is worked out by hand below. `now` is 2024-01-03T12:00Z:
 * promises before it are past.
 */
function describeSummaryContract(getStore: () => Store, place: (order: Order) => Promise<Order>): void {
  describe('reportSummary', () => {
    const DAY = 24 * 60;
    const NOW = at(2 * DAY + 720);
    const RANGE = { from: at(0), to: at(3 * DAY) }; // 2024-01-01 .. 2024-01-03 (to is exclusive)
    const summary = (tenantId: string, range = RANGE, now = NOW) => getStore().reportSummary(tenantId, range, now);
    const make = (
      created: number,
      status: OrderStatus,
      fields: { delivered?: number; promised?: number; failed?: number; courier?: string } = {},
      tenantId = 't1',
    ) =>
      place(
        buildOrder(tenantId, {
          created_at: at(created),
          status,
          delivered_at: fields.delivered === undefined ? null : at(fields.delivered),
          promised_by: fields.promised === undefined ? null : at(fields.promised),
          failed_attempts: fields.failed ?? 0,
          courier_id: fields.courier ?? null,
        }),
      );

    beforeEach(async () => {
      // In the range. A: created at `from` exactly, delivered at its promise (on time), 2 h.
      await make(0, 'delivered', { delivered: 120, promised: 120, courier: 'k1' });
      // B: delivered a day later, after its promise (late), 1 failed attempt.
      await make(120, 'delivered', { delivered: DAY + 120, promised: 720, failed: 1, courier: 'k1' });
      // C: delivered (on time, 1 h), then returned: still delivered.
      await make(DAY + 600, 'returned', { delivered: DAY + 660, promised: 2 * DAY, courier: 'k2' });
      // D: returned after 2 failed attempts, never delivered, promise past: decided, late.
      await make(DAY + 660, 'returned', { promised: DAY + 1080, failed: 2, courier: 'k2' });
      // E: on its way, promise still ahead: undecided.
      await make(2 * DAY + 300, 'out_for_delivery', { promised: 2 * DAY + 1200, courier: 'k3' });
      // F: cancelled past its promise: no delivery was owed, left out of the rate.
      await make(2 * DAY + 360, 'cancelled', { promised: 2 * DAY + 420 });
      // G: no promise: left out of the rate.
      await make(2 * DAY + 420, 'in_transit', { courier: 'k3' });
      // H: no promise, delivered after the range's last day (18 h).
      await make(2 * DAY + 480, 'delivered', { delivered: 3 * DAY + 120, courier: 'k1' });
      // L: promised exactly now: not past yet, undecided.
      await make(2 * DAY + 540, 'shipped', { promised: 2 * DAY + 720 });
      // Outside: created a minute before `from` (delivered inside it), created at `to`, another tenant.
      await make(-1, 'delivered', { delivered: 60, promised: 30, courier: 'k1' });
      await make(3 * DAY, 'delivered', { delivered: 3 * DAY + 10, courier: 'k1' });
      await make(60, 'delivered', { delivered: 90, promised: 100, failed: 4, courier: 'k1' }, 't2');
    });

    it('counts each figure over the orders created in [from, to)', async () => {
      expect(await summary('t1')).toEqual<ReportSummary>({
        placed: 9,
        delivered: 4, // A, B, C (returned afterwards), H
        returned: 2, // C, D
        cancelled: 1, // F
        failed_attempts: 3, // B 1, D 2
        on_time_rate: 0.5, // on time A, C; late B, D; E and L undecided; F cancelled; G and H unpromised
        delivery_time_s: { p50: 7200, p90: 86_400 }, // sorted 3600, 7200, 64800, 86400: ranks 2 and 4
        by_courier: [
          { courier_id: 'k1', delivered: 3, failed_attempts: 1 },
          { courier_id: 'k2', delivered: 1, failed_attempts: 2 },
          { courier_id: 'k3', delivered: 0, failed_attempts: 0 },
        ],
        by_day: [
          { date: '2024-01-01', placed: 2, delivered: 1 }, // A delivered; the order from before `from` is not counted
          { date: '2024-01-02', placed: 2, delivered: 2 }, // B, C
          { date: '2024-01-03', placed: 5, delivered: 0 }, // H was delivered on the 4th, after the range's last day
        ],
      });
    });

    it('keeps tenants apart', async () => {
      expect(await summary('t2')).toMatchObject({
        placed: 1, delivered: 1, failed_attempts: 4, on_time_rate: 1, delivery_time_s: { p50: 1800, p90: 1800 },
        by_courier: [{ courier_id: 'k1', delivered: 1, failed_attempts: 4 }],
      });
      expect(await summary('t3')).toEqual<ReportSummary>({
        placed: 0, delivered: 0, returned: 0, cancelled: 0, failed_attempts: 0, on_time_rate: null, delivery_time_s: null,
        by_courier: [],
        by_day: ['2024-01-01', '2024-01-02', '2024-01-03'].map((date) => ({ date, placed: 0, delivered: 0 })),
      });
    });

    it('lists every UTC date the range touches, partial days included', async () => {
      const partial = await summary('t1', { from: at(720), to: at(DAY + 720) }); // 01-01 12:00 .. 01-02 12:00: C, D
      expect(partial).toMatchObject({
        placed: 2, delivered: 1, returned: 2, on_time_rate: 0.5, delivery_time_s: { p50: 3600, p90: 3600 },
        by_day: [
          { date: '2024-01-01', placed: 0, delivered: 0 },
          { date: '2024-01-02', placed: 2, delivered: 1 },
        ],
      });
      expect((await summary('t1', { from: at(1), to: at(2) })).by_day).toEqual([{ date: '2024-01-01', placed: 0, delivered: 0 }]);
    });

    it('decides promises against now: later, E and L are past and late; before, only delivered ones count', async () => {
      expect((await summary('t1', RANGE, at(3 * DAY))).on_time_rate).toBeCloseTo(2 / 6, 10);
      expect((await summary('t1', RANGE, at(0))).on_time_rate).toBeCloseTo(2 / 3, 10); // A, B, C only
    });

    it("agrees with the domain's keptPromise on each exported order", async () => {
      const created = (await collectAll(getStore(), 't1')).filter((row) => row.created_at >= RANGE.from && row.created_at < RANGE.to);
      const decided = created.map((row) => keptPromise(row, NOW)).filter((kept): kept is boolean => kept !== null);
      expect(decided).toHaveLength(4);
      expect((await summary('t1')).on_time_rate).toBe(decided.filter(Boolean).length / decided.length);
    });

    it('follows the orders as their events are committed', async () => {
      const order = await make(2 * DAY + 600, 'out_for_delivery', { promised: 2 * DAY + 700, courier: 'k4' });
      const delivered = moved(order, 'delivered', at(2 * DAY + 650), { delivered_at: at(2 * DAY + 650), failed_attempts: 0 });
      await getStore().commitEvent({
        orderId: order.id,
        expectedRev: order.rev,
        event: buildEvent(order, { status: 'delivered', occurred_at: at(2 * DAY + 650) }),
        next: delivered,
      });
      const after = await summary('t1');
      expect(after).toMatchObject({ placed: 10, delivered: 5, on_time_rate: 3 / 5 });
      expect(after.by_courier).toContainEqual({ courier_id: 'k4', delivered: 1, failed_attempts: 0 });
    });
  });
}

/**
 * The privacy operations of the Store port (PrivacyRecords), for every adapter: export pages, erasure in batches
 * (everything an order keeps of its customer, and nothing else), the retention sweep's selection with an injected
 * clock, and the audit trail.
 */
export function describePrivacyContract(name: string, factory: StoreFactory): void {
  describe(`${name} privacy`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeEach(async () => {
      ({ store, cleanup } = await factory());
      await store.init();
    });
    afterEach(() => cleanup());

    const SECRET = { name: 'Zelda Quartermain', email: 'zelda.q@private.example', phone: '+15557654321' };

    async function placed(tenantId: string, customerId: string, overrides: Partial<Order> = {}): Promise<Order> {
      const order = buildOrder(tenantId, {
        customer: { id: customerId, ...SECRET, locale: 'en' },
        destination: { address: '77 Hidden Lane', lat: 22.987654, lng: 114.123456 },
        ...overrides,
      });
      expect(await store.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' })).toEqual({
        kind: 'created',
        order,
      });
      return order;
    }

    /** Moves an order to `status` at `time`, with a note and a location on the event; returns the stored order. */
    async function move(order: Order, status: OrderStatus, time: string): Promise<Order> {
      const next = moved(order, status, time);
      const event = buildEvent(order, { status, occurred_at: time, recorded_at: time, note: 'left with Zelda', location: { lat: 22.987654, lng: 114.123456 } });
      const result = await store.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next });
      expect(result.kind).toBe('ok');
      return (await store.loadOrder(order.id))!;
    }

    it('pages a customer’s orders with their history and delivery logs, newest first', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, uniqueId('hash'));
      const orders: Order[] = [];
      for (let index = 0; index < 5; index++) orders.push(await placed(tenant.id, 'c-export', { created_at: at(index), updated_at: at(index), last_event_at: at(index) }));
      await placed(tenant.id, 'someone-else');
      await move(orders[0]!, 'shipped', at(10));
      await store.recordDelivery({ order_id: orders[0]!.id, seq: 2, channel: 'email', status: 'sent', attempts: 1, at: at(11), reason: null, error: null });

      const first = await store.customerOrdersPage(tenant.id, 'c-export', null, 3);
      expect(first.orders.map((order) => order.id)).toEqual([orders[4]!.id, orders[3]!.id, orders[2]!.id]);
      expect(first.next).not.toBeNull();
      const second = await store.customerOrdersPage(tenant.id, 'c-export', first.next, 3);
      expect(second.orders.map((order) => order.id)).toEqual([orders[1]!.id, orders[0]!.id]);
      expect(second.next).toBeNull();
      expect(second.orders[1]!.history.map((event) => event.status)).toEqual(['placed', 'shipped']);

      const deliveries = await store.customerDeliveriesPage(tenant.id, 'c-export', first.next, 3);
      expect(deliveries.deliveries).toEqual([expect.objectContaining({ order_id: orders[0]!.id, seq: 2, channel: 'email' })]);
      expect(await store.customerKnown(tenant.id, 'c-export')).toBe(true);
      expect(await store.customerKnown(tenant.id, 'nobody')).toBe(false);
      expect(await store.customerKnown(buildTenant().id, 'c-export')).toBe(false);
    });

    it('erases a customer’s personal data in bounded batches, keeping statuses, times and amounts; once', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, uniqueId('hash'));
      const mine: Order[] = [];
      for (let index = 0; index < 5; index++) mine.push(await placed(tenant.id, 'c-erase', { external_id: `ext-${index}` }));
      const other = await placed(tenant.id, 'c-keep');
      const shipped = await move(mine[0]!, 'shipped', at(5));
      await store.updateLastLocations([{ orderId: shipped.id, location: { lat: 22.987654, lng: 114.123456, at: at(6) } }]);
      await store.putPreferences(tenant.id, 'c-erase', { email: true, sms: true, email_address: 'alt.zelda@private.example', phone: '+15559998888', updated_at: at(1) });
      await store.recordDelivery({ order_id: shipped.id, seq: 2, channel: 'email', status: 'failed', attempts: 1, at: at(7), reason: 'permanent', error: '550 zelda.q@private.example unknown' });

      const first = await store.eraseCustomerOrders(tenant.id, 'c-erase', at(100), 3);
      expect(first).toHaveLength(3);
      const second = await store.eraseCustomerOrders(tenant.id, 'c-erase', at(100), 3);
      expect(second).toHaveLength(2);
      expect(new Set([...first, ...second])).toEqual(new Set(mine.map((order) => order.id)));
      expect(await store.eraseCustomerOrders(tenant.id, 'c-erase', at(101), 3)).toEqual([]);
      expect(await store.erasePreferences(tenant.id, 'c-erase')).toBe(true);
      expect(await store.erasePreferences(tenant.id, 'c-erase')).toBe(false);
      await store.purgeErased();

      const erased = (await store.loadOrder(shipped.id))!;
      expect(erased).toMatchObject({
        customer: { id: 'c-erase' },
        destination: null,
        last_location: null,
        status: 'shipped',
        version: 2,
        amount: shipped.amount,
        created_at: shipped.created_at,
        updated_at: shipped.updated_at,
        external_id: 'ext-0',
        erased_at: at(100),
      });
      expect(erased.customer).toEqual({ id: 'c-erase' });
      // The revision moved on: a writer holding the order as it was loses its compare-and-set.
      expect(erased.rev).toBe(shipped.rev + 1);
      expect((await store.history(shipped.id)).map((event) => [event.status, event.note, event.location])).toEqual([
        ['placed', null, null],
        ['shipped', null, null],
      ]);
      expect(await store.listDeliveries(shipped.id)).toEqual([expect.objectContaining({ status: 'failed', reason: 'permanent', error: null })]);
      expect(await store.getPreferences(tenant.id, 'c-erase')).toBeNull();
      // A position flushed after the erasure is not kept.
      await store.updateLastLocations([{ orderId: shipped.id, location: { lat: 1, lng: 2, at: at(200) } }]);
      expect((await store.loadOrder(shipped.id))!.last_location).toBeNull();

      for (const q of [SECRET.email, 'zelda', 'quartermain', '+1555765', '1555765']) {
        expect((await store.searchOrders(tenant.id, { q, limit: 50 })).items.map((order) => order.id)).toEqual([other.id]);
      }
      expect((await store.searchOrders(tenant.id, { q: 'ext-0', limit: 50 })).items.map((order) => order.id)).toEqual([shipped.id]);
      expect((await store.searchOrders(tenant.id, { q: mine[1]!.id, limit: 50 })).items.map((order) => order.id)).toEqual([mine[1]!.id]);
      expect((await store.loadOrder(other.id))!.customer).toEqual(other.customer);
    });

    it('erases what the webhook log keeps of an erased order: bodies and receivers’ answers', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, uniqueId('hash'));
      const order = await placed(tenant.id, 'c-hooks');
      const webhook: StoredWebhook = {
        id: uniqueId('wh'), tenant_id: tenant.id, url: 'https://hooks.example/in', events: ['order.created'], description: null,
        enabled: true, disabled_reason: null, secret: 'whsec_x', previous_secret: null, previous_secret_expires_at: null,
        created_at: at(0), updated_at: at(0),
      };
      await store.createWebhook(webhook);
      const messageId = uniqueId('msg');
      const payload = JSON.stringify({ type: 'order.created', timestamp: at(0), data: { order: { id: order.id, customer: order.customer, destination: order.destination, last_location: null } } });
      await store.addWebhookMessages([{ id: messageId, webhook_id: webhook.id, tenant_id: tenant.id, type: 'order.created', order_id: order.id, seq: 1, payload, job_id: messageId, created_at: at(0) }]);
      const answer = `{"echo":"${SECRET.email}"}`;
      expect(await store.recordWebhookAttempts(messageId, messageId, 0, [{ started_at: at(1), finished_at: at(1), status_code: 500, error: null, response: answer, duration_ms: 5 }], { status: 'pending', next_attempt_at: at(2) })).toBe(true);

      await store.eraseCustomerOrders(tenant.id, 'c-hooks', at(10), 10);
      const message = (await store.getWebhookMessage(messageId))!;
      expect(message.payload).not.toContain(SECRET.email);
      expect(message.payload).not.toContain('Hidden Lane');
      expect(JSON.parse(message.payload).data.order).toEqual({ id: order.id, customer: { id: 'c-hooks' }, destination: null, last_location: null });
      expect(message.last_response).toBeNull();
      expect((await store.listWebhookAttempts(messageId)).map((attempt) => [attempt.status_code, attempt.response])).toEqual([[500, null]]);
    });

    it('selects for retention exactly the terminal orders last changed before the cutoff, not erased yet', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, uniqueId('hash'));
      await store.putTenantSettings(tenant.id, { retention_days: 30, arrival_radius_m: 300, quiet_hours: null });
      const keepless = buildTenant();
      await store.createTenant(keepless, uniqueId('hash'));
      const old = await move(await placed(tenant.id, 'c1'), 'delivered', at(0));
      const oldCancelled = await move(await placed(tenant.id, 'c2'), 'cancelled', at(1));
      const recent = await move(await placed(tenant.id, 'c3'), 'delivered', at(50_000));
      const active = await move(await placed(tenant.id, 'c4'), 'shipped', at(2));
      const elsewhere = await move(await placed(keepless.id, 'c5'), 'delivered', at(0));

      expect(await store.retentionTenants()).toContainEqual({ tenantId: tenant.id, retentionDays: 30 });
      expect((await store.retentionTenants()).map((entry) => entry.tenantId)).not.toContain(keepless.id);
      const erased = await store.eraseExpiredOrders(tenant.id, at(10_000), at(60_000), 100);
      expect(new Set(erased)).toEqual(new Set([old.id, oldCancelled.id]));
      expect(await store.eraseExpiredOrders(tenant.id, at(10_000), at(60_000), 100)).toEqual([]);
      for (const kept of [recent, active, elsewhere]) expect((await store.loadOrder(kept.id))!.customer).toEqual(kept.customer);
      expect((await store.loadOrder(old.id))!.customer).toEqual({ id: 'c1' });
    });

    it('keeps the audit trail per tenant, newest first, in pages', async () => {
      const tenant = buildTenant();
      await store.createTenant(tenant, uniqueId('hash'));
      for (let index = 0; index < 5; index++) {
        await store.recordPrivacyAudit({ id: `aud_${index}`, tenant_id: tenant.id, action: index % 2 ? 'export' : 'erasure', customer_id: `c${index}`, orders: index, actor: 'business', at: at(index) });
      }
      await store.recordPrivacyAudit({ id: 'aud_other', tenant_id: 'another', action: 'retention', customer_id: null, orders: 9, actor: 'retention', at: at(9) });
      const first = await store.listPrivacyAudit(tenant.id, 3, null);
      expect(first.items.map((entry) => entry.id)).toEqual(['aud_4', 'aud_3', 'aud_2']);
      const second = await store.listPrivacyAudit(tenant.id, 3, first.next);
      expect(second.items.map((entry) => entry.id)).toEqual(['aud_1', 'aud_0']);
      expect(second.next).toBeNull();
      expect(second.items[0]).toEqual({ id: 'aud_1', tenant_id: tenant.id, action: 'export', customer_id: 'c1', orders: 1, actor: 'business', at: at(1) });
    });
  });
}

/** Every exported order, its pages joined. */
async function collectAll(store: Store, tenantId: string, filter: OrderFilter = {}): Promise<ExportedOrder[]> {
  const rows: ExportedOrder[] = [];
  for await (const page of store.exportOrders(tenantId, filter)) rows.push(...page);
  return rows;
}
