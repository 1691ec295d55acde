import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { WEBHOOK_QUEUE } from '../../src/notifiers/webhook-relay';
import { inBatches, Nodes, post, type ServerProcess, tenant, waitForQueued } from '../lib/nodes';
import { Recorder, round } from '../lib/stats';
import { cpuSeconds } from '../lib/process-cpu';
import type { Benchmark } from '../lib/types';

const ROOT = path.resolve(__dirname, '../..');
// The receiver checks every this-many-th message with standardwebhooks (all of them would load the bench process).
const VERIFY_EVERY = 25;

/**
 * Webhook messages through one worker process to a local receiver: orders placed for tenants with endpoints that take
 * `order.created` (one message per order and endpoint), queued while no worker runs, then one worker process
 * (PROCESS_ROLE=worker) delivers the backlog. Messages/s counts from the first to the last message received.
 */
export const webhooks: Benchmark = {
  name: 'webhooks',
  description: 'webhook messages delivered by one worker process (PROCESS_ROLE=worker) to a local receiver vs a bare signed POST loop',
  defaults: { messages: 2000, tenants: 4, endpoints: 4, concurrency: 50, endpoint_concurrency: 4, tenant_concurrency: 16, http_concurrency: 32, timeout_s: 60 },
  target: 'report: messages/s from one worker, and the ratio to a bare signed POST loop',
  async run({ options, progress }) {
    const tenants = options.tenants!;
    const perTenant = options.endpoints!;
    const endpointCount = tenants * perTenant;
    const ordersPerTenant = Math.max(1, Math.ceil(options.messages! / endpointCount));
    const count = ordersPerTenant * endpointCount;
    const sink = await startSink();
    const nodes = new Nodes();
    const notes: string[] = [];
    try {
      const webhookEnv = {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_CONCURRENCY: String(options.concurrency),
        WEBHOOK_ENDPOINT_CONCURRENCY: String(options.endpoint_concurrency),
        WEBHOOK_TENANT_CONCURRENCY: String(Math.max(options.tenant_concurrency!, options.endpoint_concurrency!)),
      };
      const api = await nodes.start({ PROCESS_ROLE: 'api', ...webhookEnv });

      // 1. Tenants, each with its endpoints on the receiver (a path per endpoint, so the receiver knows its secret).
      const keys: string[] = [];
      for (let t = 0; t < tenants; t++) {
        const apiKey = await tenant(api.url);
        keys.push(apiKey);
        for (let e = 0; e < perTenant; e++) {
          const created = await post<{ secret: string }>(`${api.url}/v1/webhooks`, apiKey, { url: `${sink.url}/t${t}/e${e}`, events: ['order.created'] });
          sink.secrets.set(`/t${t}/e${e}`, created.secret);
        }
      }

      // 2. The orders (each owes one message per endpoint of its tenant), all queued before the worker starts.
      const placements = Array.from({ length: ordersPerTenant * tenants }, (_, index) => index);
      await inBatches(placements, options.http_concurrency!, async (index) => {
        const apiKey = keys[index % tenants]!;
        await post(`${api.url}/v1/orders`, apiKey, {
          external_id: `wh-${index}`,
          customer: { id: `c${index}`, name: `Customer ${index}`, email: `c${index}@bench.test` },
          amount: { value: 12900, currency: 'HKD' },
          destination: { address: `${index} Harbour Road`, lat: 22.28, lng: 114.17 },
        });
        if (index % 500 === 0) progress(`placed ${index.toLocaleString()}/${placements.length.toLocaleString()} orders`);
      });
      await waitForQueued(WEBHOOK_QUEUE, nodes.prefix, count, 'webhook messages', 60_000, progress);

      // 3. One worker delivers the backlog.
      sink.reset();
      const spawned = performance.now();
      const worker: ServerProcess = await nodes.start({ PROCESS_ROLE: 'worker', ...webhookEnv });
      const ready = performance.now();
      const cpuBefore = cpuSeconds(worker.pid);
      const deadline = Date.now() + options.timeout_s! * 1000;
      while (sink.unique < count && Date.now() < deadline) {
        progress(`messages ${sink.unique.toLocaleString()}/${count.toLocaleString()} (${sink.rate()} /s)`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const product = sink.snapshot();
      const workerCpu = cpuSeconds(worker.pid) - cpuBefore;
      const sample = await fetch(`${api.url}/v1/webhooks`, { headers: { authorization: `Bearer ${keys[0]}` } })
        .then((response) => response.json() as Promise<{ items: Array<{ id: string }> }>)
        .then((listed) =>
          fetch(`${api.url}/v1/webhooks/${listed.items[0]!.id}/deliveries?limit=1`, { headers: { authorization: `Bearer ${keys[0]}` } }).then(
            (response) => response.json() as Promise<{ items: unknown[] }>,
          ),
        )
        .catch((error: unknown) => ({ items: [`unreadable: ${(error as Error).message}`] }));
      await nodes.stop();

      // 4. Reference: the same number of signed POSTs of the same body from a bare loop in a child process.
      sink.reset();
      const referenceStarted = performance.now();
      await runReference(`${sink.url}/t0/e0`, count, options.concurrency!, sink.secrets.get('/t0/e0')!, product.sampleBody, options.timeout_s! * 1000, () =>
        progress(`reference: ${sink.received.toLocaleString()}/${count.toLocaleString()}`),
      );
      const reference = sink.snapshot();
      const referenceSeconds = (performance.now() - referenceStarted) / 1000;

      const busySeconds = Math.max(0.001, (product.lastAt - ready) / 1000);
      notes.push(
        `Backlog: ${count} messages (${ordersPerTenant * tenants} orders × ${perTenant} endpoints per tenant, ${tenants} tenants = ${endpointCount} endpoints) queued in BullMQ before the worker started; WEBHOOK_CONCURRENCY=${options.concurrency}, at most ${options.endpoint_concurrency} in flight per endpoint and ${Math.max(options.tenant_concurrency!, options.endpoint_concurrency!)} per tenant (Redis slots).`,
        `Messages/s counts from the first to the last message received by the receiver (node:http in the bench process, answering 204; every ${VERIFY_EVERY}th verified with standardwebhooks: ${product.verified} verified, ${product.unverified} failed).`,
        `Worker CPU from ready to the last message (${round(busySeconds, 1)} s): ${round(workerCpu, 2)} s (${Math.round((workerCpu / busySeconds) * 100)}% of a core), ${round((workerCpu * 1000) / Math.max(1, product.unique), 3)} ms per message.`,
        `Reference: ${reference.received} signed POSTs (standardwebhooks, node:http keep-alive, ${options.concurrency} in flight, one endpoint) in ${round(referenceSeconds, 2)} s.`,
        `Delivery log line of one message: ${JSON.stringify(sample.items)}.`,
      );
      if (product.unique < count) notes.push(`Only ${product.unique} of ${count} messages arrived within ${options.timeout_s} s.`);
      return {
        metrics: {
          messages: count,
          endpoints: endpointCount,
          received: product.received,
          duplicates: product.received - product.unique,
          messages_per_s: Math.round(product.perSecond),
          first_after_worker_spawn_ms: Math.round(product.firstAt - spawned),
          all_after_worker_spawn_s: round((product.lastAt - spawned) / 1000, 2),
          worker_cpu_s: round(workerCpu, 2),
          worker_cpu_ms_per_message: round((workerCpu * 1000) / Math.max(1, product.unique), 3),
        },
        reference: { name: 'bare signed POST loop (child process)', metrics: { received: reference.received, messages_per_s: Math.round(reference.perSecond) } },
        ratio: { metric: 'messages_per_s', value: round(product.perSecond / Math.max(1, reference.perSecond), 3) },
        targets: [
          {
            target: 'every message delivered, each verifiable',
            measured: `${product.unique}/${count} delivered at ${Math.round(product.perSecond)}/s, ${product.received - product.unique} duplicates, ${product.unverified} failed verification`,
            met: product.unique === count && product.unverified === 0,
          },
        ],
        throughput: product.series,
        notes,
      };
    } finally {
      await nodes.stop();
      await sink.close();
    }
  },
};

/** A receiver that answers 204 and counts: arrivals, unique webhook-ids, a per-second series, a verified sample. */
async function startSink() {
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  let seen = new Set<string>();
  let series = new Recorder();
  let verified = 0;
  let unverified = 0;
  let sampleBody = '{}';
  const secrets = new Map<string, string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const now = performance.now();
      received++;
      if (received === 1) firstAt = now;
      lastAt = now;
      series.count();
      const id = String(req.headers['webhook-id']);
      seen.add(id);
      if (received % VERIFY_EVERY === 1) {
        const body = Buffer.concat(chunks).toString('utf8');
        sampleBody = body;
        const secret = secrets.get(req.url ?? '');
        try {
          new Webhook(secret ?? 'whsec_AAAA').verify(body, req.headers as Record<string, string>);
          verified++;
        } catch {
          unverified++;
        }
      }
      res.writeHead(204);
      res.end();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    secrets,
    get received() {
      return received;
    },
    get unique() {
      return seen.size;
    },
    rate: () => (received > 1 ? Math.round((received - 1) / ((lastAt - firstAt) / 1000)) : 0),
    reset() {
      received = 0;
      firstAt = lastAt = 0;
      seen = new Set();
      series = new Recorder();
      verified = unverified = 0;
    },
    snapshot() {
      const seconds = (lastAt - firstAt) / 1000;
      return {
        received,
        unique: seen.size,
        firstAt,
        lastAt,
        verified,
        unverified,
        sampleBody,
        perSecond: received > 1 && seconds > 0 ? (received - 1) / seconds : 0,
        series: series.throughput(),
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs loadtest/reference/webhook-loop.ts in a child process; killed if it outlives `limitMs`. */
function runReference(url: string, messages: number, concurrency: number, secret: string, body: string, limitMs: number, onTick: () => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'loadtest/reference/webhook-loop.ts'), url, String(messages), String(concurrency), secret, body],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const ticker = setInterval(onTick, 250);
  const timer = setTimeout(() => child.kill('SIGKILL'), limitMs);
  return new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(ticker);
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`reference loop ended with ${signal ?? code}`));
    });
  });
}
