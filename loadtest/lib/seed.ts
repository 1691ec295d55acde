import { noPayment } from '../../src/domain/payment';
/**
 * Fast seeding of the embedded store with one day of a large tenant, for the `scale` benchmark.
 *
 * The schema comes from the product (the embedded store is opened once, which runs the migrations, and creates the
 * tenant through the Store port); the bulk rows then go straight into SQLite with prepared statements in big
 * transactions, built by the product's own row mapping (`orderToRow`, `eventToRow`, `searchTerms`) so they are
 * exactly what the server would have written. Events follow the status machine (seq 1..n, each a legal move).
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { hashApiKey } from '../../src/auth/token-service';
import { newId, newSecret } from '../../src/domain/ids';
import type { Order, OrderEvent } from '../../src/domain/order';
import type { OrderStatus } from '../../src/domain/status';
import { searchTerms } from '../../src/store/search-terms';
import { eventToRow, orderToRow } from '../../src/store/sqlite/rows';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import { seededRandom } from '../../test/support/random';

export interface SeedOptions {
  dataDir: string;
  orders: number;
  /** Total events wanted (≈ `events / orders` per order; each order's path is a legal status sequence). */
  events: number;
  /** Orders per customer id on average, so a customer search returns a few. @default 5 */
  ordersPerCustomer?: number;
  /** Start of the seeded day (ms); orders are spread evenly over the following 24 h. @default 36 h ago */
  dayStartMs?: number;
  /** Orders per transaction. @default 10000 */
  batch?: number;
  /** Sample size kept for the query workloads. @default 2000 */
  samples?: number;
  /** PRNG seed, so two runs hold the same shape. @default 42 */
  seed?: number;
  onProgress?: (line: string) => void;
}

export interface SeededCustomer {
  id: string;
  name: string;
  email: string;
}

export interface SeedResult {
  tenantId: string;
  apiKey: string;
  orders: number;
  events: number;
  terms: number;
  customers: number;
  seconds: number;
  dayStart: string;
  dayEnd: string;
  /** Random orders and customers, for the query workloads. */
  sampleOrderIds: string[];
  sampleCustomers: SeededCustomer[];
  statusCounts: Record<string, number>;
}

// Share of each final status in one day of a large tenant.
const STATUS_MIX: Array<[OrderStatus, number]> = [
  ['delivered', 0.45],
  ['in_transit', 0.15],
  ['out_for_delivery', 0.1],
  ['shipped', 0.08],
  ['processing', 0.06],
  ['placed', 0.05],
  ['cancelled', 0.03],
  ['failed_attempt', 0.03],
  ['returned', 0.03],
  ['on_hold', 0.02],
];
// Shortest legal path to each status (one hub scan where there are any); hub scans pad the longer ones.
const MIN_LENGTH: Record<string, number> = {
  placed: 1,
  processing: 2,
  cancelled: 3,
  shipped: 3,
  in_transit: 4,
  on_hold: 5,
  out_for_delivery: 5,
  delivered: 6,
  failed_attempt: 6,
  returned: 7,
};
const PADDABLE = new Set<OrderStatus>(['in_transit', 'on_hold', 'out_for_delivery', 'delivered', 'failed_attempt', 'returned']);

const FIRST = (
  'ada alan barbara claude dennis edsger frances grace hedy ivan joan ken linus margaret niklaus ole peter ' +
  'radia rosalind sophie tim ursula vint wendy xiao yukihiro zoe anita brian carla diego elena farid gita hana ' +
  'igor jamal kiri lena mateo nadia omar priya quentin rui sara tomas uma viktor wei yara zane aiko bjorn chloe ' +
  'dara emil fatima gus hugo ines jonas kaya leo mila noor otto pia quinn rosa sven tara ugo vera will xena yusuf ' +
  'zora abel bea cyrus dina ezra flor gael hira ivo june kai'
).split(' ');
const LAST = (
  'lovelace turing liskov shannon ritchie dijkstra allen hopper lamarr sutherland clarke thompson torvalds ' +
  'hamilton wirth dahl naur perlman franklin wilson berners leguin cerf hall chen matsumoto kim wong garcia ' +
  'muller rossi silva novak kowalski nielsen jensen smith jones brown taylor davies evans thomas johnson roberts ' +
  'walker wright robinson thompsen white hughes edwards green lewis wood harris martin jackson clark morris ' +
  'ward baker cooper hill king lee moore young scott adams campbell mitchell carter phillips parker collins ' +
  'stewart murphy cook rogers morgan bell bailey rivera cooperman gray james watson brooks kelly sanders price'
).split(' ');

