import fs from 'node:fs';
import path from 'node:path';
import type { Order } from '../../src/domain/order';
import { CHECKPOINT_PAGES, createSqliteStore, STORE_FILE } from '../../src/store/sqlite/create-store';
import { at, buildEvent, buildOrder, placedEvent } from '../../test/support/contracts/fixtures';
import { removeDir, tempDir } from '../../test/support/temp-dir';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/** SQLite's own `wal_autocheckpoint`. */
const SQLITE_DEFAULT_PAGES = 1000;
/** SQLite's page size, which the store keeps. */
const PAGE_BYTES = 4096;

interface Stretch {
  events: number;
  cpuUs: number;
  wallMs: number;
  walPages: number;
}

/**
 * The embedded store's event commits as the status mix makes them, in process: `--orders` orders in transit, then
 * turns of `--batch` status changes on orders taken in turn (each turn one group-commit transaction, as a busy node's
 * event loop gathers them), through the store's own `commitEvent`. The store as it is configured against the same
 * store with SQLite's default WAL checkpoint (every 1,000 pages), in alternating stretches of `--turns` turns each.
 */
export const commits: Benchmark = {
  name: 'commits',
  description: "the embedded store's event commits (status mix, in process) against the same store checkpointing at SQLite's default",
  // --pages N: the store checkpointing every N pages instead of its own setting.
  defaults: { orders: 2000, batch: 36, turns: 3000, rounds: 2, pages: 0 },
  target: 'report CPU and wall time per event, the longest turn and the WAL size, against the reference',
  async run({ options, progress }) {
    const pages = options.pages! > 0 ? options.pages! : CHECKPOINT_PAGES;
    const product: Stretch[] = [];
    const reference: Stretch[] = [];
    // Each turn's time, over every stretch of its kind.
    const productTurns = new Recorder();
    const referenceTurns = new Recorder();
    for (let round = 0; round < options.rounds!; round++) {
      reference.push(await stretch(SQLITE_DEFAULT_PAGES, options, referenceTurns, (line) => progress(`reference ${round + 1}: ${line}`)));
      product.push(await stretch(pages, options, productTurns, (line) => progress(`store ${round + 1}: ${line}`)));
    }
    const mine = summed(product);
    const bare = summed(reference);
    return {
      metrics: {
        checkpoint_pages: pages,
        events: mine.events,
        cpu_us_per_event: round(mine.cpuUs / mine.events, 1),
        wall_us_per_event: round((mine.wallMs * 1000) / mine.events, 1),
        turn_p99_ms: productTurns.percentile(99),
        turn_max_ms: productTurns.percentile(100),
        wal_pages_at_most: mine.walPages,
      },
      reference: {
        name: `the same store, WAL checkpointed every ${SQLITE_DEFAULT_PAGES} pages (SQLite's default)`,
        metrics: {
          cpu_us_per_event: round(bare.cpuUs / bare.events, 1),
          wall_us_per_event: round((bare.wallMs * 1000) / bare.events, 1),
          turn_p99_ms: referenceTurns.percentile(99),
          turn_max_ms: referenceTurns.percentile(100),
          wal_pages_at_most: bare.walPages,
        },
      },
      ratio: { metric: 'CPU per event ÷ reference', value: round(mine.cpuUs / mine.events / (bare.cpuUs / bare.events), 3) },
      targets: [
        {
          target: 'CPU per event below the reference',
          measured: `${round(mine.cpuUs / mine.events, 1)} µs vs ${round(bare.cpuUs / bare.events, 1)} µs`,
          met: mine.cpuUs / mine.events < bare.cpuUs / bare.events,
        },
      ],
      notes: [
        'CPU is the process\'s user + system time (process.cpuUsage) over the turns only; each stretch starts on a fresh store file, and the two kinds alternate so both see the machine in the same state on average.',
      ],
    };
  },
};

async function stretch(checkpointPages: number, options: Record<string, number>, turns: Recorder, progress: (line: string) => void): Promise<Stretch> {
  const dataDir = tempDir('commits-');
  const store = createSqliteStore({ dataDir, checkpointPages });
  try {
    await store.lifecycle.init();
    const orders: Order[] = Array.from({ length: options.orders! }, () => buildOrder('t1', { status: 'in_transit', courier_id: 'k1', created_at: at(1) }));
    await Promise.all(orders.map((order) => store.orders.createOrder({ order, firstEvent: placedEvent(order), idempotency: null, externalScope: 'tenant' })));
    const wal = path.join(dataDir, `${STORE_FILE}-wal`);
    let walPages = 0;
    let next = 0;
    let clock = Date.parse(at(2));
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let turn = 0; turn < options.turns!; turn++) {
      const picked = Array.from({ length: options.batch! }, () => next++ % orders.length);
      const turnStarted = performance.now();
      await Promise.all(
        picked.map(async (index) => {
          const order = orders[index]!;
          const time = new Date((clock += 7)).toISOString();
          const event = buildEvent(order, { status: 'in_transit', type: 'scan', scan_type: 'hub_in', source: 'courier', occurred_at: time, recorded_at: time });
          const changed: Order = { ...order, version: order.version + 1, updated_at: time, last_event_at: time };
          const result = await store.orders.commitEvent({ orderId: order.id, expectedRev: order.rev, event, next: changed, previous: order });
          if (result.kind !== 'ok') throw new Error(`commit refused: ${result.kind}`);
          orders[index] = { ...changed, rev: result.rev };
        }),
      );
      turns.record(performance.now() - turnStarted);
      walPages = Math.max(walPages, fs.statSync(wal).size / PAGE_BYTES);
      if (turn % 500 === 0) progress(`${turn} of ${options.turns} turns`);
    }
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return { events: options.turns! * options.batch!, cpuUs: cpu.user + cpu.system, wallMs, walPages: Math.round(walPages) };
  } finally {
    await store.lifecycle.close();
    removeDir(dataDir);
  }
}

function summed(stretches: Stretch[]): Stretch {
  return {
    events: stretches.reduce((sum, each) => sum + each.events, 0),
    cpuUs: stretches.reduce((sum, each) => sum + each.cpuUs, 0),
    wallMs: stretches.reduce((sum, each) => sum + each.wallMs, 0),
    walPages: Math.max(...stretches.map((each) => each.walPages)),
  };
}

