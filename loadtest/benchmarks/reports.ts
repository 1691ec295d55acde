import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { stringify } from 'csv-stringify';
import { keptPromise } from '../../src/domain/order';
import type { OrderStatus } from '../../src/domain/status';
import { reportSummary, SUMMARY_STATEMENTS } from '../../src/store/search/sqlite-reports';
import { Nodes } from '../lib/nodes';
import { seedStore } from '../lib/seed';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';
import { dropRedisPrefix } from './notify';

const SUMMARY_P99_MS = 500;
const WARMUP = 3;
const DAY_MS = 24 * 3600_000;

/** Reports on a store holding one day of a large tenant: summary latency over HTTP and the CSV export's rate. */
export const reports: Benchmark = {
  name: 'reports',
  description: 'reports over 100,000 orders in SQLite: summary p50/p99 for a month range, whole-tenant CSV export rows/s',
  defaults: { orders: 100_000, events: 600_000, requests: 30 },
  target: 'summary p99 ≤ 500 ms over 100,000 orders; the export streams (server RSS stays bounded)',
  async run({ options, progress }) {
    const nodes = new Nodes();
    try {
      // 1. Seed straight into SQLite (promises on four orders in five, deliveries 1–6 h after placement).
      const seed = await seedStore({ dataDir: nodes.dataDir, orders: options.orders!, events: options.events!, onProgress: progress });
      const dbFile = path.join(nodes.dataDir, 'tracking.db');
      const month = { from: new Date(Date.parse(seed.dayStart) - 15 * DAY_MS).toISOString(), to: '' };
      month.to = new Date(Date.parse(month.from) + 30 * DAY_MS).toISOString();

      // 2. A node on that store; summaries one at a time over HTTP.
      progress('starting a node on the seeded store');
      const node = await nodes.start({ LOG_LEVEL: 'info' });
      const headers = { authorization: `Bearer ${seed.apiKey}` };
      const summaryUrl = `${node.url}/v1/reports/summary?from=${encodeURIComponent(month.from)}&to=${encodeURIComponent(month.to)}`;
      const summarise = async (): Promise<Record<string, unknown>> => {
        const response = await fetch(summaryUrl, { headers });
        if (!response.ok) throw new Error(`summary: ${response.status} ${await response.text()}`);
        return (await response.json()) as Record<string, unknown>;
      };
      for (let index = 0; index < WARMUP; index++) await summarise();
      const summaries = new Recorder();
      let sample: Record<string, unknown> = {};
      for (let index = 0; index < options.requests!; index++) {
        const started = performance.now();
        sample = await summarise();
        summaries.record(performance.now() - started);
        if (index % 10 === 9) progress(`summary ${index + 1}/${options.requests}, p99 so far ${summaries.percentile(99)} ms`);
      }

      // 3. The whole tenant as CSV, read as it streams; the server's RSS sampled meanwhile.
      progress('exporting the whole tenant as CSV');
      const rssBefore = rssMb(node.pid);
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb(node.pid))), 100);
      const exportStarted = performance.now();
      const response = await fetch(`${node.url}/v1/reports/orders.csv`, { headers });
      if (!response.ok || !response.body) throw new Error(`export: ${response.status}`);
      let firstByteMs = 0;
      let bytes = 0;
      let newlines = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (bytes === 0) firstByteMs = performance.now() - exportStarted;
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) newlines++;
      }
      const exportSeconds = (performance.now() - exportStarted) / 1000;
      clearInterval(sampler);
      // Seeded external ids hold no line breaks: one line per order, after the header.
      const exportedRows = newlines - 1;

      // 4. References: the same summary SQL in a bare loop, and a bare stringify of the same rows, in process.
      progress('reference: the summary SQL in a bare loop, and a bare CSV stringify of the same rows');
      const db = new Database(dbFile, { readonly: true });
      let plans: string[];
      let bareSummary: Recorder;
      let bare: { rows: number; seconds: number };
      try {
        const now = new Date().toISOString();
        for (let index = 0; index < WARMUP; index++) reportSummary(db, seed.tenantId, month, now);
        bareSummary = new Recorder();
        for (let index = 0; index < options.requests!; index++) {
          const started = performance.now();
          reportSummary(db, seed.tenantId, month, now);
          bareSummary.record(performance.now() - started);
        }
        bare = await bareExport(db, seed.tenantId, now);
        plans = Object.entries(SUMMARY_STATEMENTS).map(([name, sql]) => {
          const params = Object.fromEntries([...sql.matchAll(/@(\w+)/g)].map(([, key]) => [key!, key!.startsWith('rank') ? 1 : 'x']));
          const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as Array<{ detail: string }>).map((row) => row.detail);
          return `Plan, summary ${name}: ${plan.join(' | ')}`;
        });
      } finally {
        db.close();
      }

      const p99 = summaries.percentile(99);
      const rowsPerS = Math.round(exportedRows / exportSeconds);
      const bareRowsPerS = Math.round(bare.rows / bare.seconds);
      const dbMib = round(fs.statSync(dbFile).size / 2 ** 20, 0);
      return {
        metrics: {
          orders: seed.orders,
          seed_s: round(seed.seconds, 1),
          db_mib: dbMib,
          summary_p50_ms: summaries.percentile(50),
          summary_p99_ms: p99,
          summary_placed: Number(sample.placed),
          summary_on_time_rate: round(Number(sample.on_time_rate), 3),
          export_rows: exportedRows,
          export_mib: round(bytes / 2 ** 20, 1),
          export_first_byte_ms: Math.round(firstByteMs),
          export_s: round(exportSeconds, 2),
          export_rows_per_s: rowsPerS,
          server_rss_before_export_mb: rssBefore,
          server_rss_peak_during_export_mb: rssPeak,
        },
        reference: {
          name: 'the same summary SQL in a bare loop; a bare stringify of the same rows read in one query',
          metrics: {
            summary_p50_ms: bareSummary.percentile(50),
            summary_p99_ms: bareSummary.percentile(99),
            export_rows_per_s: bareRowsPerS,
            export_ratio: `${round((rowsPerS / bareRowsPerS) * 100, 1)}% of the bare stringify`,
          },
        },
        ratio: { metric: 'summary_p99_ms', value: round(p99 / Math.max(0.001, bareSummary.percentile(99)), 3) },
        targets: [
          { target: `summary p99 ≤ ${SUMMARY_P99_MS} ms over ${seed.orders.toLocaleString()} orders (month range)`, measured: `${p99} ms`, met: p99 <= SUMMARY_P99_MS },
          {
            target: 'export streams: every order, first byte long before the end',
            measured: `${exportedRows.toLocaleString()} rows, first byte ${Math.round(firstByteMs)} ms of ${round(exportSeconds, 2)} s`,
            met: exportedRows === seed.orders && firstByteMs < (exportSeconds * 1000) / 10,
          },
        ],
        latency: summaries.distribution(),
        throughput: summaries.throughput(),
        notes: [
          `Seeded ${seed.orders.toLocaleString()} orders over ${seed.dayStart} – ${seed.dayEnd} in ${round(seed.seconds, 1)} s; statuses ${JSON.stringify(seed.statusCounts)}. The month range ${month.from} – ${month.to} holds all of them.`,
          `Summaries are sequential on one keep-alive connection after ${WARMUP} warm-up calls. Reference: reportSummary on a bare read-only connection to the same file, in process (no HTTP, auth, validation, JSON).`,
          `Export: one GET of the whole tenant, read as it arrives; ${round(bytes / 2 ** 20, 1)} MiB. Server RSS (from /proc) ${rssBefore} MB before, ${rssPeak} MB at most while exporting. Reference: the same columns read in one SELECT and stringified with csv-stringify's stream API in process (${bare.rows.toLocaleString()} rows in ${round(bare.seconds, 2)} s).`,
          ...plans,
        ],
      };
    } finally {
      await nodes.stop();
      await dropRedisPrefix(nodes.prefix);
    }
  },
};

