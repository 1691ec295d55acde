import type { Socket } from 'socket.io-client';
import { inBatches, Nodes, tenant, type ServerProcess } from '../lib/nodes';
import {
  cpuProfileArgs,
  DeliveryMatcher,
  generatorLoopDelay,
  JsonClient,
  pace,
  raiseFileLimit,
  ServerView,
  sleep,
  SocketPool,
  startReference,
  withTimeout,
  type ReferenceServer,
  type WatchSpec,
} from '../lib/sockets';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

interface OrderCreated {
  id: string;
  tracking_token: string;
}

interface StatusUpdate {
  order_id: string;
  seq: number;
}

/** One order's watcher: the seq its subscription started at, and how often each later seq arrived. */
interface Watch {
  baseSeq: number;
  /** counts[seq - baseSeq - 1] = deliveries of that seq. */
  counts: number[];
  lastSeq: number;
}

/** Records one arrival; returns false when it came after a higher seq (out of order). */
function arrive(watch: Watch, seq: number): boolean {
  if (watch.baseSeq < 0 || seq <= watch.baseSeq) return true; // inside the acknowledgement's snapshot: not a live event
  const slot = seq - watch.baseSeq - 1;
  watch.counts[slot] = (watch.counts[slot] ?? 0) + 1;
  const inOrder = seq > watch.lastSeq;
  if (inOrder) watch.lastSeq = seq;
  return inOrder;
}

/** Every seq after each subscription up to the order's final seq must have arrived exactly once. */
function tally(watches: Watch[], finalSeq: number[]): { expected: number; delivered: number; missed: number; duplicated: number } {
  const result = { expected: 0, delivered: 0, missed: 0, duplicated: 0 };
  watches.forEach((watch, index) => {
    if (watch.baseSeq < 0) return; // never subscribed: counted as a socket failure, not as missed events
    const last = Math.max(finalSeq[index]!, watch.baseSeq + watch.counts.length);
    for (let seq = watch.baseSeq + 1; seq <= last; seq++) {
      const count = watch.counts[seq - watch.baseSeq - 1] ?? 0;
      result.expected++;
      result.delivered += count;
      if (count === 0) result.missed++;
      if (count > 1) result.duplicated += count - 1;
    }
  });
  return result;
}

/** Paces posts and tracks what is in flight, so the end of a run can wait for the last answers (bounded). */
class PostLoop {
  readonly inflight = new Set<Promise<void>>();
  failed = 0;
  firstFailure = '';

  track(request: Promise<void>): void {
    this.inflight.add(request);
    void request.finally(() => this.inflight.delete(request));
  }

  fail(reason: string): void {
    this.failed++;
    this.firstFailure ||= reason;
  }

  settle(): Promise<unknown> {
    return withTimeout(Promise.all(this.inflight), 30_000, 'posts in flight').catch(() => undefined);
  }
}

async function waitUntil(condition: () => boolean, seconds: number): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until && !condition()) await sleep(50);
}

/**
 * Push fan-out across a two-node cluster: each socket watches its own order (half the sockets on each node), status
 * events are posted at a fixed rate alternately to both nodes, and every delivery is timed post → receipt and
 * checked for gaps and duplicates. Reference: a bare Socket.IO server emitting the same events to as many sockets.
 */
