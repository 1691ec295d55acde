import { noPayment } from '../../src/domain/payment';
import { hashApiKey } from '../../src/auth/token-service';
import { newId, newSecret } from '../../src/domain/ids';
import type { Order } from '../../src/domain/order';
import { createPostgresStore } from '../../src/store/postgres/create-store';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import type { Store } from '../../src/store/store';
import { BENCH_DATABASE_URL, inBatches, Nodes } from '../lib/nodes';
import { JsonClient, sleep, withTimeout } from '../lib/sockets';
import { Recorder } from '../lib/stats';
import type { Benchmark } from '../lib/types';

const DAY = 86_400_000;

/** An order of `customerId`, terminal (delivered) `ageDays` ago. */
function order(tenantId: string, customerId: string, ageDays: number, now: number): Order {
  const at = new Date(now - ageDays * DAY).toISOString();
  return {
    id: newId('ord'), tenant_id: tenantId, external_id: null, status: 'delivered', version: 1, rev: 1,
    customer: { id: customerId, name: 'Bench Person', email: `${customerId}@bench.example`, phone: '+15550001111', locale: 'en' },
    destination: { address: '1 Bench Road, Kowloon', lat: 22.3, lng: 114.2 }, amount: { value: 1000, currency: 'HKD' },
    items: null, notify: null, metadata: null, courier_id: null, created_at: at, updated_at: at, eta: null, promised_by: null,
    last_location: null, last_event_at: at, held_at: null, delivered_at: at, failed_attempts: 0,
    payment: noPayment(at),
  };
}

async function seed(store: Store, orders: Order[]): Promise<void> {
  for (let from = 0; from < orders.length; from += 500) {
    await Promise.all(
      orders.slice(from, from + 500).map((item) =>
        store.orders.createOrder({
          order: item,
          firstEvent: { seq: 1, order_id: item.id, type: 'status', status: 'placed', scan_type: null, event_id: `placed-${item.id}`,
            occurred_at: item.created_at, recorded_at: item.created_at, location: { lat: 22.3, lng: 114.2 }, note: 'at the door', source: 'business', applied: true },
          idempotency: null,
          externalScope: 'tenant',
        }),
      ),
    );
  }
}

/** The store of a benchmark's nodes, opened in this process to seed it before (or beside) them. */
async function openStore(nodes: Nodes): Promise<Store> {
  const store = nodes.schema ? createPostgresStore({ url: BENCH_DATABASE_URL, schema: nodes.schema }) : createSqliteStore({ dataDir: nodes.dataDir });
  await store.lifecycle.init();
  return store;
}

interface AuditEntry {
  action: string;
  orders: number;
  at: string;
}

/**
 * Through a running node over HTTP, on the embedded store or PostgreSQL (`--pg 1`): DELETE
 * /v1/customers/:id/personal-data for a customer with N orders, then the node's own retention sweep (its timer,
 * `RETENTION_SWEEP_MS`) over M expired orders while `--lanes` clients post status events as fast as they are answered.
 * The sweep's rate comes from its audit entry (stamped when it starts) and the moment the entry appears; the API's
 * latency during the sweep is compared with the same load just before it.
 */
