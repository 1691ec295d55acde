import autocannon from 'autocannon';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { bracketed, stretchOf, type ReferenceStretch } from '../lib/bracketed';
import { cpuTimes } from '../lib/process-cpu';
import { cpuProfileArgs, JsonClient, ServerView } from '../lib/sockets';
import { Recorder, round } from '../lib/stats';
import type { Benchmark, Series } from '../lib/types';

interface Run {
  /** Requests answered 2xx. */
  ok: number;
  rate: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  series: Series;
}

/** Drives autocannon and turns its result into the figures we track. */
async function drive(options: autocannon.Options, progress: (line: string) => void): Promise<Run> {
  const series: Series = [];
  let second = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(options, (error, finished) => (error ? reject(error) : resolve(finished)));
    (instance as unknown as NodeJS.EventEmitter).on('tick', (counter: { counter: number }) => {
      series.push([++second, counter.counter]);
      progress(`${second}s ${counter.counter} req/s`);
    });
  });
  return {
    ok: result['2xx'],
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    series,
  };
}

// Seconds of the half-rate phase sent but not counted (see `paced`).
const HALF_RATE_WARMUP_S = 1;

/** A request of the status mix: its path, the caller's token and its body. */
interface MixRequest {
  path: string;
  token: string;
  body: unknown;
}

/**
 * Sends `rate` requests a second for `seconds`, evenly spaced (a batch every 10 ms, catching up when a timer fires
 * late), whatever the answers do: open loop, so a slow answer holds no later request back and each latency is counted
 * once. autocannon's rate mode is not this: each connection sends its second's quota back to back when the second
 * starts, and its coordinated-omission correction takes 1 ms for the interval between a connection's requests
 * (1/rate seconds read as milliseconds), so one 300 ms answer adds 300 samples to the histogram.
 *
 * The first `warmupS` seconds are sent at the same pace but not counted: the client opens its connections and
 * compiles its code then. Counted from the first request, this client's first second had answers of up to a second
 * while its own event loop ran 30-90 ms late again and again and the node's was never more than 45 ms late; the
 * phase's p99 ranged over 62-974 ms between runs of the same code, and over 39-53 ms with the warm-up.
 */
async function paced(
  client: JsonClient,
  rate: number,
  seconds: number,
  next: () => MixRequest,
  progress: (line: string) => void,
  warmupS = 0,
): Promise<{ ok: number; rate: number; p99: number; non2xx: number; errors: number }> {
  const latency = new Recorder();
  const warmupRequests = Math.round(rate * warmupS);
  let sent = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  const total = warmupRequests + Math.round(rate * seconds);
  let shownSecond = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - started) / 1000;
      const due = Math.min(total, Math.floor(elapsed * rate));
      while (sent < due) {
        const warming = sent++ < warmupRequests;
        const { path, token, body } = next();
        const at = performance.now();
        const request = client
          .request('POST', path, token, body)
          .then(
            (response) => {
              if (warming) return;
              if (response.status >= 200 && response.status < 300) {
                ok++;
                latency.record(performance.now() - at);
              } else non2xx++;
            },
            () => {
              if (!warming) errors++;
            },
          )
          .finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      } else if (Math.floor(elapsed) > shownSecond) {
        shownSecond = Math.floor(elapsed);
        progress(`half rate: ${shownSecond}s/${warmupS + seconds}s (${warmupS}s warm-up), ${ok} answered`);
      }
    }, 10);
  });
  await Promise.all(inFlight);
  return { ok, rate: ok / seconds, p99: latency.percentile(99), non2xx, errors };
}

