import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UnavailableError } from '../../../src/domain/errors';
import { createThreadedStore, STORE_THREAD, type ThreadedStore } from '../../../src/store/sqlite/threaded-store';
import type { Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, describePrivacyContract, describeStoreContract, moved, placedEvent } from '../../support/store-contract';
import { removeDir, tempDir } from '../../support/temp-dir';

function threaded(onBatch?: (size: number) => void, busyTimeoutMs?: number) {
  const dataDir = tempDir('store-thread-');
  const store = createThreadedStore({ dataDir, onBatch, busyTimeoutMs });
  return {
    dataDir,
    store,
    cleanup: async () => {
      await store.lifecycle.close();
      removeDir(dataDir);
    },
  };
}

const threadOf = (store: ThreadedStore) => store[STORE_THREAD]();

// The same contract as the in-process store: every answer, error and export page crosses the thread boundary.
describeStoreContract('SQLite store on its own thread', async () => threaded());
describePrivacyContract('SQLite store on its own thread', async () => threaded());

describe('SQLite store on its own thread: the thread', () => {
  let setup: ReturnType<typeof threaded>;
  let batches: number[];
  afterEach(() => setup.cleanup());

  const place = (store: Store, order = buildOrder('t1')) =>
    store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' }).then(() => order);

  it('commits calls posted in the same turn together, and every one is stored', async () => {
    batches = [];
    setup = threaded((size) => batches.push(size));
    const { store } = setup;
    await store.lifecycle.init();
    const orders = await Promise.all(Array.from({ length: 50 }, () => place(store)));
    batches = [];
    const results = await Promise.all(
      orders.map((order) =>
        store.orders.commitEvent({ orderId: order.id, expectedRev: 1, event: buildEvent(order, { status: 'shipped', occurred_at: at(1) }), next: moved(order, 'shipped', at(1)) }),
      ),
    );
    expect(results).toEqual(orders.map(() => ({ kind: 'ok', rev: 2, lastLocation: null })));
    // The thread reports each transaction: 50 commits, fewer transactions.
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(50);
    expect(batches.length).toBeLessThan(50);
    for (const order of orders) expect(await store.orders.loadOrder(order.id)).toMatchObject({ status: 'shipped', rev: 2 });
  });

  it('hands back typed errors as their own class, and a write that failed stored nothing', async () => {
    setup = threaded(undefined, 300);
    const { store, dataDir } = setup;
    await store.lifecycle.init();
    const other = new Database(path.join(dataDir, 'tracking.db'));
    other.exec('BEGIN IMMEDIATE');
    const order = buildOrder('t1');
    const failed = await place(store, order).catch((error: unknown) => error);
    other.exec('ROLLBACK');
    other.close();
    expect(failed).toBeInstanceOf(UnavailableError);
    expect(failed).toMatchObject({ code: 'unavailable', dependency: 'store' });
    expect(await store.orders.loadOrder(order.id)).toBeNull();
    await place(store, order);
    expect(await store.orders.loadOrder(order.id)).toEqual(order);
  });

  it('an export left early releases its cursor, and the store answers on', async () => {
    setup = threaded();
    const { store } = setup;
    await store.lifecycle.init();
    for (let i = 0; i < 1200; i += 100) await Promise.all(Array.from({ length: 100 }, () => place(store, buildOrder('tx'))));
    let pages = 0;
    for await (const page of store.search.exportOrders('tx', {})) {
      expect(page.length).toBeGreaterThan(0);
      pages += 1;
      break;
    }
    expect(pages).toBe(1);
    let total = 0;
    for await (const page of store.search.exportOrders('tx', {})) total += page.length;
    expect(total).toBe(1200);
  });

  it('a store whose thread cannot start fails every call as unavailable, and is not started again and again', async () => {
    const blocker = path.join(tempDir('store-thread-'), 'a-file');
    fs.writeFileSync(blocker, '');
    // The data directory would be below a plain file: the thread cannot create it and dies before answering.
    const store = createThreadedStore({ dataDir: path.join(blocker, 'data') });
    setup = { dataDir: '', store, cleanup: () => store.lifecycle.close() };
    const failed = await store.lifecycle.init().catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(UnavailableError);
    expect(((failed as Error).cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
    const thread = threadOf(store);
    await expect(store.orders.loadOrder('ord_1')).rejects.toBeInstanceOf(UnavailableError);
    expect(threadOf(store)).toBe(thread);
  });

  it('when the thread dies, its unanswered calls fail as unavailable, and a new thread serves what was committed', async () => {
    setup = threaded();
    const { store } = setup;
    await store.lifecycle.init();
    const kept = await place(store);
    const thread = threadOf(store);
    const exited = new Promise((resolve) => thread.once('exit', resolve));
    const inFlight = Array.from({ length: 20 }, () => store.orders.getOrder('t1', kept.id).catch((error: unknown) => error));
    await thread.terminate();
    await exited;
    const outcomes = await Promise.all(inFlight);
    // Each call either was answered before the thread died or failed as unavailable: none hangs, none is wrong.
    for (const outcome of outcomes) {
      if (outcome instanceof Error) expect(outcome).toBeInstanceOf(UnavailableError);
      else expect(outcome).toEqual(kept);
    }
    expect(threadOf(store)).not.toBe(thread);
    expect(await store.orders.loadOrder(kept.id)).toEqual(kept);
    const after = await place(store);
    expect(await store.orders.loadOrder(after.id)).toEqual(after);
  });
});
