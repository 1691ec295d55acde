import path from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../../src/domain/errors';
import type { Order, OrderEvent } from '../../../src/domain/order';
import { PAYMENT_REPORT_STATEMENTS } from '../../../src/store/payments/sqlite';
import { SUMMARY_STATEMENTS } from '../../../src/store/search/sqlite-reports';
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import { migrate } from '../../../src/store/sqlite/migrations';
import { eventToRow, orderToRow } from '../../../src/store/sqlite/rows';
import type { Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, buildTenant, describePrivacyContract, describeStoreContract, moved, placedEvent, type StoreFactory } from '../../support/store-contract';
import { removeDir, tempDir } from '../../support/temp-dir';

/** Each test gets a data directory of its own, removed after. */
const sqliteStores: StoreFactory = async () => {
  const dataDir = tempDir('store-contract-');
  const store = createSqliteStore({ dataDir });
  return {
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      removeDir(dataDir);
    },
  };
};

describeStoreContract('SQLite store', sqliteStores);
describePrivacyContract('SQLite store', sqliteStores);

describe('SQLite store: group commit', () => {
  let dataDir: string;
  let batches: number[];
  let store: Store;
  beforeEach(() => {
    dataDir = tempDir('store-contract-');
    batches = [];
    store = createSqliteStore({ dataDir, onBatch: (size) => batches.push(size) });
    return store.lifecycle.init();
  });
  afterEach(async () => {
    await store.lifecycle.close();
    removeDir(dataDir);
  });

  it('commits writes issued in the same tick together, and every one is stored', async () => {
    const orders = Array.from({ length: 50 }, () => buildOrder('t1'));
    await Promise.all(
      orders.map((order) => store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' })),
    );
    batches = [];

    const results = await Promise.all(
      orders.map((order) =>
        store.orders.commitEvent({
          orderId: order.id,
          expectedRev: 1,
          event: buildEvent(order, { status: 'shipped', occurred_at: at(1) }),
          next: moved(order, 'shipped', at(1)),
        }),
      ),
    );
    expect(results).toEqual(orders.map(() => ({ kind: 'ok', rev: 2, lastLocation: null })));
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(50);
    expect(batches.length).toBeLessThan(50);
    for (const order of orders) {
      expect(await store.orders.loadOrder(order.id)).toMatchObject({ status: 'shipped', version: 2, rev: 2 });
      expect((await store.orders.listEvents(order.id, 1, 10)).map((event) => event.status)).toEqual(['shipped']);
    }
  });

  it('fails only the write that throws; the rest of its batch is stored', async () => {
    await store.tenants.createTenant(buildTenant(), 'hash-taken');
    const good = buildTenant();
    const clash = buildTenant();
    const outcomes = await Promise.allSettled([store.tenants.createTenant(good, 'hash-new'), store.tenants.createTenant(clash, 'hash-taken')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected']);
    expect(await store.tenants.getTenant(good.id)).toEqual(good);
    expect(await store.tenants.getTenant(clash.id)).toBeNull();
  });

  it('close() flushes pending writes, which a reopened store sees', async () => {
    const order = buildOrder('t1');
    const pending = store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
    await store.lifecycle.close();
    await expect(pending).resolves.toEqual({ kind: 'created', order });
    store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    expect(await store.orders.loadOrder(order.id)).toEqual(order);
  });
});

describe('SQLite store: while another process holds the write lock', () => {
  let dataDir: string;
  let store: Store;
  let other: Database.Database;
  beforeEach(async () => {
    dataDir = tempDir('store-contract-');
    store = createSqliteStore({ dataDir, busyTimeoutMs: 1500 });
    await store.lifecycle.init();
    // Another process's connection to the same file, holding the write lock as a long transaction would.
    other = new Database(path.join(dataDir, 'tracking.db'));
    other.exec('BEGIN IMMEDIATE');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.lifecycle.close();
    removeDir(dataDir);
  });

  it('waits for the lock without blocking the event loop, then commits', async () => {
    const order = buildOrder('t1');
    const write = store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
    // Timers still fire while the write waits: SQLite's synchronous busy handler would hold the loop until it gave up.
    await timerTicks(10);
    // Reads do not need the write lock (WAL): they answer at once.
    expect(await store.orders.loadOrder(order.id)).toBeNull();
    other.exec('COMMIT');
    await expect(write).resolves.toEqual({ kind: 'created', order });
    expect(await store.orders.loadOrder(order.id)).toEqual(order);
  });

  it('fails writes as unavailable once the lock is held past the busy timeout, storing nothing', async () => {
    const order = buildOrder('t1');
    const write = store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' });
    await expect(write).rejects.toBeInstanceOf(UnavailableError);
    other.exec('ROLLBACK');
    expect(await store.orders.loadOrder(order.id)).toBeNull();
    // The lock is free again: the next write goes through.
    await expect(
      store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' }),
    ).resolves.toEqual({ kind: 'created', order });
  });

  it('a node starting meanwhile waits for the lock to migrate, without failing', async () => {
    const starting = createSqliteStore({ dataDir });
    let initDone = false;
    const init = starting.lifecycle.init().then(() => (initDone = true));
    await timerTicks(10);
    expect(initDone).toBe(false);
    other.exec('COMMIT');
    await init;
    await starting.lifecycle.close();
  });
});

describe('SQLite store: migration to promised_by and the report projections', () => {
  it("backfills delivered_at and failed_attempts of existing orders from their applied events", async () => {
    const dataDir = tempDir('store-contract-');
    try {
      // A file as the previous release left it: schema version 3, orders without the new columns.
      const db = new Database(path.join(dataDir, 'tracking.db'));
      migrate(db, 3);
      const insertOrder = db.prepare(
        `INSERT INTO orders (id, tenant_id, external_id, status, version, rev, customer_id, courier_id, created_at,
           updated_at, last_event_at, held_at, last_location, doc)
         VALUES (@id, @tenant_id, @external_id, @status, @version, @rev, @customer_id, @courier_id, @created_at,
           @updated_at, @last_event_at, @held_at, @last_location, @doc)`,
      );
      const insertEvent = db.prepare(
        `INSERT INTO events (order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note,
           source, applied)
         VALUES (@order_id, @seq, @event_id, @type, @status, @scan_type, @occurred_at, @recorded_at, @location, @note,
           @source, @applied)`,
      );
      const write = (order: Order, path: Array<[OrderEvent['status'], number, boolean?]>): void => {
        const { promised_by: _p, delivered_at: _d, failed_attempts: _f, ...row } = orderToRow(order);
        insertOrder.run(row);
        let seq = 1;
        for (const [index, [status, minute, applied = true]] of path.entries()) {
          const event = buildEvent(order, {
            seq: applied ? seq++ : null, status, event_id: `e${index}`, occurred_at: at(minute), recorded_at: at(minute), applied,
          });
          insertEvent.run(eventToRow(event));
        }
      };
      const returned = buildOrder('t1', { status: 'returned', version: 7 });
      write(returned, [
        ['placed', 0], ['out_for_delivery', 10], ['failed_attempt', 20], ['out_for_delivery', 30],
        ['failed_attempt', 5, false], ['delivered', 40], ['returned', 50],
      ]);
      const lateOnly = buildOrder('t1', { status: 'out_for_delivery', version: 2 });
      write(lateOnly, [['placed', 0], ['out_for_delivery', 30], ['delivered', 20, false]]);
      const untouched = buildOrder('t1');
      write(untouched, [['placed', 0]]);
      db.close();

      const store = createSqliteStore({ dataDir });
      await store.lifecycle.init();
      try {
        expect(await store.orders.loadOrder(returned.id)).toEqual({ ...returned, delivered_at: at(40), failed_attempts: 1 });
        expect(await store.orders.loadOrder(lateOnly.id)).toEqual(lateOnly);
        expect(await store.orders.loadOrder(untouched.id)).toEqual(untouched);
      } finally {
        await store.lifecycle.close();
      }
    } finally {
      removeDir(dataDir);
    }
  });
});

describe('SQLite store: report queries', () => {
  it('read only the covering report index: no row lookups, no table scan', async () => {
    const dataDir = tempDir('store-contract-');
    const store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    await store.lifecycle.close();
    const db = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
    try {
      for (const [name, sql] of Object.entries(SUMMARY_STATEMENTS)) {
        const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map(([, key]) => [key!, key!.startsWith('rank') ? 1 : 'x']));
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
        expect({ name, plan }).toEqual({ name, plan: expect.arrayContaining([expect.stringMatching(/USING COVERING INDEX orders_for_reports/)]) });
        expect({ name, plan: plan.filter((step) => /^SCAN orders\b|USING INDEX (?!orders_for_reports)/.test(step)) }).toEqual({ name, plan: [] });
      }
    } finally {
      db.close();
      removeDir(dataDir);
    }
  });

  it('the payment report reads transactions by their recorded range and owed cash through its partial index', async () => {
    const dataDir = tempDir('store-contract-');
    const store = createSqliteStore({ dataDir });
    await store.lifecycle.init();
    await store.lifecycle.close();
    const db = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
    try {
      const expected: Record<keyof typeof PAYMENT_REPORT_STATEMENTS, RegExp> = {
        by_provider: /SEARCH payment_transactions USING INDEX payment_transactions_by_recorded/,
        collected: /SEARCH payment_transactions USING INDEX payment_transactions_by_recorded/,
        unmatched: /SEARCH payment_transactions USING INDEX payment_transactions_by_recorded/,
        due: /SEARCH orders USING INDEX orders_cod_due/,
      };
      for (const [name, sql] of Object.entries(PAYMENT_REPORT_STATEMENTS)) {
        const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map(([, key]) => [key!, 'x']));
        const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
        expect({ name, plan }).toEqual({ name, plan: expect.arrayContaining([expect.stringMatching(expected[name as keyof typeof expected])]) });
        expect({ name, plan: plan.filter((step) => /^SCAN (orders|payment_transactions)\b/.test(step)) }).toEqual({ name, plan: [] });
      }
    } finally {
      db.close();
      removeDir(dataDir);
    }
  });
});

/** Resolves after `n` 10 ms timer ticks: only possible while the event loop is free. */
function timerTicks(n: number): Promise<void> {
  let ticks = 0;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (++ticks < n) return;
      clearInterval(timer);
      resolve();
    }, 10);
  });
}