export const fanout: Benchmark = {
  name: 'fanout',
  description: 'post → socket receipt latency and exactly-once delivery, N watchers on a 2-node cluster vs bare Socket.IO',
  // --pg 1: the nodes on PostgreSQL (a schema of the run's own) instead of a shared SQLite file.
  defaults: { sockets: 2000, rate: 500, duration: 10, nodes: 2, concurrency: 100, drain: 5, cpuprof: 0, pg: 0 },
  target: 'p99 post→receipt ≤ 100 ms at 10,000 sockets and 2,000 events/s over 2 nodes; zero missed or duplicated',
  async run({ options, progress }) {
    const sockets = options.sockets!;
    const rate = options.rate!;
    const duration = options.duration!;
    // --nodes 1 is for comparison only: it takes the cluster out (cross-node pushes, the shared SQLite writer lock).
    const nodeCount = options.nodes === 1 ? 1 : 2;
    // This process holds every client socket (the product's, then the reference's while the first ones close).
    const fileLimit = raiseFileLimit(2 * sockets + 1_000);
    if (fileLimit < sockets + 1_000) throw new Error(`open-files limit ${fileLimit} is too low for ${sockets} sockets: raise ulimit -n`);
    const profile = cpuProfileArgs(options.cpuprof === 1, 'fanout');
    const nodes = new Nodes({ postgres: options.pg === 1 });
    const pool = new SocketPool();
    const referencePool = new SocketPool();
    const clients: JsonClient[] = [];
    let reference: ReferenceServer | undefined;
    try {
      // ── the product: nodes of one Nodes instance share DATA_DIR and the Redis prefix, i.e. form a cluster ──
      progress(`starting ${nodeCount} node(s)`);
      const servers: ServerProcess[] = [];
      for (let index = 0; index < nodeCount; index++) servers.push(await withTimeout(nodes.start({}, profile.nodeArgs), 60_000, 'node start'));
      const http = servers.map((server) => new JsonClient(server.url));
      clients.push(...http);
      const key = await tenant(servers[0]!.url);

      progress(`placing ${sockets.toLocaleString()} orders`);
      const orders = await inBatches(Array.from({ length: sockets }, (_, index) => index), 32, async (index) => {
        const client = http[index % nodeCount]!;
        const order = await client.post<OrderCreated>('/v1/orders', key, { customer: { id: `c${index}` } });
        await client.post(`/v1/orders/${order.id}/status`, key, { status: 'in_transit' });
        if (index % 500 === 0) progress(`placing orders ${index.toLocaleString()}/${sockets.toLocaleString()}`);
        return order;
      });
      const indexById = new Map(orders.map((order, index) => [order.id, index]));

      // Each socket watches its own order with that order's tracking token; socket i is on node i mod nodes.
      const watches: Watch[] = orders.map(() => ({ baseSeq: -1, counts: [], lastSeq: -1 }));
      const recorder = new Recorder();
      const matcher = new DeliveryMatcher((ms) => recorder.record(ms));
      let outOfOrder = 0;
      let stray = 0;
      const specs: WatchSpec[] = orders.map((order, index) => ({ url: servers[index % nodeCount]!.url, orderId: order.id, token: order.tracking_token }));
      await pool.openAll<{ ok: true; order: { version: number } }>(specs, {
        concurrency: options.concurrency!,
        deadlineMs: 60_000 + sockets * 10,
        progress,
        listen: (socket: Socket, index) => {
          socket.on('order_status_update', (update: StatusUpdate) => {
            const now = performance.now();
            if (indexById.get(update.order_id) !== index) {
              stray++;
              return;
            }
            if (!arrive(watches[index]!, update.seq)) outOfOrder++;
            matcher.receivedAt(`${index}:${update.seq}`, now);
          });
        },
        subscribed: (ack, index) => {
          watches[index]!.baseSeq = ack.order.version;
          watches[index]!.lastSeq = ack.order.version;
        },
      });

      // Post k goes to order k mod N through node (k mod N + round) mod 2: consecutive posts alternate nodes, and
      // each order's events alternate too, so half of them are applied on the node its watcher is not on.
      const views = servers.map((server) => new ServerView(server.url));
      await Promise.all(views.map((view) => view.start()));
      const generator = generatorLoopDelay();
      progress(`posting ${rate}/s for ${duration}s`);
      const posts = new PostLoop();
      const finalSeq = new Array<number>(sockets).fill(0);
      const sent = await pace(
        rate,
        duration,
        (post) => {
          const index = post % sockets;
          const round = Math.floor(post / sockets);
          const started = performance.now();
          const request = http[(index + round) % nodeCount]!
            .request<{ version: number }>('POST', `/v1/orders/${orders[index]!.id}/status`, key, { status: 'in_transit' })
            .then(
              (response) => {
                if (response.status !== 200 || !response.body) return posts.fail(`HTTP ${response.status}`);
                finalSeq[index] = Math.max(finalSeq[index]!, response.body.version);
                matcher.sentAt(`${index}:${response.body.version}`, started);
              },
              (error: Error) => posts.fail(error.message),
            );
          posts.track(request);
        },
        (elapsed, count) =>
          progress(`${Math.floor(elapsed)}s/${duration}s: ${count.toLocaleString()} posted, ${posts.inflight.size} in flight, p99 so far ${recorder.percentile(99)} ms`),
      );
      await posts.settle();
      await waitUntil(() => matcher.unmatched.sent === 0, options.drain!);
      const serverViews = await Promise.all(views.map((view) => view.finish()));
      const generatorLag = generator.stop();

      // A post that failed on the client side may still have been applied: the store's final seqs say what is owed.
      progress('reading final seqs');
      for (let cursor: string | null = ''; cursor !== null; ) {
        const page: { items: Array<{ id: string; version: number }>; next_cursor: string | null } = await http[0]!.get(
          `/v1/orders?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          key,
        );
        for (const item of page.items) {
          const index = indexById.get(item.id);
          if (index !== undefined) finalSeq[index] = Math.max(finalSeq[index]!, item.version);
        }
        cursor = page.next_cursor;
      }
      const owed = () => watches.some((watch, index) => watch.baseSeq >= 0 && finalSeq[index]! > watch.lastSeq);
      await waitUntil(() => !owed(), options.drain!);
      const counted = tally(watches, finalSeq);
      const held = pool.connected;
      pool.close();
      await nodes.stop();

      // ── the reference: bare Socket.IO, as many sockets, the same rate, timed the same way ──
      progress('reference: starting bare Socket.IO');
      reference = await startReference('bare-socketio.ts');
      const referenceHttp = new JsonClient(reference.url);
      clients.push(referenceHttp);
      const referenceRecorder = new Recorder();
      const referenceMatcher = new DeliveryMatcher((ms) => referenceRecorder.record(ms));
      const referenceUrl = reference.url;
      await referencePool.openAll(
        orders.map((_, index) => ({ url: referenceUrl, orderId: `o${index}` })),
        {
          concurrency: options.concurrency!,
          deadlineMs: 60_000 + sockets * 10,
          progress: (line) => progress(`reference: ${line}`),
          listen: (socket: Socket) => {
            socket.on('order_status_update', (update: StatusUpdate) => referenceMatcher.receivedAt(`${update.order_id}:${update.seq}`, performance.now()));
          },
        },
      );
      const referencePosts = new PostLoop();
      await pace(
        rate,
        duration,
        (post) => {
          const orderId = `o${post % sockets}`;
          const seq = post + 1;
          referenceMatcher.sentAt(`${orderId}:${seq}`, performance.now());
          const request = referenceHttp.request('POST', '/emit', undefined, { order_id: orderId, seq }).then(
            (response) => {
              if (response.status !== 204) referencePosts.fail(`HTTP ${response.status}`);
            },
            (error: Error) => referencePosts.fail(error.message),
          );
          referencePosts.track(request);
        },
        (elapsed) => progress(`reference: ${Math.floor(elapsed)}s/${duration}s, p99 so far ${referenceRecorder.percentile(99)} ms`),
      );
      await referencePosts.settle();
      await waitUntil(() => referenceMatcher.unmatched.sent === 0, options.drain!);

      const p99 = recorder.percentile(99);
      const fullSize = sockets >= 10_000 && rate >= 2_000 && nodeCount === 2;
      const referenceP99 = referenceRecorder.percentile(99);
      const worst = <K extends keyof (typeof serverViews)[number]>(field: K) => Math.max(...serverViews.map((view) => view[field] as number));
      return {
        metrics: {
          store: nodes.storeName,
          nodes: nodeCount,
          sockets_requested: sockets,
          sockets_subscribed: pool.subscribed,
          sockets_held_at_end: held,
          rate_per_s: rate,
          duration_s: duration,
          posted: sent,
          failed_posts: posts.failed,
          events_expected: counted.expected,
          delivered: counted.delivered,
          missed: counted.missed,
          duplicated: counted.duplicated,
          out_of_order: outOfOrder,
          stray_events: stray,
          latency_p50_ms: recorder.percentile(50),
          latency_p90_ms: recorder.percentile(90),
          latency_p99_ms: p99,
          latency_max_ms: recorder.percentile(100),
          server_loop_lag_p99_ms: worst('loopLagP99Ms'),
          server_loop_lag_max_ms: worst('loopLagMaxMs'),
          server_store_batches: serverViews.map((view) => view.storeBatches).join(' / '),
          server_store_writes: serverViews.map((view) => view.storeWrites).join(' / '),
          server_store_batch_mean_ms: serverViews.map((view) => view.storeBatchMeanMs).join(' / '),
          server_cpu_s: serverViews.map((view) => view.cpuSeconds).join(' / '),
          generator_loop_lag_p99_ms: generatorLag.p99Ms,
        },
        reference: {
          name: 'bare Socket.IO (1 process, no auth/adapter/store)',
          metrics: {
            failed_posts: referencePosts.failed,
            not_delivered: referenceMatcher.unmatched.sent,
            latency_p50_ms: referenceRecorder.percentile(50),
            latency_p99_ms: referenceP99,
          },
        },
        ratio: { metric: 'latency_p99_ms, product ÷ bare: lower is better', value: round(p99 / Math.max(0.001, referenceP99), 2) },
        targets: [
          {
            target: 'p99 post→receipt ≤ 100 ms',
            measured: `${p99} ms (${pool.subscribed.toLocaleString()} sockets on ${nodeCount} node(s), ${rate}/s, ${nodes.storeName}${fullSize ? '' : '; short run: --sockets 10000 --rate 2000 for the target'})`,
            met: p99 <= 100 && recorder.total > 0,
          },
          {
            target: 'exact: zero missed, duplicated or out of order',
            measured: `${counted.missed} missed, ${counted.duplicated} duplicated, ${outOfOrder} out of order of ${counted.expected.toLocaleString()} owed${stray ? ` (${stray} for another order)` : ''}`,
            met: counted.missed === 0 && counted.duplicated === 0 && outOfOrder === 0 && stray === 0 && counted.expected > 0 && pool.subscribed === sockets,
          },
        ],
        latency: recorder.distribution(),
        throughput: recorder.throughput(),
        notes: [
          'The load generator, the nodes, Redis and the reference share this machine; figures are noisy.',
          'Latency runs from just before a POST is written to the socket receiving the event with the seq that POST produced.',
          'server_* figures are the nodes’ own /metrics over the posting phase (event-loop delay; group-commit transactions); generator_loop_lag is this process’s own event-loop delay then.',
          ...(posts.failed ? [`First failed post: ${posts.firstFailure}.`] : []),
          ...(profile.dir ? [`CPU profiles of the nodes: ${profile.dir}`] : []),
        ],
      };
    } finally {
      pool.close();
      referencePool.close();
      for (const client of clients) client.close();
      await reference?.stop();
      await nodes.stop();
    }
  },
};
