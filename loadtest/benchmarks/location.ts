import autocannon from 'autocannon';
import type { Socket } from 'socket.io-client';
import { inBatches, Nodes, redisCommandsProcessed, tenant } from '../lib/nodes';
import { bracketed, stretchOf, type ReferenceStretch } from '../lib/bracketed';
import { cpuProfileArgs, generatorLoopDelay, JsonClient, ServerView, sleep, SocketPool, startReference, withTimeout, type ReferenceServer } from '../lib/sockets';
import { cpuSeconds } from '../lib/process-cpu';
import { perUnit, Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

interface LocationUpdate {
  order_id: string;
  courier_id: string;
  at: string;
}

const LOCATION_PATH = '/v1/couriers/me/location';
const LOCATIONS_PATH = '/v1/couriers/me/locations';

/**
 * Drives POST /v1/couriers/me/location with autocannon, each request with the next courier's token and a fresh `at`.
 * Resolves with autocannon's result; `running` lets a `finally` stop it early.
 */
function drive(
  url: string,
  tokens: string[],
  options: { connections: number; duration: number; batch?: number; onResponse: (status: number) => void; onTick: (seconds: number) => void },
): { done: Promise<autocannon.Result>; stop: () => void } {
  const batch = options.batch ?? 1;
  let next = 0;
  let seconds = 0;
  let instance: autocannon.Instance | undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.duration,
        requests: [
          {
            method: 'POST',
            path: batch > 1 ? LOCATIONS_PATH : LOCATION_PATH,
            headers: { 'content-type': 'application/json' },
            // Called just before each request is written: `at` is its send time, the start of the push latency.
            setupRequest: (request) => {
              const courier = next++ % tokens.length;
              const at = new Date().toISOString();
              const fix = (index: number) => ({
                lat: 22.3 + (courier % 100) / 1000 + index / 100_000,
                lng: 114.1 + (next % 100) / 1000,
                heading: next % 360,
                speed: 8.5,
                at,
              });
              return {
                ...request,
                headers: { ...request.headers, authorization: `Bearer ${tokens[courier]}` },
                // A batch: the positions an app buffered, sent in one request (all stamped now: push latency is
                // measured from the send, not from when a fix was taken).
                body: JSON.stringify(batch > 1 ? { positions: Array.from({ length: batch }, (_, index) => fix(index)) } : fix(0)),
              };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode) => options.onResponse(statusCode));
    instance.on('tick', () => options.onTick(++seconds));
  });
  return { done, stop: () => instance?.stop() };
}

/**
 * Courier location pings: C couriers, each carrying 5 orders out for delivery (the status whose watchers see the
 * courier), each order watched by one socket; pings are posted as fast as autocannon's connections allow for D
 * seconds. Measures ping throughput (against a bare Koa route parsing the same JSON body), push latency from each
 * ping's `at` to a watcher receiving it, and the node's CPU and Redis commands per position.
 */
