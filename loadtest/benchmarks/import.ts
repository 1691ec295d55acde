import { placeOrderBody } from '../../src/http/schemas';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { round } from '../lib/stats';
import type { Benchmark } from '../lib/types';
import { dropRedisPrefix } from './notify';

const TARGET_S = 10;
const TARGET_LINES = 10_000;

interface ImportRun {
  seconds: number;
  outcomes: Record<string, number>;
}

/** Bulk import on one node: a whole NDJSON file in one request, against the same placements one request each. */
export const importBench: Benchmark = {
  name: 'import',
  description: 'POST /v1/orders/import of an NDJSON file on one node, lines/s (vs the same orders through POST /v1/orders, and a bare parse loop)',
  // --pg 1: the node on PostgreSQL instead of the embedded store. --connections: POST /v1/orders in flight for the reference.
  defaults: { lines: 10_000, connections: 64, pg: 0 },
  target: '10,000 lines in under 10 s on the embedded store',
  async run({ options, progress }) {
    const nodes = new Nodes({ postgres: options.pg === 1 });
    try {
      const node = await nodes.start();
      const lines = Array.from({ length: options.lines! }, (_, index) => orderLine(`bench-${index}`, index));
      const file = `${lines.join('\n')}\n`;

      // 1. The file in one request, on a fresh tenant; then the same file again (every line already there).
      const importer = await tenant(node.url);
      progress(`importing ${lines.length} lines (${round(file.length / 2 ** 20, 1)} MiB)`);
      const first = await importOnce(node.url, importer, file);
      progress(`imported in ${round(first.seconds, 2)} s; again (every line existing)`);
      const again = await importOnce(node.url, importer, file);

      // 2. Reference: the same placements through POST /v1/orders, `connections` in flight, on another tenant.
      const poster = await tenant(node.url);
      progress(`reference: ${lines.length} × POST /v1/orders, ${options.connections} in flight`);
      const bodies = lines.map((line) => JSON.parse(line) as unknown);
      const postStarted = performance.now();
      await inBatches(bodies, options.connections!, (body) => post(`${node.url}/v1/orders`, poster, body));
      const postSeconds = (performance.now() - postStarted) / 1000;

      // 3. Reference: what parsing and validating the lines costs alone (in this process, no HTTP, no store).
      const parseStarted = performance.now();
      let valid = 0;
      for (const line of lines) if (placeOrderBody.safeParse(JSON.parse(line)).success) valid++;
      const parseSeconds = (performance.now() - parseStarted) / 1000;

      const linesPerS = Math.round(lines.length / first.seconds);
      const postPerS = Math.round(lines.length / postSeconds);
      const scaledS = (first.seconds * TARGET_LINES) / lines.length;
      return {
        metrics: {
          store: nodes.storeName,
          lines: lines.length,
          file_mib: round(file.length / 2 ** 20, 1),
          import_s: round(first.seconds, 2),
          import_lines_per_s: linesPerS,
          created: first.outcomes.created ?? 0,
          rerun_s: round(again.seconds, 2),
          rerun_lines_per_s: Math.round(lines.length / again.seconds),
          rerun_existing: again.outcomes.existing ?? 0,
        },
        reference: {
          name: `the same orders one POST /v1/orders each, ${options.connections} in flight (parse_*: a bare JSON.parse + schema loop)`,
          metrics: {
            post_s: round(postSeconds, 2),
            post_orders_per_s: postPerS,
            parse_s: round(parseSeconds, 3),
            parse_lines_per_s: Math.round(lines.length / parseSeconds),
            parse_valid: valid,
          },
        },
        ratio: { metric: 'import_lines_per_s', value: round(linesPerS / postPerS, 2) },
        targets: [
          // The target is the embedded store's; on PostgreSQL the figure is reported, not judged.
          ...(nodes.schema
            ? []
            : [
                {
                  target: `${TARGET_LINES.toLocaleString()} lines in under ${TARGET_S} s on the embedded store`,
                  measured: `${lines.length.toLocaleString()} lines in ${round(first.seconds, 2)} s (${round(scaledS, 2)} s per 10,000)`,
                  met: scaledS < TARGET_S && first.outcomes.created === lines.length,
                },
              ]),
          {
            target: 'every line placed',
            measured: `${first.outcomes.created ?? 0} created of ${lines.length}`,
            met: first.outcomes.created === lines.length,
          },
          {
            target: 'a re-run of the same file places nothing: every line existing',
            measured: `${again.outcomes.existing ?? 0} existing of ${lines.length}`,
            met: again.outcomes.existing === lines.length,
          },
        ],
        notes: [
          `One node (${nodes.storeName}, STORE_SYNC default full), its own process; the file is one POST with Content-Length from this process.`,
          'Import: the server reads and validates the lines as they arrive, then places them 64 at a time (ImportService concurrency).',
          `Reference: each order its own POST /v1/orders (auth, rate limit, JSON body, placement, tracking token), ${options.connections} in flight over keep-alive connections.`,
          'Parse reference: JSON.parse and the placement schema over the same lines in this process: the floor of what the import can cost without placing anything.',
        ],
      };
    } finally {
      await nodes.stop();
      await dropRedisPrefix(nodes.prefix);
    }
  },
};

/** One order of a shop's export: a customer with contact details, an address, an amount, a few items, a promise. */
function orderLine(externalId: string, index: number): string {
  return JSON.stringify({
    external_id: externalId,
    customer: { id: `c-${index % 5000}`, name: `Customer ${index}`, email: `c${index}@example.com`, phone: `+8529${String(1000000 + index).slice(-7)}` },
    destination: { address: `${index} Nathan Road, Kowloon`, lat: 22.3 + (index % 100) / 1000, lng: 114.17 },
    amount: { value: 10_000 + index, currency: 'HKD' },
    items: [{ sku: `sku-${index % 97}`, qty: 1 + (index % 3) }],
    notify: { email: true },
    promised_by: new Date(Date.now() + 2 * 24 * 3600_000).toISOString(),
  });
}

async function importOnce(url: string, key: string, file: string): Promise<ImportRun> {
  const started = performance.now();
  const response = await fetch(`${url}/v1/orders/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: file,
  });
  if (!response.ok) throw new Error(`import: ${response.status} ${await response.text()}`);
  const { results } = (await response.json()) as { results: Array<{ outcome: string }> };
  const seconds = (performance.now() - started) / 1000;
  const outcomes: Record<string, number> = {};
  for (const result of results) outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
  return { seconds, outcomes };
}
