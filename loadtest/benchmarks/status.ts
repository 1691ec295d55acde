import autocannon from 'autocannon';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { cpuProfileArgs, ServerView } from '../lib/sockets';
import { round } from '../lib/stats';
import type { Benchmark, Series } from '../lib/types';

interface Run {
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
    rate: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    series,
  };
}

/** Status posts and courier scans over many orders, HTTP, one node, against a bare Koa JSON route. */
export const status: Benchmark = {
  name: 'status',
  description: 'status posts and scans over many orders, HTTP, one node (vs a bare Koa JSON route)',
  // --pg 1: the node on PostgreSQL instead of the embedded store. --cpuprof 1: a V8 CPU profile of the node.
  defaults: { orders: 2000, duration: 15, connections: 64, pg: 0, cpuprof: 0 },
  target: '≥ 5,000 applied events/s sustained; p99 ≤ 50 ms at half that rate; ≥ 30% of the bare Koa route',
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
      const statusBody = JSON.stringify({ status: 'in_transit', note: 'hub' });
      const request = (rate?: number): autocannon.Options => ({
        url: node.url,
        connections: options.connections!,
        duration: rate ? Math.max(5, Math.round(options.duration! / 2)) : options.duration!,
        ...(rate ? { overallRate: rate } : {}),
        requests: [
          {
            method: 'POST',
            setupRequest: (req: autocannon.Request) => {
              const n = next++;
              const orderId = ids[n % ids.length]!;
              if (n % 2 === 0) {
                return { ...req, path: `/v1/orders/${orderId}/status`, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: statusBody };
              }
              const scan = { event_id: `s${n}-${process.pid}`, order_id: orderId, type: 'hub_in', occurred_at: new Date().toISOString() };
              return { ...req, path: '/v1/scans', headers: { authorization: `Bearer ${courier.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ scans: [scan] }) };
            },
          },
        ],
      });
      const view = new ServerView(node.url);
      await view.start();
      const full = await drive(request(), progress);
      // The node's own account of the full-rate phase: CPU it used and how long its store commits held it.
      const server = await view.finish();
      const half = await drive(request(Math.max(1, Math.round(full.rate / 2))), progress);

      const reference = await nodes.startScript('loadtest/reference/koa-json-route.ts');
      const bare = await drive(
        {
          url: reference.url,
          connections: options.connections!,
          duration: options.duration!,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: statusBody,
        },
        progress,
      );
      const ratio = full.rate / bare.rate;
      return {
        metrics: {
          store: nodes.storeName,
          applied_events_per_s: Math.round(full.rate),
          p50_ms: full.p50,
          p99_ms: full.p99,
          non_2xx: full.non2xx,
          errors: full.errors,
          half_rate_per_s: Math.round(half.rate),
          half_rate_p99_ms: half.p99,
          server_cpu_s: server.cpuSeconds,
          server_ms_cpu_per_event: full.rate > 0 ? round((server.cpuSeconds * 1000) / (full.rate * options.duration!), 3) : 0,
          store_batches: server.storeBatches,
          store_writes_per_batch: server.storeBatches > 0 ? round(server.storeWrites / server.storeBatches, 1) : 0,
          store_batch_mean_ms: server.storeBatchMeanMs,
          // Share of the phase's wall time the event loop spent inside store commits (statements and fsync).
          store_commit_share: round((server.storeBatches * server.storeBatchMeanMs) / (options.duration! * 1000), 3),
          loop_lag_p99_ms: server.loopLagP99Ms,
          ...(profile.dir ? { cpu_profile_dir: profile.dir } : {}),
        },
        reference: { name: 'bare Koa JSON route', metrics: { req_per_s: Math.round(bare.rate), p99_ms: bare.p99 } },
        ratio: { metric: 'requests/s', value: round(ratio, 3) },
        targets: [
          { target: '≥ 5,000 applied events/s', measured: `${Math.round(full.rate)}/s over ${options.duration}s`, met: full.rate >= 5000 && full.non2xx === 0 },
          { target: 'p99 ≤ 50 ms at half that rate', measured: `${half.p99} ms at ${Math.round(half.rate)}/s`, met: half.p99 <= 50 },
          { target: '≥ 30% of the bare Koa route', measured: `${(ratio * 100).toFixed(1)}%`, met: ratio >= 0.3 },
        ],
        latency: [
          [50, full.p50],
          [99, full.p99],
        ],
        throughput: full.series,
      };
    } finally {
      await nodes.stop();
    }
  },
};