/** Status posts and courier scans over many orders, HTTP, one node, against a bare Koa JSON route. */
export const status: Benchmark = {
  name: 'status',
  description: 'status posts and scans over many orders, HTTP, one node (vs a bare Koa JSON route)',
  // --pg 1: the node on PostgreSQL instead of the embedded store. --cpuprof 1: a V8 CPU profile of the node.
  defaults: { orders: 2000, duration: 15, connections: 64, pg: 0, cpuprof: 0 },
  target: "≥ 5,000 applied events/s sustained; p99 ≤ 50 ms at half that rate; ≥ 30% of the bare Koa route's requests/s; node CPU per applied event ≤ 3× the bare route's per request",
  async run({ options, progress }) {
    const nodes = new Nodes({ postgres: options.pg === 1 });
    try {
      const profile = cpuProfileArgs(options.cpuprof === 1, 'status');
      const node = await nodes.start({}, profile.nodeArgs);
      const key = await tenant(node.url);
      const courier = await post<{ token: string }>(`${node.url}/v1/tokens`, key, { role: 'courier', subject: 'k1', ttl_s: 86_400 });
      progress(`placing ${options.orders} orders`);
      const ids = await inBatches(Array.from({ length: options.orders! }, (_, i) => i), 64, async (i) => {
        const order = await post<{ id: string }>(`${node.url}/v1/orders`, key, { customer: { id: `c${i}` } });
        await post(`${node.url}/v1/orders/${order.id}/assign`, key, { courier_id: 'k1' });
        await post(`${node.url}/v1/orders/${order.id}/status`, key, { status: 'in_transit' });
        return order.id;
      });

      // Every other request is a courier's hub scan; the rest are business status posts (both apply an event).
      let next = 0;
      const statusFields = { status: 'in_transit', note: 'hub' };
      const statusBody = JSON.stringify(statusFields);
      const mix = (): MixRequest => {
        const n = next++;
        const orderId = ids[n % ids.length]!;
        if (n % 2 === 0) return { path: `/v1/orders/${orderId}/status`, token: key, body: statusFields };
        const scan = { event_id: `s${n}-${process.pid}`, order_id: orderId, type: 'hub_in', occurred_at: new Date().toISOString() };
        return { path: '/v1/scans', token: courier.token, body: { scans: [scan] } };
      };
      const request = (): autocannon.Options => ({
        url: node.url,
        connections: options.connections!,
        duration: options.duration!,
        requests: [
          {
            method: 'POST',
            setupRequest: (req: autocannon.Request) => {
              const { path, token, body } = mix();
              return { ...req, path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) };
            },
          },
        ],
      });
      // The bare route's load in two halves, before and after the node's full-rate phase (see `bracketed`).
      const reference = await nodes.startScript('loadtest/reference/koa-json-route.ts');
      const bareHalf = (seconds: number): Promise<ReferenceStretch> =>
        stretchOf(reference.pid, async () => {
          const run = await drive(
            { url: reference.url, connections: options.connections!, duration: seconds, method: 'POST', headers: { 'content-type': 'application/json' }, body: statusBody },
            progress,
          );
          return { ok: run.ok, seconds: run.ok / Math.max(0.001, run.rate) };
        });
      const { result: measured, reference: bare } = await bracketed(options.duration!, bareHalf, async () => {
        const view = new ServerView(node.url);
        await view.start();
        const nodeTimesBefore = cpuTimes(node.pid);
        const run = await drive(request(), progress);
        const nodeTimes = cpuTimes(node.pid);
        // The node's own account of the full-rate phase: events applied, how long its store commits held it.
        return { run, server: await view.finish(), user: nodeTimes.user - nodeTimesBefore.user, system: nodeTimes.system - nodeTimesBefore.system };
      });
      const { run: full, server } = measured;
      const nodeCpu = measured.user + measured.system;
      const nodeSystemShare = nodeCpu > 0 ? measured.system / nodeCpu : 0;
      const bareCpu = bare.cpu;
      const bareSystemShare = bareCpu > 0 ? bare.system / bareCpu : 0;
      const halfClient = new JsonClient(node.url, 256);
      const half = await paced(halfClient, Math.max(1, Math.round(full.rate / 2)), Math.max(5, Math.round(options.duration! / 2)), mix, progress, HALF_RATE_WARMUP_S).finally(() =>
        halfClient.close(),
      );

      // CPU per applied event (the node's events_applied_total; each answered request applied one where the node
      // does not count them) against the bare route's CPU per answered request: both from /proc, the same way.
      const nodeApplied = server.counters.sum('events_applied_total');
      const applied = nodeApplied > 0 ? nodeApplied : full.ok;
      const nodeCpuUs = (nodeCpu * 1e6) / Math.max(1, applied);
      const bareCpuUs = bare.cpuUsPerRequest;
      const cpuRatio = nodeCpuUs / Math.max(0.001, bareCpuUs);
      const appliedRate = full.ok > 0 ? (full.rate * applied) / full.ok : 0;
      const ratio = appliedRate / bare.perSecond;
      return {
        metrics: {
          store: nodes.storeName,
          applied_events_per_s: Math.round(appliedRate),
          answered_per_s: Math.round(full.rate),
          p50_ms: full.p50,
          p99_ms: full.p99,
          non_2xx: full.non2xx,
          errors: full.errors,
          half_rate_per_s: Math.round(half.rate),
          half_rate_p99_ms: half.p99,
          half_rate_failed: half.non2xx + half.errors,
          half_rate_warmup_s: HALF_RATE_WARMUP_S,
          node_events_applied: nodeApplied > 0 ? nodeApplied : 'not counted by the node',
          server_cpu_s: round(nodeCpu, 2),
          server_cpu_us_per_event: round(nodeCpuUs, 1),
          server_cpu_system_share: round(nodeSystemShare, 2),
          cpu_ratio_to_bare: round(cpuRatio, 2),
          store_statements_per_event: round(server.counters.sum('store_statements_total') / Math.max(1, applied), 2),
          store_transactions_per_event: round(server.counters.sum('store_transactions_total') / Math.max(1, applied), 2),
          store_batches: server.storeBatches,
          store_writes_per_batch: server.storeBatches > 0 ? round(server.storeWrites / server.storeBatches, 1) : 0,
          store_batch_mean_ms: server.storeBatchMeanMs,
          // Share of the phase's wall time the event loop spent inside store commits (statements and fsync).
          store_commit_share: round((server.storeBatches * server.storeBatchMeanMs) / (options.duration! * 1000), 3),
          loop_lag_p99_ms: server.loopLagP99Ms,
          ...(profile.dir ? { cpu_profile_dir: profile.dir } : {}),
        },
        reference: {
          name: 'bare Koa JSON route',
          metrics: {
            req_per_s: Math.round(bare.perSecond),
            cpu_s: round(bareCpu, 2),
            cpu_us_per_request: round(bareCpuUs, 1),
            cpu_us_per_request_before_and_after: bare.halvesCpuUs.join(' / '),
            cpu_system_share: round(bareSystemShare, 2),
          },
        },
        ratio: { metric: 'applied events/s ÷ bare requests/s', value: round(ratio, 3) },
        targets: [
          { target: '≥ 5,000 applied events/s', measured: `${Math.round(appliedRate)}/s over ${options.duration}s`, met: appliedRate >= 5000 && full.non2xx === 0 },
          { target: 'p99 ≤ 50 ms at half that rate', measured: `${half.p99} ms at ${Math.round(half.rate)}/s`, met: half.p99 <= 50 && half.non2xx + half.errors === 0 },
          {
            target: "applied events/s ≥ 30% of bare Koa's requests/s",
            measured: `${(ratio * 100).toFixed(1)}% (${Math.round(appliedRate)}/s vs ${Math.round(bare.perSecond)}/s)`,
            met: ratio >= 0.3,
          },
          {
            target: "node CPU per applied event ≤ 3× bare Koa's per request",
            measured: `${round(cpuRatio, 2)}× (${round(nodeCpuUs, 1)} µs vs ${round(bareCpuUs, 1)} µs)`,
            met: applied > 0 && bare.ok > 0 && cpuRatio <= 3,
          },
        ],
        latency: [
          [50, full.p50],
          [99, full.p99],
        ],
        throughput: full.series,
        notes: [
          'CPU is each process\'s user + system time from /proc over its full-rate phase, per applied event (the node\'s events_applied_total) and per answered request; the bare route runs as many seconds with the same connections, half before the node\'s phase and half after, so both see the machine in the same state on average (cpu_us_per_request_before_and_after shows the drift).',
          'The half-rate phase is an open-loop paced load (a batch every 10 ms, up to 256 connections): each answer\'s latency from its request\'s send, counted once, after a first second sent but not counted (the client\'s warm-up).',
          ...(nodeApplied > 0 ? [] : ['The node does not count events_applied_total: applied events are its 2xx answers.']),
        ],
      };
    } finally {
      await nodes.stop();
    }
  },
};
