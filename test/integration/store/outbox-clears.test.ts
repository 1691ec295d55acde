/**
 * A done effect's outbox row is deleted by the store's next commit of an applied event, not by a transaction of its
 * own: N events whose effects are each done (and cleared) before the next event cost N commits, plus one delete on
 * its own for the last clear, which no commit came to carry. Counted as the database sees them: statements sent
 * through the PostgreSQL pool, group-commit transactions of the embedded store.
 */
import pg from 'pg';
import type { Order } from '../../../src/domain/order';
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import type { Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, moved, placedEvent } from '../../support/contracts/fixtures';
import { POSTGRES_URL, postgresStore } from '../../support/postgres';
import { removeDir, tempDir } from '../../support/temp-dir';

const N = 20;

/** Places `n` orders owing nothing (not counted). */
async function placed(store: Store, n: number): Promise<Order[]> {
  const orders = Array.from({ length: n }, () => buildOrder('t1', { created_at: at(1) }));
  for (const order of orders) await store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
  return orders;
}

/**
 * Commits one applied event per order, each owing a webhook, one after the other; once each commit is answered its
 * effect is "done" and cleared, as the relay does (without waiting for the clear). Resolves when every clear is.
 */
async function eventsWithClears(store: Store, orders: Order[]): Promise<void> {
  const clears: Array<Promise<void>> = [];
  for (const order of orders) {
    const event = buildEvent(order, { status: 'processing', occurred_at: at(2), recorded_at: at(2) });
    const result = await store.orders.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next: moved(order, 'processing', at(2)), effects: ['webhook'] });
    expect(result).toMatchObject({ kind: 'ok' });
    clears.push(store.outbox.clearEffect('webhook', order.id, 2));
  }
  await Promise.all(clears);
}

const owed = async (store: Store) => (await store.outbox.pendingEffects('webhook', at(60), 1000)).map((effect) => effect.orderId);

describe('PostgreSQL', () => {
  let store: Store;
  let schema: string;
  let drop: () => Promise<void>;

  /** The rows the `effects` table holds, read on a connection of its own. */
  async function rowsInTable(): Promise<number> {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.effects`);
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }

  beforeEach(async () => {
    ({ store, schema, drop } = postgresStore());
    await store.lifecycle.init();
  });

  afterEach(async () => {
    await store.lifecycle.close();
    await drop();
  });

  it('N applied events with N clears are N + 1 statements: each clear rides in the next commit', async () => {
    const orders = await placed(store, N);
    const query = jest.spyOn(pg.Pool.prototype, 'query');
    try {
      await eventsWithClears(store, orders);
      const statements = query.mock.calls.map(([text]) => String(text));
      expect(statements).toHaveLength(N + 1);
      // The first commit had nothing to carry; each later one carries the clear before it; the last clear goes alone.
      expect(statements.map((text) => text.includes('DELETE FROM effects'))).toEqual([false, ...Array.from({ length: N }, () => true)]);
      expect(statements[N]).toMatch(/^DELETE FROM effects/);
    } finally {
      query.mockRestore();
    }
    expect(await owed(store)).toEqual([]);
    // Gone from the table itself, not only from this store's view of it.
    expect(await rowsInTable()).toBe(0);
  });

  it('clears carried by a commit that fails wait again, and are deleted on their own', async () => {
    const [order] = await placed(store, 1);
    const event = buildEvent(order!, { status: 'processing', occurred_at: at(2), recorded_at: at(2) });
    await store.orders.commitEvent({ orderId: order!.id, expectedRev: 1, event, next: moved(order!, 'processing', at(2)), effects: ['webhook'] });
    const cleared = store.outbox.clearEffect('webhook', order!.id, 2);
    // The row is done: this store's outbox no longer offers it to a sweep while its delete waits.
    expect(await owed(store)).toEqual([]);
    const query = jest.spyOn(pg.Pool.prototype, 'query').mockImplementationOnce(() => Promise.reject(new Error('connection reset')));
    try {
      const next = buildEvent(order!, { seq: 3, status: 'shipped', occurred_at: at(3), recorded_at: at(3) });
      const shipped = moved(moved(order!, 'processing', at(2)), 'shipped', at(3));
      await expect(store.orders.commitEvent({ orderId: order!.id, expectedRev: 2, event: next, next: shipped })).rejects.toThrow();
      await cleared;
    } finally {
      query.mockRestore();
    }
    expect(await rowsInTable()).toBe(0);
  });
});

describe('SQLite', () => {
  let store: Store;
  let dir: string;
  let transactions: number;

  beforeEach(async () => {
    dir = tempDir('outbox-clears-');
    transactions = 0;
    store = createSqliteStore({ dataDir: dir, onBatch: () => void transactions++ });
    await store.lifecycle.init();
  });

  afterEach(async () => {
    await store.lifecycle.close();
    removeDir(dir);
  });

  it('N applied events with N clears are N + 1 transactions: each clear joins the next commit', async () => {
    const orders = await placed(store, N);
    transactions = 0;
    await eventsWithClears(store, orders);
    expect(transactions).toBe(N + 1);
    expect(await owed(store)).toEqual([]);
  });
});
