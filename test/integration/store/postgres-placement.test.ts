/**
 * Placing an order on PostgreSQL is one statement, whatever it answers, and placements of one idempotency key or
 * external id racing on two nodes end with one order; reads of orders by tenant and id made in one turn are one
 * statement. Counted as `store_statements_total` counts them, on a real database.
 */
import pg from 'pg';
import type { Order } from '../../../src/domain/order';
import type { StoreCounters } from '../../../src/store/counters';
import type { CreateOrderResult, IdempotencyClaim, Store } from '../../../src/store/store';
import { at, buildOrder, placedEvent } from '../../support/contracts/fixtures';
import { dropSchema, freshSchema, POSTGRES_URL, postgresStore } from '../../support/postgres';

const RACERS = 8;

describe('PostgreSQL placement', () => {
  let schema: string;
  let statements = 0;
  const counters: StoreCounters = {
    transactions: { inc: () => {} },
    statements: { inc: (value = 1) => void (statements += value) },
  };
  // Two nodes on one schema, each with its own pool.
  let nodes: Store[];
  let store: Store;

  /** What the tables hold of the given orders (or all of them), read on a connection of its own. */
  async function stored(orderIds: string[]): Promise<Record<'orders' | 'terms' | 'events' | 'effects', number> & { keys: number }> {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const count = async (table: string, column: string): Promise<number> =>
        Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table} WHERE ${column} = ANY($1::text[])`, [orderIds])).rows[0]!.n);
      return {
        orders: await count('orders', 'id'),
        terms: await count('order_terms', 'order_id'),
        events: await count('events', 'order_id'),
        effects: await count('effects', 'order_id'),
        keys: await count('idempotency_keys', 'order_id'),
      };
    } finally {
      await client.end();
    }
  }

  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
    statements = 0;
    const result = await work();
    return { result, statements };
  }

  const place = (order: Order, idempotency: IdempotencyClaim | null = null, on: Store = store): Promise<CreateOrderResult> =>
    on.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency, externalScope: 'tenant', effects: ['webhook', 'alert'] });

  beforeEach(async () => {
    schema = freshSchema('placement');
    nodes = [postgresStore({ schema, counters }).store, postgresStore({ schema, counters }).store];
    store = nodes[0]!;
    for (const node of nodes) await node.lifecycle.init();
  });

  afterEach(async () => {
    for (const node of nodes) await node.lifecycle.close();
    await dropSchema(schema);
  });

  it('is one statement: the order, its terms, first event, effects and key together', async () => {
    const order = buildOrder('t1', { external_id: 'shop-1' });
    const key = { scope: 'business', key: 'k-1', requestHash: 'h1' };
    expect(await counted(() => place(order, key))).toEqual({ result: { kind: 'created', order }, statements: 1 });
    expect(await stored([order.id])).toEqual({ orders: 1, terms: expect.any(Number), events: 1, effects: 2, keys: 1 });
    expect((await stored([order.id])).terms).toBeGreaterThan(1);
    expect(await store.orders.getOrder('t1', order.id)).toEqual(order);
    expect(await store.orders.history(order.id)).toEqual([placedEvent(order)]);
    const owed = await store.outbox.pendingEffects('webhook', at(60), 10);
    expect(owed).toEqual([{ orderId: order.id, seq: 1, tenantId: 't1', createdAt: order.created_at }]);
  });

  it('answers a repeat in one statement and writes nothing: same key, another request under it, same external id', async () => {
    const first = buildOrder('t1', { external_id: 'shop-1' });
    await place(first, { scope: 'business', key: 'k-1', requestHash: 'h1' });
    const again = [buildOrder('t1'), buildOrder('t1'), buildOrder('t1', { external_id: 'shop-1' }), buildOrder('t1', { external_id: 'shop-1' })];
    expect(await counted(() => place(again[0]!, { scope: 'business', key: 'k-1', requestHash: 'h1' }))).toEqual({
      result: { kind: 'existing', order: first },
      statements: 1,
    });
    expect(await counted(() => place(again[1]!, { scope: 'business', key: 'k-1', requestHash: 'h2' }))).toEqual({
      result: { kind: 'idempotency_conflict' },
      statements: 1,
    });
    expect(await counted(() => place(again[2]!))).toEqual({ result: { kind: 'existing', order: first }, statements: 1 });
    // A new key with a known external id: the order holding it, and the key is not claimed.
    expect(await counted(() => place(again[3]!, { scope: 'business', key: 'k-2', requestHash: 'h1' }))).toEqual({
      result: { kind: 'existing', order: first },
      statements: 1,
    });
    expect(await stored(again.map((order) => order.id))).toEqual({ orders: 0, terms: 0, events: 0, effects: 0, keys: 0 });
    const fresh = buildOrder('t1');
    expect(await place(fresh, { scope: 'business', key: 'k-2', requestHash: 'h9' })).toEqual({ kind: 'created', order: fresh });
  });

  it('placements of one external id racing on two nodes end with one order; the others are answered with it', async () => {
    const orders = Array.from({ length: RACERS }, () => buildOrder('t1', { external_id: 'shop-race' }));
    const results = await Promise.all(orders.map((order, index) => place(order, null, nodes[index % 2]!)));
    const created = results.filter((result) => result.kind === 'created');
    expect(created).toHaveLength(1);
    const winner = (created[0] as { order: Order }).order;
    expect(results.filter((result) => result.kind === 'existing')).toEqual(Array.from({ length: RACERS - 1 }, () => ({ kind: 'existing', order: winner })));
    const losers = orders.filter((order) => order.id !== winner.id).map((order) => order.id);
    expect(await stored(losers)).toEqual({ orders: 0, terms: 0, events: 0, effects: 0, keys: 0 });
    expect(await stored([winner.id])).toMatchObject({ orders: 1, events: 1, effects: 2 });
  });

  it('placements under one idempotency key racing on two nodes end with one order; another request under it conflicts', async () => {
    const orders = Array.from({ length: RACERS }, () => buildOrder('t1'));
    // The last racer sends another body under the same key.
    const results = await Promise.all(
      orders.map((order, index) => place(order, { scope: 'business', key: 'k-race', requestHash: index === RACERS - 1 ? 'other' : 'h1' }, nodes[index % 2]!)),
    );
    const created = results.filter((result) => result.kind === 'created');
    expect(created).toHaveLength(1);
    const winner = (created[0] as { order: Order }).order;
    const repeatedBy = results.map((result, index) => ({ result, index })).filter(({ result }) => result.kind !== 'created');
    for (const { result, index } of repeatedBy) {
      const sameBody = index !== RACERS - 1;
      if (winner.id === orders[RACERS - 1]!.id || !sameBody) expect(result).toEqual({ kind: 'idempotency_conflict' });
      else expect(result).toEqual({ kind: 'existing', order: winner });
    }
    const losers = orders.filter((order) => order.id !== winner.id).map((order) => order.id);
    expect(await stored(losers)).toEqual({ orders: 0, terms: 0, events: 0, effects: 0, keys: 0 });
    expect(await stored([winner.id])).toMatchObject({ orders: 1, events: 1, effects: 2, keys: 1 });
  });

  it('N reads by tenant and id in one turn are one statement, each caller with its own copy', async () => {
    const orders = [buildOrder('t1'), buildOrder('t1'), buildOrder('t2')];
    for (const order of orders) await place(order);
    const [a, b, c] = orders as [Order, Order, Order];
    const { result, statements: taken } = await counted(() =>
      Promise.all([
        store.orders.getOrder('t1', a.id),
        store.orders.getOrder('t1', b.id),
        store.orders.getOrder('t1', a.id),
        store.orders.getOrder('t2', c.id),
        // Another tenant's order is absent, as is an unknown one.
        store.orders.getOrder('t1', c.id),
        store.orders.getOrder('t1', 'ord_unknown'),
        store.orders.loadOrder(b.id),
      ]),
    );
    expect(taken).toBe(1);
    expect(result).toEqual([a, b, a, c, null, null, b]);
    expect(result[0]).not.toBe(result[2]);
    expect(result[1]).not.toBe(result[6]);
  });
});