export const privacy: Benchmark = {
  name: 'privacy',
  description: 'erasure of a customer with N orders over HTTP; retention sweep rate (orders/s) with status posts under load on the same node',
  defaults: { orders: 10_000, expired: 10_000, lanes: 32, active: 200, sweep_after_s: 12, pg: 0 },
  target: 'erasure of 10,000 orders in seconds; the sweep does not stall the API (status p99 during the sweep ≤ 2× before it)',
  async run({ options, progress }) {
    const nodes = new Nodes({ postgres: options.pg === 1 });
    let client: JsonClient | undefined;
    try {
      // Seed before the node starts: the tenant, one customer with N orders, M orders terminal 60 days ago.
      progress(`${nodes.storeName}: seeding ${options.orders} orders of one customer and ${options.expired} expired orders`);
      const seeded = await openStore(nodes);
      const tenantId = newId('ten');
      const apiKey = newSecret('ak');
      await seeded.tenants.createTenant({ id: tenantId, name: 'Bench', points_per_unit: 1, created_at: new Date().toISOString() }, hashApiKey(apiKey));
      await seeded.tenants.putTenantSettings(tenantId, { retention_days: 30, arrival_radius_m: 300, quiet_hours: null, tracking_link_days: 30, proof_required: [], default_locale: 'en', slug: null, loyalty_basis: 'amount' });
      const now = Date.now();
      await seed(seeded, Array.from({ length: options.orders! }, () => order(tenantId, 'bench-customer', 1, now)));
      await seed(seeded, Array.from({ length: options.expired! }, (_, index) => order(tenantId, `c${index % 500}`, 60, now)));
      await seeded.lifecycle.close();

      // The node's sweep runs `sweep_after_s` after it starts: time for the erasure and a baseline of the load first.
      const server = await withTimeout(nodes.start({ RETENTION_SWEEP_MS: String(options.sweep_after_s! * 1000) }), 60_000, 'node start');
      const started = performance.now();
      client = new JsonClient(server.url, options.lanes! + 8);
      const http = client;

      progress('erasing one customer over HTTP');
      const eraseStarted = performance.now();
      const erased = await http.request<{ orders: number }>('DELETE', '/v1/customers/bench-customer/personal-data', apiKey);
      const eraseS = (performance.now() - eraseStarted) / 1000;
      if (erased.status !== 200) throw new Error(`erasure: ${erased.status}`);

      const active = await inBatches(Array.from({ length: options.active! }, (_, index) => index), 16, async (index) => {
        const placed = await http.post<{ id: string }>('/v1/orders', apiKey, { customer: { id: `live-${index}` } });
        await http.post(`/v1/orders/${placed.id}/status`, apiKey, { status: 'in_transit' });
        return placed.id;
      });

      // Status posts from every lane until the sweep's audit entry appears and two seconds more.
      const samples: Array<{ at: number; ms: number }> = [];
      let failures = 0;
      let sweep: AuditEntry | undefined;
      let sweepSeenAt = 0;
      let next = 0;
      const deadline = started + (options.sweep_after_s! + 120) * 1000;
      const load = Array.from({ length: options.lanes! }, async () => {
        while ((sweepSeenAt === 0 || performance.now() < sweepSeenAt + 2000) && performance.now() < deadline) {
          const index = next++;
          const begun = performance.now();
          const answer = await http.request('POST', `/v1/orders/${active[index % active.length]!}/status`, apiKey, { status: 'in_transit', event_id: `load-${index}` });
          if (answer.status === 200) samples.push({ at: Date.now(), ms: performance.now() - begun });
          else failures++;
        }
      });
      const watch = (async () => {
        while (!sweep && performance.now() < deadline) {
          const page = await http.get<{ items: AuditEntry[] }>('/v1/privacy/audit?limit=5', apiKey);
          sweep = page.items.find((entry) => entry.action === 'retention');
          if (sweep) sweepSeenAt = performance.now();
          else await sleep(50);
        }
        progress(sweep ? `sweep: ${sweep.orders} orders` : 'no sweep seen');
      })();
      await Promise.all([...load, watch]);
      if (!sweep) throw new Error('the retention sweep did not run');

      const sweepStart = Date.parse(sweep.at);
      const sweepEnd = Date.now() - (performance.now() - sweepSeenAt);
      const sweepS = Math.max(0.001, (sweepEnd - sweepStart) / 1000);
      const before = new Recorder();
      const during = new Recorder();
      for (const sample of samples) {
        if (sample.at < sweepStart) before.record(sample.ms);
        else if (sample.at <= sweepEnd) during.record(sample.ms);
      }
      const beforeP99 = before.percentile(99);
      const duringP99 = during.percentile(99);
      const windowS = (ms: number) => Math.max(0.001, ms / 1000);
      return {
        metrics: {
          store: nodes.storeName,
          erase_orders: erased.body?.orders ?? 0,
          erase_s: Math.round(eraseS * 1000) / 1000,
          erase_orders_per_s: Math.round((erased.body?.orders ?? 0) / eraseS),
          sweep_orders: sweep.orders,
          sweep_s: Math.round(sweepS * 1000) / 1000,
          sweep_orders_per_s: Math.round(sweep.orders / sweepS),
          status_posts_before: before.total,
          status_per_s_before: Math.round(before.total / windowS(sweepStart - (samples[0]?.at ?? sweepStart))),
          status_p50_ms_before: before.percentile(50),
          status_p99_ms_before: beforeP99,
          status_posts_during: during.total,
          status_per_s_during: Math.round(during.total / sweepS),
          status_p50_ms_during: during.percentile(50),
          status_p99_ms_during: duringP99,
          failures,
        },
        latency: during.distribution(),
        targets: [
          { target: 'erasure of 10,000 orders over HTTP < 30 s', measured: `${Math.round(eraseS * 1000) / 1000} s`, met: eraseS < 30 },
          { target: 'status p99 during the sweep ≤ 2× the p99 just before it', measured: `${duringP99} vs ${beforeP99} ms`, met: duringP99 <= 2 * beforeP99 },
          { target: 'no failed status post', measured: `${failures}`, met: failures === 0 },
        ],
        notes: [
          `${nodes.storeName}: the node erased ${erased.body?.orders ?? 0} orders of one customer in ${Math.round(eraseS * 1000) / 1000} s (one DELETE); its retention sweep erased ${sweep.orders} orders in ${Math.round(sweepS * 1000) / 1000} s while ${options.lanes} clients posted status events to the same node.`,
        ],
      };
    } finally {
      client?.close();
      await nodes.stop();
    }
  },
};
