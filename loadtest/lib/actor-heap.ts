/**
 * Heap of live order actors, measured in a process of its own (run with `node --expose-gc --import tsx`):
 *   node --expose-gc --import tsx loadtest/lib/actor-heap.ts <dataDir> <actors> [concurrency]
 * Opens the store and an OrderService as a node does, activates `actors` order actors with a message that loads
 * the order but writes nothing (an `assign` for another tenant: the actor loads its state, then answers not_found),
 * and prints one JSON line `{"result": {...}}`; progress lines are `{"progress": "..."}`.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { EventBus } from '../../src/actors/event-bus';
import { OrderService } from '../../src/services/order-service';
import { NotFoundError } from '../../src/domain/errors';
import { createSqliteStore } from '../../src/store/sqlite/create-store';

const gc = (globalThis as { gc?: () => void }).gc;

function settle(): number {
  for (let round = 0; round < 4; round++) gc!();
  return process.memoryUsage().heapUsed;
}

function emit(payload: object): void {
  process.stdout.write(`${JSON.stringify(payload)}\n`);
}

async function main(): Promise<void> {
  const [dataDir, countArg, concurrencyArg] = process.argv.slice(2);
  if (!gc) throw new Error('run with node --expose-gc');
  if (!dataDir || !countArg) throw new Error('usage: actor-heap.ts <dataDir> <actors> [concurrency]');
  const wanted = Number(countArg);
  const concurrency = Number(concurrencyArg ?? 1000);

  const store = createSqliteStore({ dataDir });
  await store.lifecycle.init();
  const orders = new OrderService({ store, bus: new EventBus(), maxActors: Math.max(200_000, wanted), actorIdleMs: 3_600_000 });
  try {
    const before = settle();
    const rssBefore = process.memoryUsage().rss;

    // Ids read separately so the store's own connection keeps only what a node's would.
    const reader = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
    let ids = (reader.prepare('SELECT id FROM orders ORDER BY rowid LIMIT ?').pluck().all(wanted) as string[]);
    reader.close();

    const started = performance.now();
    let next = 0;
    let unexpected = 0;
    const lane = async (): Promise<void> => {
      while (next < ids.length) {
        const index = next++;
        try {
          await orders.actors.ask(ids[index]!, { kind: 'assign', tenantId: 'ten_bench_nobody', courierId: 'x' });
          unexpected++;
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
        if (index % 20_000 === 0) emit({ progress: `actors: ${index.toLocaleString()}/${ids.length.toLocaleString()} activated` });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
    const seconds = (performance.now() - started) / 1000;
    const live = orders.actors.size;
    // The keys stay referenced by the actor map only, as in a node (there they come from requests).
    ids = [];
    const after = settle();
    const rssAfter = process.memoryUsage().rss;
    emit({
      result: {
        actors: live,
        writes_seen: unexpected,
        activation_per_s: Math.round(live / seconds),
        heap_before_mb: before / 2 ** 20,
        heap_after_mb: after / 2 ** 20,
        heap_delta_mb: (after - before) / 2 ** 20,
        bytes_per_actor: Math.round((after - before) / Math.max(1, live)),
        rss_delta_mb: (rssAfter - rssBefore) / 2 ** 20,
      },
    });
  } finally {
    await orders.stop();
    await store.lifecycle.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