function customerOf(index: number): Required<Pick<Order['customer'], 'id' | 'name' | 'email' | 'phone' | 'locale'>> {
  const first = FIRST[index % FIRST.length]!;
  const last = LAST[Math.floor(index / FIRST.length) % LAST.length]!;
  return {
    id: `cus_${index.toString(36)}`,
    name: `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`,
    email: `${first}.${last}.${index}@example.com`,
    phone: `+1555${String(index).padStart(7, '0')}`,
    locale: 'en',
  };
}

/** The statuses an order went through to reach `final`, `length` events long where hub scans can pad it. */
function pathTo(final: OrderStatus, length: number, random: () => number): OrderStatus[] {
  if (final === 'placed') return ['placed'];
  if (final === 'processing') return ['placed', 'processing'];
  if (final === 'cancelled') return ['placed', 'processing', 'cancelled'];
  if (final === 'shipped') return ['placed', 'processing', 'shipped'];
  const hubs = Math.max(1, length - MIN_LENGTH[final]! + 1);
  const head: OrderStatus[] = ['placed', 'processing', 'shipped', ...Array<OrderStatus>(hubs).fill('in_transit')];
  switch (final) {
    case 'in_transit':
      return head;
    case 'on_hold':
      return [...head, 'on_hold'];
    case 'out_for_delivery':
      return [...head, 'out_for_delivery'];
    case 'delivered':
      return [...head, 'out_for_delivery', 'delivered'];
    case 'failed_attempt':
      return [...head, 'out_for_delivery', 'failed_attempt'];
    case 'returned':
      return random() < 0.5
        ? [...head, 'out_for_delivery', 'delivered', 'returned']
        : [...head, 'out_for_delivery', 'failed_attempt', 'returned'];
    default:
      throw new Error(`no path to ${final}`);
  }
}

/**
 * The delivery promise of the `index`th order: none for one in five, else 2 to 8 hours after placement (seeded
 * deliveries take about 1 to 6 hours, so some are late). Derived from the index, not drawn from the PRNG, so the
 * rest of the seeded shape is what it was before orders had promises.
 */
function promiseFor(index: number, createdMs: number): string | null {
  if (index % 5 === 4) return null;
  const minutes = 120 + (Math.imul(index, 2654435761) >>> 0) % 360;
  return new Date(createdMs + minutes * 60_000).toISOString();
}

const SCAN_OF: Partial<Record<OrderStatus, string>> = {
  shipped: 'pickup',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  failed_attempt: 'failed_attempt',
};

