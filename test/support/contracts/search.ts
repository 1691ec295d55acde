import { keptPromise, type Order } from '../../../src/domain/order';
import type { OrderStatus } from '../../../src/domain/status';
import type { ExportedOrder, OrderFilter, OrderQuery, ReportSummary, Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, freshStore, moved, orderSteps, placeAll, type StoreFactory } from './fixtures';

/** OrderSearch: the orders' search, their export in pages and the report summary, over orders placed in the log. */
export function describeSearchContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'search'> = freshStore(factory);
  const { place } = orderSteps(store);

  // searchOrders: filters, `q`, pagination and tenant isolation.
  describe('searchOrders', () => {
    const ada = { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com', phone: '+15550000001' };
    const grace = { id: 'c2', name: 'Grace Hopper', email: 'grace@navy.example' };
    const alan = { id: 'c3', name: 'Alan Turing', email: 'alan@bletchley.example' };
    type Key = 'a' | 'b' | 'c' | 'd' | 'e' | 'x';
    let o: Record<Key, Order>;
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    const search = (query: Partial<OrderQuery>, tenantId = 't1') => store.search.searchOrders(tenantId, { limit: 50, ...query });
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
        const page = await store.search.searchOrders('tp', { limit: 4, statuses, after });
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

  // searchOrders by promised_by: bounds, orders without a promise, statuses, pagination, selective and broad ranges.
  describe('searchOrders by promised_by', () => {
    const ids = (orders: Order[]) => orders.map((order) => order.id);
    const newestFirst = (orders: Order[]) =>
      [...orders].sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? 1 : -1) : a.created_at < b.created_at ? 1 : -1));

    /** Every match of `query`, following the cursor; the pages must not repeat or skip. */
    async function everyMatch(tenantId: string, query: Omit<OrderQuery, 'limit' | 'after'>, limit = 50): Promise<string[]> {
      const seen: string[] = [];
      let after: OrderQuery['after'];
      for (let pages = 0; pages < 1000; pages++) {
        const page = await store.search.searchOrders(tenantId, { ...query, limit, after });
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

  // exportOrders: every match, newest first across its pages, the exported fields, filters and tenants.
  describe('exportOrders', () => {
    const collect = (tenantId: string, filter: OrderFilter = {}) => collectAll(store, tenantId, filter);
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
      for await (const _page of store.search.exportOrders('t2', {})) throw new Error('an empty export has no page');
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
      for await (const page of store.search.exportOrders('tx', {})) sizes.push(page.length);
      expect(sizes.every((size) => size > 0)).toBe(true);
      for await (const page of store.search.exportOrders('tx', {})) {
        expect(page.length).toBeGreaterThan(0);
        break;
      }
      expect(await collect('tx', { createdFrom: at(780) })).toHaveLength(2345 - 780 * 3);
    });
  });

  // reportSummary over a crafted set whose every figure is worked out by hand below. `now` is 2024-01-03T12:00Z:
  // promises before it are past.
  describe('reportSummary', () => {
    const DAY = 24 * 60;
    const NOW = at(2 * DAY + 720);
    const RANGE = { from: at(0), to: at(3 * DAY) }; // 2024-01-01 .. 2024-01-03 (to is exclusive)
    const summary = (tenantId: string, range = RANGE, now = NOW) => store.search.reportSummary(tenantId, range, now);
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
      const created = (await collectAll(store, 't1')).filter((row) => row.created_at >= RANGE.from && row.created_at < RANGE.to);
      const decided = created.map((row) => keptPromise(row, NOW)).filter((kept): kept is boolean => kept !== null);
      expect(decided).toHaveLength(4);
      expect((await summary('t1')).on_time_rate).toBe(decided.filter(Boolean).length / decided.length);
    });

    it('follows the orders as their events are committed', async () => {
      const order = await make(2 * DAY + 600, 'out_for_delivery', { promised: 2 * DAY + 700, courier: 'k4' });
      const delivered = moved(order, 'delivered', at(2 * DAY + 650), { delivered_at: at(2 * DAY + 650), failed_attempts: 0 });
      await store.orders.commitEvent({
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

/** Every exported order, its pages joined. */
async function collectAll(store: Pick<Store, 'search'>, tenantId: string, filter: OrderFilter = {}): Promise<ExportedOrder[]> {
  const rows: ExportedOrder[] = [];
  for await (const page of store.search.exportOrders(tenantId, filter)) rows.push(...page);
  return rows;
}
