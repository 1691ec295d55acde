/**
 * The embedded store copies its WAL into the database file in large steps: the WAL grows to `CHECKPOINT_PAGES` (not
 * SQLite's 1,000), then starts over from its beginning, so the file on disk stays within that many pages and a
 * batch. Every event committed meanwhile is read back after the store is closed and opened again.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Order } from '../../../src/domain/order';
import { CHECKPOINT_PAGES, createSqliteStore, STORE_FILE } from '../../../src/store/sqlite/create-store';
import type { Store } from '../../../src/store/store';
import { at, buildEvent, buildOrder, moved, placedEvent } from '../../support/contracts/fixtures';
import { removeDir, tempDir } from '../../support/temp-dir';

const PAGE_BYTES = 4096;
const ORDERS = 200;

let dataDir: string;
beforeEach(() => {
  dataDir = tempDir('checkpoint');
});
afterEach(() => removeDir(dataDir));

/** The WAL file's size in pages (its high-water mark: a WAL that starts over is written from its beginning again). */
function walPages(): number {
  return fs.statSync(path.join(dataDir, `${STORE_FILE}-wal`)).size / PAGE_BYTES;
}

/**
 * Places the orders, then moves each of them through `rounds` status changes, every order's change of a round
 * committed in the same group-commit batch. Returns the orders as stored and the WAL's largest size after a batch.
 */
async function writeRounds(store: Store, rounds: number): Promise<{ orders: Order[]; largest: number }> {
  let orders = Array.from({ length: ORDERS }, () => buildOrder('t1', { created_at: at(1) }));
  await Promise.all(orders.map((order) => store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' })));
  let largest = walPages();
  for (let round = 0; round < rounds; round++) {
    const status = round % 2 === 0 ? 'in_transit' : 'processing';
    orders = await Promise.all(
      orders.map(async (order) => {
        const next = moved(order, status, at(2 + round));
        const event = buildEvent(order, { status, occurred_at: at(2 + round), recorded_at: at(2 + round) });
        const result = await store.orders.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next, previous: order });
        if (result.kind !== 'ok') throw new Error(`commit refused: ${result.kind}`);
        return { ...next, rev: result.rev };
      }),
    );
    largest = Math.max(largest, walPages());
  }
  return { orders, largest };
}

/** Opens the store again and checks each order is as last committed. */
async function readBack(orders: Order[]): Promise<void> {
  const store = createSqliteStore({ dataDir });
  await store.lifecycle.init();
  try {
    for (const order of orders) {
      const stored = await store.orders.loadOrder(order.id);
      expect(stored).toMatchObject({ status: order.status, version: order.version, rev: order.rev });
    }
  } finally {
    await store.lifecycle.close();
  }
}

it('starts the WAL over once it holds the pages it was given, and keeps every commit', async () => {
  const store = createSqliteStore({ dataDir, checkpointPages: 64 });
  await store.lifecycle.init();
  const { orders, largest } = await writeRounds(store, 12);
  await store.lifecycle.close();
  // A batch of 200 status changes writes about a hundred pages: the WAL holds at most the threshold and a batch.
  expect(largest).toBeGreaterThan(64);
  expect(largest).toBeLessThan(64 + 200);
  await readBack(orders);
});

it(`by default lets the WAL grow past SQLite's 1,000 pages, up to ${CHECKPOINT_PAGES} and a batch`, async () => {
  const store = createSqliteStore({ dataDir });
  await store.lifecycle.init();
  const { orders, largest } = await writeRounds(store, 30);
  await store.lifecycle.close();
  expect(largest).toBeGreaterThan(2000);
  expect(largest).toBeLessThan(CHECKPOINT_PAGES + 200);
  await readBack(orders);
});
