import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import Database from 'better-sqlite3';
import pg from 'pg';
import { STATUSES, type OrderStatus } from '../../src/domain/status';
import type { OrderQuery } from '../../src/store/search/port';
import { createPostgresStore } from '../../src/store/postgres/create-store';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import { copyToPostgres } from '../lib/copy-to-postgres';
import { BENCH_DATABASE_URL, Nodes } from '../lib/nodes';
import { seedStore, type SeedResult } from '../lib/seed';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';
import { storeLoop } from '../reference/store-loop';
import { dropRedisPrefix } from './notify';

const ROOT = path.resolve(__dirname, '../..');
const SEARCH_P99_MS = 50;
const HISTORY_P99_MS = 10;
const STARTUP_MS = 2000;
const ACTOR_HEAP_MB = 300;
const ACTOR_TARGET_COUNT = 100_000;
const WARMUP = 20;

/** One read workload: the same requests over HTTP and as direct store calls. */
interface Workload {
  name: string;
  what: string;
  paths: string[];
  searches?: OrderQuery[];
  orderIds?: string[];
}

/** A store holding one day of a large tenant: start-up, searches and order reads over HTTP, live actor heap. */
export const scale: Benchmark = {
  name: 'scale',
  description:
    'one day of a large tenant in SQLite (--pg 1: PostgreSQL): node start-up, search and order-with-history p99 over HTTP, heap of live actors',
  defaults: { orders: 100_000, events: 1_000_000, requests: 300, actors: 100_000, per_customer: 5, budget_s: 20, pg: 0 },
  target: 'start-up ≤ 2 s; search p99 ≤ 50 ms; order with history p99 ≤ 10 ms; 100,000 live order actors ≤ 300 MB heap',
  async run({ options, progress }) {
    const nodes = new Nodes({ postgres: options.pg === 1 });
    try {
      // 1. Seed straight into SQLite.
      const seed = await seedStore({
        dataDir: nodes.dataDir,
        orders: options.orders!,
        events: options.events!,
        ordersPerCustomer: options.per_customer!,
        onProgress: progress,
      });
      const dbBytes = fs.statSync(path.join(nodes.dataDir, 'tracking.db')).size;
      // On PostgreSQL the same day is copied over, so both stores serve the same data.
      if (nodes.schema) await copyToPostgres(nodes.dataDir, BENCH_DATABASE_URL, nodes.schema, progress);

      // 2. Start-up on that store: spawn → "listening" log line, then → /readyz answering 200.
      progress('starting a node on the seeded store');
      const spawned = performance.now();
      const node = await nodes.start({ LOG_LEVEL: 'info' });
      const startupMs = performance.now() - spawned;
      while ((await fetch(`${node.url}/readyz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      const readyMs = performance.now() - spawned;
      // The same start on an empty store: what the process costs without the data.
      const emptySpawned = performance.now();
      const emptyNode = await nodes.start({
        LOG_LEVEL: 'info',
        DATA_DIR: path.join(nodes.dataDir, 'empty'),
        ...(nodes.schema ? { DATABASE_SCHEMA: nodes.scratchSchema('empty') } : {}),
      });
      const emptyStartupMs = performance.now() - emptySpawned;
      await new Promise((resolve) => {
        emptyNode.child.once('exit', resolve);
        emptyNode.child.kill('SIGTERM');
      });

      // 3. Reads over HTTP, one at a time.
      const workloads = buildWorkloads(seed, options.requests!);
      const http = new Map<string, { recorder: Recorder; items: number; stoppedEarly: boolean }>();
      const allSearches = new Recorder();
      for (const workload of workloads) {
        const get = async (requestPath: string): Promise<number> => {
          const response = await fetch(`${node.url}${requestPath}`, { headers: { authorization: `Bearer ${seed.apiKey}` } });
          if (!response.ok) throw new Error(`GET ${requestPath}: ${response.status} ${await response.text()}`);
          const body = (await response.json()) as { items?: unknown[]; history?: unknown[] };
          // An order has its own `items` (line items): read `history` first.
          return (body.history ?? body.items ?? []).length;
        };
        for (const requestPath of workload.paths.slice(0, WARMUP)) await get(requestPath);
        const recorder = new Recorder();
        const deadline = performance.now() + options.budget_s! * 1000;
        let items = 0;
        let done = 0;
        for (const requestPath of workload.paths) {
          const started = performance.now();
          items += await get(requestPath);
          const ms = performance.now() - started;
          recorder.record(ms);
          if (workload.name !== 'order_history') allSearches.record(ms);
          done++;
          if (done % 50 === 0) progress(`${workload.name}: ${done}/${workload.paths.length} requests, p99 so far ${recorder.percentile(99)} ms`);
          if (performance.now() > deadline) break;
        }
        http.set(workload.name, { recorder, items: items / Math.max(1, done), stoppedEarly: done < workload.paths.length });
      }

      // 4. Reference: the same store calls in process.
      progress('reference: the same reads as direct store calls');
      const reference = await storeLoop(
        () =>
          nodes.schema
            ? createPostgresStore({ url: BENCH_DATABASE_URL, schema: nodes.schema })
            : createSqliteStore({ dataDir: nodes.dataDir }),
        seed.tenantId,
        workloads.map((workload) => ({ name: workload.name, searches: workload.searches, orderIds: workload.orderIds })),
        WARMUP,
      );

      // 5. Live actors' heap, in a process of its own with --expose-gc.
      const actorCount = Math.min(options.actors!, seed.orders);
      const heap = await measureActorHeap(nodes.dataDir, actorCount, progress);

      const plans = nodes.schema ? await explainPostgres(nodes.schema, seed.tenantId) : explainSearches(nodes.dataDir);

      // Figures.
      const metrics: Record<string, number | string> = {
        store: nodes.storeName,
        orders: seed.orders,
        events: seed.events,
        search_terms: seed.terms,
        customers: seed.customers,
        seed_s: round(seed.seconds, 1),
        db_mib: round(dbBytes / 2 ** 20, 0),
        startup_ms: Math.round(startupMs),
        ready_ms: Math.round(readyMs),
      };
      const referenceMetrics: Record<string, number | string> = {};
      for (const workload of workloads) {
        const measured = http.get(workload.name)!;
        metrics[`${workload.name}_p50_ms`] = measured.recorder.percentile(50);
        metrics[`${workload.name}_p99_ms`] = measured.recorder.percentile(99);
        metrics[`${workload.name}_avg_rows`] = round(measured.items, 1);
        referenceMetrics[`${workload.name}_p99_ms`] = reference.get(workload.name)!.percentile(99);
      }
      metrics.live_actors = heap.actors;
      metrics.actor_heap_mb = round(heap.heap_delta_mb, 1);
      metrics.actor_bytes_each = heap.bytes_per_actor;
      metrics.actor_activations_per_s = heap.activation_per_s;
      const referenceSearchP99 = maxOf(workloads.filter((w) => w.searches).map((w) => reference.get(w.name)!.percentile(99)));
      const searchP99 = maxOf(workloads.filter((w) => w.searches).map((w) => http.get(w.name)!.recorder.percentile(99)));
      referenceMetrics.search_p99_ms = referenceSearchP99;
      referenceMetrics.startup_empty_store_ms = Math.round(emptyStartupMs);
      const projectedHeap = (heap.bytes_per_actor * ACTOR_TARGET_COUNT) / 2 ** 20;

      const targets = [
        { target: 'start-up ≤ 2 s (spawn → listening)', measured: `${Math.round(startupMs)} ms`, met: startupMs <= STARTUP_MS },
        ...workloads.map((workload) => {
          const limit = workload.name === 'order_history' ? HISTORY_P99_MS : SEARCH_P99_MS;
          const p99 = http.get(workload.name)!.recorder.percentile(99);
          return { target: `${workload.what} p99 ≤ ${limit} ms`, measured: `${p99} ms`, met: p99 <= limit };
        }),
        {
          target: '100,000 live order actors ≤ 300 MB heap',
          measured: `${round(projectedHeap, 1)} MB${heap.actors === ACTOR_TARGET_COUNT ? '' : ` (projected from ${heap.actors.toLocaleString()})`}`,
          met: projectedHeap <= ACTOR_HEAP_MB,
        },
      ];
      const notes = [
        `Seeded ${seed.orders.toLocaleString()} orders / ${seed.events.toLocaleString()} events / ${seed.customers.toLocaleString()} customers over ${seed.dayStart} – ${seed.dayEnd} in ${round(seed.seconds, 1)} s; statuses ${JSON.stringify(seed.statusCounts)}.`,
        `Requests are sequential on one keep-alive connection after ${WARMUP} warm-up requests per workload; reference = the same store calls in process (${referenceMetrics.search_p99_ms} ms worst search p99).`,
        `Actor heap: ${heap.actors.toLocaleString()} actors activated with an assign for another tenant (loads the order, writes nothing): heap +${round(heap.heap_delta_mb, 1)} MB after GC (${heap.bytes_per_actor} B each), RSS +${round(heap.rss_delta_mb, 0)} MB. Actors that have handled events also keep up to 128 recent events each.`,
        ...[...http].filter(([, measured]) => measured.stoppedEarly).map(([name]) => `${name} stopped early at its ${options.budget_s} s budget.`),
        ...plans,
      ];
      return {
        metrics,
        reference: { name: 'bare store calls in process', metrics: referenceMetrics },
        ratio: { metric: 'search_p99_ms', value: round(searchP99 / Math.max(0.001, referenceSearchP99), 3) },
        targets,
        latency: allSearches.distribution(),
        throughput: allSearches.throughput(),
        notes,
      };
    } finally {
      await nodes.stop();
      await dropRedisPrefix(nodes.prefix); // each node's alert queue writes its meta key
    }
  },
};

function maxOf(values: number[]): number {
  return values.reduce((max, value) => Math.max(max, value), 0);
}

/** The read workloads, built from the seed's samples; the same requests as paths and as store queries. */
function buildWorkloads(seed: SeedResult, requests: number): Workload[] {
  let state = 7;
  const random = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const count = requests + WARMUP;
  const dayStart = Date.parse(seed.dayStart);
  const dayMs = Date.parse(seed.dayEnd) - dayStart;

  const statusSearches: OrderQuery[] = Array.from({ length: count }, () => {
    const first = pick([...STATUSES]);
    let second: OrderStatus = pick([...STATUSES]);
    while (second === first) second = pick([...STATUSES]);
    const hours = 1 + Math.floor(random() * 6);
    const from = dayStart + Math.floor(random() * (dayMs - hours * 3600_000));
    return {
      statuses: [first, second],
      createdFrom: new Date(from).toISOString(),
      createdTo: new Date(from + hours * 3600_000).toISOString(),
      limit: 50,
    };
  });
  const customerSearches: OrderQuery[] = Array.from({ length: count }, () => ({ customerId: pick(seed.sampleCustomers).id, limit: 50 }));
  // A customer's email up to the '@' (that customer's orders, and a few whose number extends it).
  const emailSearches: OrderQuery[] = Array.from({ length: count }, () => ({ q: pick(seed.sampleCustomers).email.split('@')[0]!, limit: 50 }));
  // A surname: about 1% of the tenant's orders match.
  const nameSearches: OrderQuery[] = Array.from({ length: count }, () => ({ q: pick(seed.sampleCustomers).name.split(' ')[1]!, limit: 50 }));
  const orderIds = Array.from({ length: count }, () => pick(seed.sampleOrderIds));

  const toPath = (query: OrderQuery): string => {
    const params = new URLSearchParams();
    if (query.statuses) params.set('status', query.statuses.join(','));
    if (query.createdFrom) params.set('created_from', query.createdFrom);
    if (query.createdTo) params.set('created_to', query.createdTo);
    if (query.customerId) params.set('customer_id', query.customerId);
    if (query.q) params.set('q', query.q);
    params.set('limit', String(query.limit));
    return `/v1/orders?${params}`;
  };
  const search = (name: string, what: string, searches: OrderQuery[]): Workload => ({ name, what, searches, paths: searches.map(toPath) });
  return [
    search('search_status', 'search by 2 statuses + created range', statusSearches),
    search('search_customer', 'search by customer_id', customerSearches),
    search('search_q_email', 'search q = email prefix', emailSearches),
    search('search_q_name', 'search q = surname', nameSearches),
    { name: 'order_history', what: 'order with history', orderIds, paths: orderIds.map((id) => `/v1/orders/${id}`) },
  ];
}

interface HeapResult {
  actors: number;
  activation_per_s: number;
  heap_delta_mb: number;
  bytes_per_actor: number;
  rss_delta_mb: number;
}

/** Runs loadtest/lib/actor-heap.ts in a child with --expose-gc; killed if it outlives its time limit. */
function measureActorHeap(dataDir: string, actors: number, progress: (line: string) => void): Promise<HeapResult> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(ROOT, 'loadtest/lib/actor-heap.ts'), dataDir, String(actors)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const limitMs = 60_000 + actors / 5; // 5,000 activations/s at worst
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise<HeapResult>((resolve, reject) => {
    let result: HeapResult | undefined;
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line) as { progress?: string; result?: HeapResult };
        if (message.progress) progress(message.progress);
        if (message.result) result = message.result;
      } catch {
        // not ours
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`actor-heap child ended without a result (${signal ?? code})`));
    });
  });
}

/**
 * EXPLAIN QUERY PLAN of the statement shapes src/store/sqlite/search.ts builds (one status; customer; q) and of the
 * history read, as report notes: they show which index serves each read.
 */
function explainSearches(dataDir: string): string[] {
  const db = new Database(path.join(dataDir, 'tracking.db'), { readonly: true });
  const order = 'ORDER BY o.created_at DESC, o.id DESC LIMIT @limit';
  const shapes: Array<[string, string]> = [
    [
      'search status + created range',
      `SELECT o.* FROM orders o WHERE o.tenant_id = @tenant_id AND o.status = @status AND o.created_at >= @created_from AND o.created_at <= @created_to ${order}`,
    ],
    ['search customer_id', `SELECT o.* FROM orders o WHERE o.tenant_id = @tenant_id AND o.customer_id = @customer_id ${order}`],
    [
      'search q',
      `SELECT o.* FROM orders o WHERE o.tenant_id = @tenant_id AND o.id IN (SELECT order_id FROM order_terms WHERE tenant_id = @tenant_id AND term >= @term_from AND term < @term_to) ${order}`,
    ],
    ['history', 'SELECT * FROM events WHERE order_id = @order_id ORDER BY occurred_at, rowid'],
  ];
  try {
    return shapes.map(([name, sql]) => {
      const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map(([, key]) => [key!, key === 'limit' ? 51 : 'x']));
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
      return `Plan, ${name}: ${plan.join(' | ')}`;
    });
  } finally {
    db.close();
  }
}

/** The PostgreSQL plans of the same read shapes (the planner picks the index itself, with ANALYZE statistics). */
async function explainPostgres(schema: string, tenantId: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  const order = 'ORDER BY o.created_at DESC, o.id DESC LIMIT 51';
  const shapes: Array<[string, string, unknown[]]> = [
    [
      'search status + created range',
      `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.status = $2 AND o.created_at >= now() - interval '6 hours' ${order}`,
      [tenantId, 'in_transit'],
    ],
    [
      'search 2 statuses',
      `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.status = ANY($2::text[]) ${order}`,
      [tenantId, ['failed_attempt', 'on_hold']],
    ],
    ['search customer_id', `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.customer_id = $2 ${order}`, [tenantId, 'x']],
    ['search courier_id', `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.courier_id = $2 ${order}`, [tenantId, 'k1']],
    [
      'search updated range',
      `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.updated_at <= now() - interval '20 hours' ${order}`,
      [tenantId],
    ],
    [
      'search promised_to (past promises)',
      `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.status = $2 AND o.promised_by <= now() - interval '12 hours' ${order}`,
      [tenantId, 'out_for_delivery'],
    ],
    [
      'search q',
      `SELECT o.* FROM orders o WHERE o.tenant_id = $1 AND o.id IN (SELECT order_id FROM order_terms WHERE tenant_id = $1 AND term >= $2 AND term < $3) ${order}`,
      [tenantId, 'ada', 'ada\uffff'],
    ],
    ['history', 'SELECT * FROM events WHERE order_id = $1 ORDER BY occurred_at, position', ['x']],
  ];
  try {
    const plans: string[] = [];
    for (const [name, sql, values] of shapes) {
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, values);
      plans.push(`Plan (PostgreSQL), ${name}: ${rows.map((row) => row['QUERY PLAN'].trim()).join(' | ')}`);
    }
    return plans;
  } finally {
    await client.end();
  }
}