export const location: Benchmark = {
  name: 'location',
  description: 'courier location pings/s (vs a bare Koa JSON route) and ping → watcher push latency',
  defaults: { couriers: 200, orders: 5, duration: 10, connections: 32, concurrency: 100, cpuprof: 0, batch: 1 },
  target: "ping throughput ≥ 30% of a bare Koa JSON route (--batch N: N positions a request); push latency p99 ≤ 100 ms; node CPU per position ≤ 3× the bare route's per request; ≤ 1 Redis command per position",
  async run({ options, progress }) {
    const courierCount = options.couriers!;
    const perCourier = options.orders!;
    const duration = options.duration!;
    const profile = cpuProfileArgs(options.cpuprof === 1, 'location');
    const nodes = new Nodes();
    const pool = new SocketPool();
    const clients: JsonClient[] = [];
    const stops: Array<() => void> = [];
    let reference: ReferenceServer | undefined;
    try {
      progress('starting node');
      const server = await withTimeout(nodes.start({}, profile.nodeArgs), 60_000, 'node start');
      const http = new JsonClient(server.url);
      clients.push(http);
      const key = await tenant(server.url);

      progress(`${courierCount} couriers × ${perCourier} orders`);
      const couriers = await inBatches(Array.from({ length: courierCount }, (_, index) => index), 16, async (courier) => {
        const courierId = `k${courier}`;
        const { token } = await http.post<{ token: string }>('/v1/tokens', key, { role: 'courier', subject: courierId, ttl_s: 3600 });
        const orders: Array<{ id: string; tracking_token: string }> = [];
        for (let index = 0; index < perCourier; index++) {
          const order = await http.post<{ id: string; tracking_token: string }>('/v1/orders', key, { customer: { id: `c${courier}-${index}` } });
          await http.post(`/v1/orders/${order.id}/assign`, key, { courier_id: courierId });
          await http.post(`/v1/orders/${order.id}/status`, key, { status: 'in_transit' });
          // Customers and tracking links see the courier's position only while their order is out for delivery.
          await http.post(`/v1/orders/${order.id}/status`, key, { status: 'out_for_delivery' });
          orders.push(order);
        }
        if (courier % 50 === 0) progress(`couriers ${courier}/${courierCount}`);
        return { courierId, token, orders };
      });

      // One watcher per order (its tracking token); push latency = receive time − the ping's `at` (both wall clock).
      // Pushes that arrive once the couriers have stopped reporting (autocannon done) are recorded apart: with pacing,
      // a courier's last fix waits for its interval's end (≤ LIVE_POSITION_MS), which a 10 s run would make 1 push
      // in 11 where a courier reporting through a 30-minute round makes it 1 in 1,800.
      const push = new Recorder();
      const pushAfterStop = new Recorder();
      let reporting = true;
      const receivedByOrder = new Map<string, number>();
      let unparsable = 0;
      let measuring = false; // pushes of the warm-up pings are not counted
      const watched = couriers.flatMap((courier) => courier.orders);
      await pool.openAll(
        watched.map((order) => ({ url: server.url, orderId: order.id, token: order.tracking_token })),
        {
          concurrency: options.concurrency!,
          deadlineMs: 60_000 + watched.length * 10,
          progress,
          listen: (socket: Socket) => {
            socket.on('courier_location', (update: LocationUpdate) => {
              if (!measuring) return;
              const at = Date.parse(update.at);
              if (Number.isNaN(at)) {
                unparsable++;
                return;
              }
              (reporting ? push : pushAfterStop).record(Math.max(0, Date.now() - at));
              receivedByOrder.set(update.order_id, (receivedByOrder.get(update.order_id) ?? 0) + 1);
            });
          },
        },
      );

      // One ping per courier first (not measured): loads each courier's set of orders on the way, warms the JIT.
      await inBatches(couriers, 16, (courier) => http.post(LOCATION_PATH, courier.token, { lat: 22.3, lng: 114.1, at: new Date().toISOString() }));
      await sleep(500);
      measuring = true;
      const product = new Recorder();

      // ── the reference: bare Koa route, the same requests and connections, as many seconds in two halves, before and
      // after the node's phase (see `bracketed`) ──
      progress('reference: starting bare Koa');
      reference = await startReference('bare-koa.ts');
      const referenceServer = reference;
      const tokens = couriers.map((courier) => courier.token);
      const referenceRuns: autocannon.Result[] = [];
      const referenceHalf = (seconds: number): Promise<ReferenceStretch> =>
        stretchOf(referenceServer.child.pid!, async () => {
          let answered = 0;
          const half = drive(referenceServer.url, tokens, {
            connections: options.connections!,
            duration: seconds,
            onResponse: (status) => {
              if (status === 204) answered++;
            },
            onTick: (elapsed) => progress(`reference: ${elapsed}s/${seconds}s: ${answered.toLocaleString()} requests`),
          });
          stops.push(half.stop);
          const finished = await withTimeout(half.done, (seconds + 30) * 1000, 'autocannon (reference)');
          referenceRuns.push(finished);
          return { ok: answered, seconds: finished.duration };
        });
      const batch = options.batch!;
      const { result: phase, reference: bare } = await bracketed(duration, referenceHalf, async () => {
        const view = new ServerView(server.url);
        await view.start();
        const redisBefore = await redisCommandsProcessed();
        const nodeCpuBefore = cpuSeconds(server.pid);
        const generator = generatorLoopDelay();
        let ok = 0;
        let non2xx = 0;
        let requests = 0;
        const run = drive(server.url, tokens, {
          connections: options.connections!,
          duration,
          batch,
          onResponse: (status) => {
            if (status === 204) {
              // `ok` counts positions: a batch request carries `batch` of them.
              ok += batch;
              requests++;
              product.count();
            } else non2xx++;
          },
          onTick: (seconds) => progress(`${seconds}s/${duration}s: ${ok.toLocaleString()} pings, push p99 so far ${push.percentile(99)} ms`),
        });
        stops.push(run.stop);
        const result = await withTimeout(run.done, (duration + 30) * 1000, 'autocannon');
        reporting = false;
        await sleep(1500); // the last pushes: held fixes go at their interval's end
        const nodeCpu = cpuSeconds(server.pid) - nodeCpuBefore;
        const serverView = await view.finish();
        const redisCommands = (await redisCommandsProcessed()) - redisBefore;
        const generatorLag = generator.stop();
        const pushesReceived = [...receivedByOrder.values()].reduce((sum, count) => sum + count, 0);
        const held = pool.connected;
        return { result, nodeCpu, serverView, redisCommands, generatorLag, pushesReceived, held, ok, non2xx, requests };
      });
      const { result, nodeCpu, serverView, redisCommands, generatorLag, pushesReceived, held, ok, non2xx, requests } = phase;
      pool.close();
      await nodes.stop();
      const referenceOk = bare.ok;
      const referenceCpu = bare.cpu;

      // Per position: the node's positions_taken_total (its answered positions where it does not count them); the
      // bare route per answered request; CPU of both from /proc over their phases, the same way.
      const counters = serverView.counters;
      const nodePositions = counters.sum('positions_taken_total');
      const positions = nodePositions > 0 ? nodePositions : ok;
      const cpuUsPerPosition = (nodeCpu * 1e6) / Math.max(1, positions);
      const referenceCpuUs = bare.cpuUsPerRequest;
      const cpuRatio = cpuUsPerPosition / Math.max(0.001, referenceCpuUs);
      const redisPerPosition = round(redisCommands / Math.max(1, positions), 2);
      const nodeRedis = counters.sum('redis_commands_total');

      const pingsPerSecond = ok / result.duration;
      const referencePerSecond = bare.perSecond;
      const share = pingsPerSecond / Math.max(1, referencePerSecond);
      const p99 = push.percentile(99);
      return {
        metrics: {
          couriers: courierCount,
          orders_per_courier: perCourier,
          watcher_sockets: pool.subscribed,
          watcher_sockets_held_at_end: held,
          connections: options.connections!,
          duration_s: round(result.duration, 1),
          pings: ok,
          positions_per_request: batch,
          ping_requests: requests,
          non_2xx: non2xx,
          errors: result.errors,
          pings_per_s: Math.round(pingsPerSecond),
          ping_http_p50_ms: result.latency.p50,
          ping_http_p99_ms: result.latency.p99,
          pushes_expected: ok * perCourier,
          pushes_received: pushesReceived,
          push_p50_ms: push.percentile(50),
          push_p90_ms: push.percentile(90),
          push_p99_ms: p99,
          push_max_ms: push.percentile(100),
          pushes_after_stop: pushAfterStop.total,
          push_after_stop_max_ms: pushAfterStop.total > 0 ? pushAfterStop.percentile(100) : '-',
          server_loop_lag_p99_ms: serverView.loopLagP99Ms,
          node_positions_taken: nodePositions > 0 ? nodePositions : 'not counted by the node',
          node_location_pushes: counters.sum('events_pushed_total', { kind: 'courier_location' }),
          server_cpu_s: round(nodeCpu, 2),
          server_cpu_us_per_position: round(cpuUsPerPosition, 1),
          cpu_ratio_to_bare: round(cpuRatio, 2),
          // INFO total_commands_processed over the phase (a script's inner commands counted); the node's own count
          // (redis_commands_total: a script once).
          redis_commands_per_position: redisPerPosition,
          node_redis_commands_per_position: nodeRedis > 0 ? round(nodeRedis / Math.max(1, positions), 2) : 'not counted by the node',
          generator_loop_lag_p99_ms: generatorLag.p99Ms,
        },
        reference: {
          name: 'bare Koa JSON route (1 process)',
          metrics: {
            requests_per_s: Math.round(referencePerSecond),
            http_p50_ms_by_half: referenceRuns.map((half) => half.latency.p50).join(' / '),
            http_p99_ms_by_half: referenceRuns.map((half) => half.latency.p99).join(' / '),
            non_2xx: referenceRuns.reduce((sum, half) => sum + half.non2xx, 0),
            cpu_s: round(referenceCpu, 2),
            cpu_us_per_request: round(referenceCpuUs, 1),
            cpu_us_per_request_before_and_after: bare.halvesCpuUs.join(' / '),
          },
        },
        ratio: { metric: 'pings_per_s ÷ bare requests_per_s', value: round(share, 3) },
        targets: [
          {
            target: 'ping throughput ≥ 30% of a bare Koa route',
            measured: `${Math.round(pingsPerSecond).toLocaleString()}/s = ${(share * 100).toFixed(1)}% of ${Math.round(referencePerSecond).toLocaleString()}/s`,
            met: share >= 0.3 && non2xx === 0,
          },
          {
            target: 'push latency p99 ≤ 100 ms (while couriers report)',
            measured: `${p99} ms (${courierCount.toLocaleString()} couriers × ${perCourier} watched orders; ${pushesReceived.toLocaleString()} of ${(ok * perCourier).toLocaleString()} pushes arrived; after the couriers stopped, ${pushAfterStop.total.toLocaleString()} more, the latest ${pushAfterStop.total > 0 ? pushAfterStop.percentile(100) : 0} ms after its fix)`,
            met: p99 <= 100 && push.total > 0,
          },
          {
            target: "node CPU per position ≤ 3× bare Koa's per request",
            measured: `${round(cpuRatio, 2)}× (${round(cpuUsPerPosition, 1)} µs vs ${round(referenceCpuUs, 1)} µs)`,
            met: positions > 0 && referenceOk > 0 && cpuRatio <= 3,
          },
          {
            target: '≤ 1 Redis command per position',
            measured: `${redisPerPosition} (INFO total_commands_processed ÷ ${positions.toLocaleString()} positions)`,
            met: positions > 0 && redisPerPosition <= 1,
          },
        ],
        breakdowns: {
          node_redis_commands_per_position_by_connection: perUnit(counters.before.byLabel('redis_commands_total', 'connection'), counters.after.byLabel('redis_commands_total', 'connection'), positions),
          node_positions_taken_by_source: Object.fromEntries(counters.byLabel('positions_taken_total', 'source')),
        },
        latency: push.distribution(),
        throughput: product.throughput(),
        notes: [
          'The load generator (autocannon and every watcher socket, one process), the node, Redis and the reference share this machine; figures are noisy.',
          'Push latency = the watcher’s receive time − the ping’s `at`, set when autocannon writes the request (wall clock, 1 ms resolution).',
          'push_p99_ms is over the pushes that arrive while the couriers report. Those after they stop are counted apart (pushes_after_stop): each courier\'s last fix, held to its pacing interval\'s end, arrives up to LIVE_POSITION_MS after it was taken, by design.',
          'The throughput chart is answered pings per second. Pings still in flight when autocannon stops (≤ connections) are not counted but their pushes arrive, so received can exceed expected by up to connections × orders.',
          'pushes_expected is one push per position and watched order; where the node coalesces an order\'s pushes (one per LIVE_POSITION_MS carrying the newest fix) fewer arrive by design, and node_location_pushes is what the node emitted.',
          'CPU is each process\'s user + system time from /proc over its phase: the node per position taken (positions_taken_total), the bare route per answered request, over as many seconds as the node in two halves, before and after the node\'s phase, so both see the machine in the same state on average (cpu_us_per_request_before_and_after shows the drift). Redis commands are the server\'s own count over the phase: run with nobody else on it.',
          ...(unparsable ? [`${unparsable} pushes had no parsable at.`] : []),
          ...(profile.dir ? [`CPU profile of the node: ${profile.dir}`] : []),
        ],
      };
    } finally {
      for (const stop of stops) stop();
      pool.close();
      for (const client of clients) client.close();
      await reference?.stop();
      await nodes.stop();
    }
  },
};
