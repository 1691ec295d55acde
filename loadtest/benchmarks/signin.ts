import { spawn } from 'node:child_process';
import path from 'node:path';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { cpuSeconds } from '../lib/process-cpu';
import { startSmtpSink } from '../lib/smtp-sink';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

const ROOT = path.resolve(__dirname, '../..');
// The node's own sends at once (CustomerSessionService's default): the reference loop gets the same.
const NODE_CONCURRENCY = 16;
// The email channel's pool (EmailChannel's default): the reference loop's too.
const SMTP_CONNECTIONS = 5;

/** The address of customer `index`, as the reference loop (loadtest/reference/smtp-loop.ts) addresses its messages. */
const address = (index: number): string => `c${index}@bench.test`;

/** A client address of its own per index (10.x.y.z), reported through the trusted proxy header. */
const clientAddress = (index: number): string => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;

/**
 * Sign-in codes one node sends: `--customers` customers, each with an order holding its own email, each asks once for a
 * code (`POST /v1/customer-sessions/start`, from a client address of its own, with the product's anonymous budget of
 * 10/s per address and the per-address code limit in place), and a local SMTP server counts the codes as they arrive.
 * Codes/s runs from the first request to the last code. Then `--limit_check` of those addresses ask 4 times more: only
 * 2 more each may arrive (3 an hour). The reference: a bare pooled nodemailer loop sending as many messages with the
 * same concurrency and pool to the same server, in a process of its own.
 */