/** Resident set size of a process in MB (Linux), 0 where /proc is not there. */
function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return Math.round(kb / 1024);
  } catch {
    return 0;
  }
}

interface BareRow {
  id: string;
  external_id: string | null;
  status: OrderStatus;
  customer_id: string;
  courier_id: string | null;
  created_at: string;
  delivered_at: string | null;
  promised_by: string | null;
  amount_value: number | null;
  amount_currency: string | null;
}

/** The export's columns for every order of the tenant in one query, stringified as the route does (no paging, no HTTP). */
async function bareExport(db: Database.Database, tenantId: string, nowIso: string): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  const rows = db
    .prepare(
      `SELECT id, external_id, status, customer_id, courier_id, created_at, delivered_at, promised_by,
         json_extract(doc, '$.amount.value') AS amount_value, json_extract(doc, '$.amount.currency') AS amount_currency
       FROM orders WHERE tenant_id = ? ORDER BY created_at DESC, id DESC`,
    )
    .iterate(tenantId) as IterableIterator<BareRow>;
  const columns = ['id', 'external_id', 'status', 'customer_id', 'courier_id', 'created_at', 'delivered_at', 'promised_by', 'on_time', 'amount_value', 'amount_currency'];
  const output = stringify({ header: true, columns, escape_formulas: true });
  let bytes = 0;
  output.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const done = new Promise<void>((resolve, reject) => output.once('end', resolve).once('error', reject));
  let count = 0;
  for (const row of rows) {
    const kept = keptPromise(row, nowIso);
    if (!output.write({ ...row, on_time: kept === null ? '' : String(kept) })) await new Promise((resolve) => output.once('drain', resolve));
    count++;
  }
  output.end();
  await done;
  return { rows: count, seconds: (performance.now() - started) / 1000 };
}