/** Seeds `options.dataDir` (which must not hold a store yet). */
export async function seedStore(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const progress = options.onProgress ?? (() => {});
  const random = seededRandom(options.seed ?? 42);
  const orderCount = options.orders;
  const customerCount = Math.max(1, Math.round(orderCount / (options.ordersPerCustomer ?? 5)));
  const batch = options.batch ?? 10_000;
  const dayStartMs = options.dayStartMs ?? Math.floor((Date.now() - 36 * 3600_000) / 3600_000) * 3600_000;
  const dayMs = 24 * 3600_000;

  // 1. Schema and tenant through the product.
  const apiKey = newSecret('ak');
  const tenantId = newId('ten', dayStartMs);
  const store = createSqliteStore({ dataDir: options.dataDir });
  await store.lifecycle.init();
  try {
    await store.tenants.createTenant(
      { id: tenantId, name: 'Scale', points_per_unit: 1, created_at: new Date(dayStartMs - dayMs).toISOString() },
      hashApiKey(apiKey),
    );
  } finally {
    await store.lifecycle.close();
  }

  // Per-order event count that gives the wanted total: the short paths are fixed, the others share the rest.
  const meanWanted = options.events / orderCount;
  let fixedMass = 0;
  let paddableMass = 0;
  for (const [status, weight] of STATUS_MIX) {
    if (PADDABLE.has(status)) paddableMass += weight;
    else fixedMass += weight * MIN_LENGTH[status]!;
  }
  const paddedLength = Math.max(4, (meanWanted - fixedMass) / paddableMass);

  // 2. Bulk rows. The file is ours alone: no journal, no fsync; secondary indexes are dropped and rebuilt from
  // their own DDL afterwards (a sorted build is much faster than millions of random index inserts).
  const db = new Database(path.join(options.dataDir, 'tracking.db'));
  const sampleOrderIds: string[] = [];
  const sampleCustomers: SeededCustomer[] = [];
  const sampleSize = options.samples ?? 2000;
  const statusCounts: Record<string, number> = {};
  let eventTotal = 0;
  let termTotal = 0;
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('temp_store = MEMORY');
    db.pragma('cache_size = -1048576'); // 1 GiB
    const indexes = db
      .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('orders', 'events') AND sql IS NOT NULL")
      .all() as Array<{ name: string; sql: string }>;
    for (const index of indexes) db.exec(`DROP INDEX ${index.name}`);

    // Positional parameters: binding by name costs about twice as much per row in better-sqlite3.
    const insertOrder = db.prepare(
      `INSERT INTO orders (id, tenant_id, external_id, status, version, rev, customer_id, courier_id, created_at,
         updated_at, last_event_at, held_at, last_location, promised_by, delivered_at, failed_attempts, doc)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertEvent = db.prepare(
      `INSERT INTO events (order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note,
         source, applied) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // order_terms is a WITHOUT ROWID table keyed by (tenant, term, order): random inserts into it are slow, so the
    // terms are staged in arrival order and moved over in key order at the end (an append-only build).
    db.exec('CREATE TEMP TABLE staged_terms (tenant_id TEXT NOT NULL, term TEXT NOT NULL, order_id TEXT NOT NULL)');
    const stageTerm = db.prepare('INSERT INTO staged_terms (tenant_id, term, order_id) VALUES (?, ?, ?)');

    const slot = dayMs / orderCount;
    const pickStatus = (): OrderStatus => {
      let roll = random();
      for (const [status, weight] of STATUS_MIX) {
        roll -= weight;
        if (roll < 0) return status;
      }
      return 'delivered';
    };
    const writeBatch = db.transaction((from: number, to: number) => {
      for (let index = from; index < to; index++) {
        const createdMs = Math.floor(dayStartMs + index * slot + random() * slot * 0.9);
        const id = newId('ord', createdMs);
        const customerIndex = Math.floor(random() * customerCount);
        const customer = customerOf(customerIndex);
        const final = pickStatus();
        const length = PADDABLE.has(final) ? Math.floor(paddedLength) + (random() < paddedLength % 1 ? 1 : 0) : 0;
        const statuses = pathTo(final, length, random);
        const courierId = statuses.includes('shipped') ? `cour_${Math.floor(random() * 500)}` : null;
        const lat = 22.2 + random() * 0.3;
        const lng = 113.9 + random() * 0.4;

        let at = createdMs;
        let hub = 0;
        const events: OrderEvent[] = statuses.map((status, position) => {
          if (position > 0) at += 5 * 60_000 + Math.floor(random() * 35 * 60_000);
          const occurred = new Date(at).toISOString();
          const scan = status === 'in_transit' ? (hub++ % 2 === 0 ? 'hub_in' : 'hub_out') : SCAN_OF[status];
          return {
            seq: position + 1,
            order_id: id,
            type: position > 0 && scan ? 'scan' : 'status',
            status,
            scan_type: position > 0 && scan ? (scan as OrderEvent['scan_type']) : null,
            event_id: position === 0 ? `placed-${id}` : randomUUID(),
            occurred_at: occurred,
            recorded_at: position === 0 ? occurred : new Date(at + 500 + Math.floor(random() * 4000)).toISOString(),
            location: position > 0 && scan ? { lat: lat + random() * 0.05, lng: lng + random() * 0.05 } : null,
            note: null,
            source: position === 0 ? 'business' : scan ? 'courier' : 'business',
            applied: true,
          };
        });
        const last = events[events.length - 1]!;
        const delivered = events.find((event) => event.status === 'delivered');
        const active = final === 'shipped' || final === 'in_transit' || final === 'out_for_delivery';
        const order: Order = {
          id,
          tenant_id: tenantId,
          external_id: `shop-${index}`,
          status: final,
          version: events.length,
          rev: events.length,
          customer,
          destination: { address: `${1 + (index % 300)} Nathan Road, Kowloon`, lat, lng },
          amount: { value: 1000 + Math.floor(random() * 50_000), currency: 'HKD' },
          items: [{ sku: `sku-${index % 997}`, qty: 1 + (index % 3) }],
          notify: { email: true, sms: false },
          metadata: null,
          courier_id: courierId,
          created_at: events[0]!.occurred_at,
          updated_at: last.recorded_at,
          eta: null,
          promised_by: promiseFor(index, createdMs),
          last_location: active && last.location ? { ...last.location, at: last.occurred_at } : null,
          last_event_at: last.occurred_at,
          held_at: final === 'on_hold' ? 'in_transit' : null,
          delivered_at: delivered?.occurred_at ?? null,
          payment: noPayment(events[0]!.occurred_at),
          failed_attempts: statuses.filter((status) => status === 'failed_attempt').length,
        };
        const row = orderToRow(order);
        insertOrder.run(
          row.id, row.tenant_id, row.external_id, row.status, row.version, row.rev, row.customer_id, row.courier_id,
          row.created_at, row.updated_at, row.last_event_at, row.held_at, row.last_location, row.promised_by,
          row.delivered_at, row.failed_attempts, row.doc,
        );
        for (const term of searchTerms(order)) {
          stageTerm.run(tenantId, term, id);
          termTotal++;
        }
        for (const event of events) {
          const e = eventToRow(event);
          insertEvent.run(
            e.order_id, e.seq, e.event_id, e.type, e.status, e.scan_type, e.occurred_at, e.recorded_at, e.location,
            e.note, e.source, e.applied,
          );
        }
        eventTotal += events.length;
        statusCounts[final] = (statusCounts[final] ?? 0) + 1;
        // Reservoir samples: uniform over the whole day.
        if (sampleOrderIds.length < sampleSize) sampleOrderIds.push(id);
        else {
          const slotIndex = Math.floor(random() * (index + 1));
          if (slotIndex < sampleSize) sampleOrderIds[slotIndex] = id;
        }
        if (sampleCustomers.length < sampleSize) sampleCustomers.push({ id: customer.id, name: customer.name, email: customer.email });
        else {
          const slotIndex = Math.floor(random() * (index + 1));
          if (slotIndex < sampleSize) sampleCustomers[slotIndex] = { id: customer.id, name: customer.name, email: customer.email };
        }
      }
    });
    for (let from = 0; from < orderCount; from += batch) {
      const to = Math.min(orderCount, from + batch);
      writeBatch(from, to);
      const seconds = (performance.now() - started) / 1000;
      progress(`seeding ${to.toLocaleString()}/${orderCount.toLocaleString()} orders, ${eventTotal.toLocaleString()} events (${Math.round(to / seconds).toLocaleString()} orders/s)`);
    }
    progress(`moving ${termTotal.toLocaleString()} search terms in key order`);
    db.exec(
      `INSERT OR IGNORE INTO order_terms (tenant_id, term, order_id)
       SELECT tenant_id, term, order_id FROM staged_terms ORDER BY tenant_id, term, order_id`,
    );
    db.exec('DROP TABLE staged_terms');
    for (const [done, index] of indexes.entries()) {
      progress(`building index ${index.name} (${done + 1}/${indexes.length})`);
      db.exec(index.sql);
    }
    db.pragma('locking_mode = NORMAL');
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  return {
    tenantId,
    apiKey,
    orders: orderCount,
    events: eventTotal,
    terms: termTotal,
    customers: customerCount,
    seconds: (performance.now() - started) / 1000,
    dayStart: new Date(dayStartMs).toISOString(),
    dayEnd: new Date(dayStartMs + dayMs).toISOString(),
    sampleOrderIds,
    sampleCustomers,
    statusCounts,
  };
}