export const signin: Benchmark = {
  name: 'signin',
  description: 'portal sign-in codes one node looks up and sends by email (limits in place) vs a bare pooled nodemailer loop',
  defaults: { customers: 1000, http_concurrency: 32, limit_check: 20, timeout_s: 60 },
  target: 'report codes/s and the ratio to the bare loop; every code arrives once; no address gets more than 3 an hour',
  async run({ options, progress }) {
    const count = options.customers!;
    const check = Math.min(options.limit_check!, count);
    const timeoutMs = options.timeout_s! * 1000;
    const arrivals = new Map<string, number>();
    let received = 0;
    let lastAt = 0;
    let series = new Recorder();
    const sink = await startSmtpSink({
      onMessage: ({ to }) => {
        received++;
        lastAt = performance.now();
        series.count();
        arrivals.set(to, (arrivals.get(to) ?? 0) + 1);
      },
    });
    const nodes = new Nodes();
    const notes: string[] = [];
    try {
      // The product's anonymous budget (10/s per client address), each request from an address of its own behind a
      // trusted proxy: the limiter runs for every request, as in production.
      const node = await nodes.start({ SMTP_URL: sink.url, MAIL_FROM: 'portal@bench.test', TRUST_PROXY: '1', RATE_LIMIT_ANON: '10/s' });
      const apiKey = await tenant(node.url);
      const slug = `bench-${process.pid}`;
      await fetch(`${node.url}/v1/tenants/me/settings`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ slug }),
      }).then((response) => {
        if (!response.ok) throw new Error(`slug: ${response.status}`);
      });

      // 1. Customers, each with an order holding its own email.
      const indices = Array.from({ length: count }, (_, index) => index);
      await inBatches(indices, options.http_concurrency!, async (index) => {
        await post(`${node.url}/v1/orders`, apiKey, { customer: { id: `c${index}`, name: `Customer ${index}`, email: address(index), locale: 'en' } });
        if (index % 500 === 0) progress(`placed ${index.toLocaleString()}/${count.toLocaleString()} orders`);
      });

      // 2. Each asks once for a code; the node answers at once and sends after.
      const ask = async (index: number): Promise<number> => {
        const started = performance.now();
        const response = await fetch(`${node.url}/v1/customer-sessions/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': clientAddress(index) },
          body: JSON.stringify({ tenant: slug, email: address(index) }),
        });
        await response.arrayBuffer();
        if (response.status !== 202) throw new Error(`start: ${response.status}`);
        return performance.now() - started;
      };
      received = 0;
      arrivals.clear();
      series = new Recorder();
      const answers = new Recorder();
      const cpuBefore = cpuSeconds(node.pid);
      const firstAt = performance.now();
      await inBatches(indices, options.http_concurrency!, async (index) => {
        answers.record(await ask(index));
        if (index % 500 === 0) progress(`asked ${index.toLocaleString()}/${count.toLocaleString()}; codes ${received.toLocaleString()}`);
      });
      const askedAt = performance.now();
      const deadline = Date.now() + timeoutMs;
      while (received < count && Date.now() < deadline) {
        progress(`codes ${received.toLocaleString()}/${count.toLocaleString()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const cpu = cpuSeconds(node.pid) - cpuBefore;
      const seconds = Math.max(0.001, (lastAt - firstAt) / 1000);
      const product = { received, perSecond: received / seconds, seconds, series: series.throughput() };
      const duplicates = [...arrivals.values()].filter((n) => n > 1).length;
      if (received < count) notes.push(`Only ${received} of ${count} codes arrived within ${options.timeout_s} s.`);

      // 3. The per-address limit: `check` addresses ask 4 times more; 2 more codes each may come (3 an hour).
      const before = received;
      await inBatches(
        indices.slice(0, check).flatMap((index) => [index, index, index, index]),
        options.http_concurrency!,
        (index) => ask(index),
      );
      const expectedExtra = check * 2;
      const checkDeadline = Date.now() + timeoutMs;
      while (received - before < expectedExtra && Date.now() < checkDeadline) await new Promise((resolve) => setTimeout(resolve, 100));
      // Whatever else would arrive is on its way by the time the node says it settled every request.
      const outcomes = await settledOutcomes(node.url, count + check * 4, timeoutMs);
      const overLimit = indices.slice(0, check).filter((index) => (arrivals.get(address(index)) ?? 0) > 3).length;
      const extraSent = received - before;
      await nodes.stop();

      // 4. Reference: as many messages from a bare pooled nodemailer loop, in a process of its own.
      received = 0;
      lastAt = 0;
      series = new Recorder();
      const referenceStart = performance.now();
      await runReferenceChild(sink.url, count, timeoutMs, () => progress(`reference: ${received.toLocaleString()}/${count.toLocaleString()}`));
      const referenceSeconds = Math.max(0.001, (lastAt - referenceStart) / 1000);
      const reference = { received, perSecond: received / referenceSeconds };

      notes.push(
        `One node (SQLite, STORE_SYNC=full), email only; the node sends ${NODE_CONCURRENCY} codes at once through a pool of ${SMTP_CONNECTIONS} SMTP connections; the reference loop the same.`,
        `Each request came from a client address of its own (X-Forwarded-For, TRUST_PROXY=1) with RATE_LIMIT_ANON=10/s: the limiter ran for every request without refusing any.`,
        `Codes/s counts from the first request to the last code received (the node answers each request before it looks it up, so the sends trail the answers). All requests were answered ${round((askedAt - firstAt) / 1000, 2)} s after the first.`,
        `Node CPU over the run: ${round(cpu, 2)} s (${round((cpu * 1000) / Math.max(1, product.received), 2)} ms per code, lookups and sends included).`,
        `Outcomes the node counted (sign_in_codes_total): ${JSON.stringify(outcomes)}.`,
        `Limit check: ${check} addresses asked 4 times more each; ${extraSent} more codes arrived (expected ${expectedExtra}: 3 an hour per address); ${overLimit} address(es) got more than 3.`,
      );
      return {
        metrics: {
          customers: count,
          codes_received: product.received,
          duplicates,
          codes_per_s: Math.round(product.perSecond),
          seconds: round(product.seconds, 2),
          answer_p50_ms: answers.percentile(50),
          answer_p99_ms: answers.percentile(99),
          node_cpu_ms_per_code: round((cpu * 1000) / Math.max(1, product.received), 2),
          limit_check_extra_codes: `${extraSent}/${expectedExtra}`,
        },
        reference: { name: 'bare pooled nodemailer loop (child process)', metrics: { emails_received: reference.received, emails_per_s: Math.round(reference.perSecond) } },
        ratio: { metric: 'codes_per_s', value: round(product.perSecond / Math.max(1, reference.perSecond), 3) },
        targets: [
          {
            target: 'every code arrives once; no address past 3 an hour',
            measured: `${product.received}/${count} arrived, ${duplicates} twice; limit check ${extraSent}/${expectedExtra}, ${overLimit} over`,
            met: product.received === count && duplicates === 0 && extraSent === expectedExtra && overLimit === 0,
          },
        ],
        latency: answers.distribution(),
        throughput: product.series,
        notes,
      };
    } finally {
      await nodes.stop();
      await sink.close();
    }
  },
};

/**
 * The node's count of settled requests by outcome (`sign_in_codes_total`, from /metrics, which answers loopback
 * callers), once it reaches `total` or `timeoutMs` passes.
 */
async function settledOutcomes(url: string, total: number, timeoutMs: number): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    const outcomes: Record<string, number> = {};
    for (const match of text.matchAll(/^sign_in_codes_total\{outcome="(\w+)"\} (\d+)/gm)) outcomes[match[1]!] = Number(match[2]);
    const settled = Object.values(outcomes).reduce((sum, n) => sum + n, 0);
    if (settled >= total || Date.now() > deadline) return outcomes;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs loadtest/reference/smtp-loop.ts in a child process (pooled, the node's concurrency); killed past `limitMs`. */
function runReferenceChild(smtpUrl: string, messages: number, limitMs: number, onTick: () => void): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'loadtest/reference/smtp-loop.ts'), smtpUrl, String(messages), String(NODE_CONCURRENCY), String(SMTP_CONNECTIONS), '1'],
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
