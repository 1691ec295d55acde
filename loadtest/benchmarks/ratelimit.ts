import autocannon from 'autocannon';
import { Nodes, post, tenant } from '../lib/nodes';
import { generatorLoopDelay, JsonClient, pace } from '../lib/sockets';
import { Recorder, round } from '../lib/stats';
import type { Benchmark, Series } from '../lib/types';

interface Flood {
  ok: number;
  limited: number;
  /** Answers that were neither 200 nor 429. */
  other: number;
  errors: number;
  seconds: number;
  /** Answers per second (200s and 429s together). */
  series: Series;
}

/** Tenant A: as many reads of its order as `connections` keep-alive connections can send for `duration` s. */
function flood(url: string, path: string, apiKey: string, connections: number, duration: number, progress: (line: string) => void): Promise<Flood> {
  const counts = { ok: 0, limited: 0, other: 0 };
  const series: Series = [];
  let second = 0;
  let lastTotal = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration, requests: [{ method: 'GET', path, headers: { authorization: `Bearer ${apiKey}` } }] },
      (error, result) => {
        if (error) return reject(error);
        resolve({ ...counts, errors: result.errors + result.timeouts, seconds: result.duration, series });
      },
    );
    instance.on('response', (_client, statusCode) => {
      if (statusCode === 200) counts.ok++;
      else if (statusCode === 429) counts.limited++;
      else counts.other++;
    });
    instance.on('tick', () => {
      const total = counts.ok + counts.limited + counts.other;
      series.push([++second, total - lastTotal]);
      lastTotal = total;
      progress(`${second}s tenant A ${counts.ok} × 200, ${counts.limited} × 429`);
    });
  });
}

interface Steady {
  sent: number;
  latency: Recorder;
  statuses: Map<number, number>;
  errors: number;
}

/** Tenant B: `rate` reads a second of its own order, paced open-loop, each one's latency recorded. */
async function steady(client: JsonClient, path: string, apiKey: string, rate: number, duration: number): Promise<Steady> {
  const latency = new Recorder();
  const statuses = new Map<number, number>();
  const inFlight: Array<Promise<void>> = [];
  let errors = 0;
  const sent = await pace(rate, duration, () => {
    const started = performance.now();
    inFlight.push(
      client.request('GET', path, apiKey).then(
        (response) => {
          latency.record(performance.now() - started);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        },
        () => {
          errors++;
        },
      ),
    );
  });
  await Promise.all(inFlight);
  return { sent, latency, statuses, errors };
}

/**
 * Tenant isolation under a flood: tenant A reads far beyond its API key's budget over many connections while
 * tenant B reads at a steady moderate rate on the same node. Measures what A gets through (200s and 429s a
 * second), whether B is ever refused, and B's latency; the limit reference is a bare Koa JSON route flooded the
 * same way (what the cheapest possible answer costs on this machine).
 */
export const ratelimit: Benchmark = {
  name: 'ratelimit',
  description: "one tenant floods past its budget while another reads steadily: A's 200s/429s per second, B's latency and 429s",
  defaults: { duration: 15, connections: 64, budget: 500, rate: 50 },
  target: "tenant B never gets a 429 while tenant A floods; A is held to its budget (RATE_LIMIT_BUSINESS)",
  async run({ options, progress }) {
    const duration = options.duration!;
    const budget = options.budget!;
    const rate = options.rate!;
    if (!(rate < budget)) throw new Error(`--rate (${rate}) must stay under --budget (${budget}): B is to stay within its budget`);
    const nodes = new Nodes();
    let readerB: JsonClient | undefined;
    try {
      progress('starting node');
      const node = await nodes.start({ RATE_LIMIT_BUSINESS: `${budget}/s` });
      const keyA = await tenant(node.url);
      const keyB = await tenant(node.url);
      const orderA = await post<{ id: string }>(`${node.url}/v1/orders`, keyA, { customer: { id: 'ca' } });
      const orderB = await post<{ id: string }>(`${node.url}/v1/orders`, keyB, { customer: { id: 'cb' } });
      readerB = new JsonClient(node.url, 8);

      progress(`tenant A floods (${options.connections} connections), tenant B reads ${rate}/s, ${duration}s`);
      const loop = generatorLoopDelay();
      const [a, b] = await Promise.all([
        flood(node.url, `/v1/orders/${orderA.id}`, keyA, options.connections!, duration, progress),
        steady(readerB, `/v1/orders/${orderB.id}`, keyB, rate, duration),
      ]);
      const generator = loop.stop();

      const referenceSeconds = Math.max(2, Math.round(duration / 3));
      progress(`bare Koa JSON route, ${referenceSeconds}s`);
      const reference = await nodes.startScript('loadtest/reference/koa-json-route.ts');
      const bare = await autocannon({
        url: reference.url,
        connections: options.connections!,
        duration: referenceSeconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });

      const okPerS = a.ok / a.seconds;
      const limitedPerS = a.limited / a.seconds;
      const answeredPerS = okPerS + limitedPerS;
      const barePerS = bare['2xx'] / bare.duration;
      const b429 = b.statuses.get(429) ?? 0;
      const bNon200 = [...b.statuses].filter(([status]) => status !== 200).reduce((sum, [, count]) => sum + count, 0);
      // Fixed one-second windows: a run of `seconds` spans at most seconds + 1 of them.
      const ceiling = (budget * (a.seconds + 1)) / a.seconds;
      return {
        metrics: {
          budget_per_s: budget,
          a_200_per_s: Math.round(okPerS),
          a_429_per_s: Math.round(limitedPerS),
          a_answered_per_s: Math.round(answeredPerS),
          a_other_status: a.other,
          a_errors: a.errors,
          b_rate_per_s: rate,
          b_sent: b.sent,
          b_p50_ms: b.latency.percentile(50),
          b_p99_ms: b.latency.percentile(99),
          b_429: b429,
          b_other_non_200: bNon200 - b429,
          b_errors: b.errors,
          generator_loop_p99_ms: generator.p99Ms,
        },
        reference: { name: 'bare Koa JSON route', metrics: { req_per_s: Math.round(barePerS), p99_ms: bare.latency.p99 } },
        ratio: { metric: "tenant A's answers/s", value: round(answeredPerS / barePerS, 3) },
        targets: [
          { target: 'tenant B: 0 × 429 while tenant A floods', measured: `${b429} × 429, ${b.errors} errors of ${b.sent}`, met: b429 === 0 && b.errors === 0 && bNon200 === 0 },
          {
            target: `tenant A held to its budget (≤ ${budget}/s a window)`,
            measured: `${Math.round(okPerS)} × 200/s over ${round(a.seconds, 1)}s`,
            met: okPerS <= ceiling && a.other === 0,
          },
        ],
        latency: b.latency.distribution(),
        throughput: a.series,
        notes: [
          `Tenant B's latency includes the generator's own event-loop delay (p99 ${generator.p99Ms} ms, max ${generator.maxMs} ms): autocannon and B share this process.`,
          "Throughput over time is tenant A's answers per second (200s and 429s together).",
        ],
      };
    } finally {
      readerB?.close();
      await nodes.stop();
    }
  },
};
