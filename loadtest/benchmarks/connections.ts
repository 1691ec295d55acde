import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import {
  collectGarbage,
  cpuProfileArgs,
  fileLimit,
  freePort,
  JsonClient,
  metricSamples,
  raiseFileLimit,
  sleep,
  SocketPool,
  sourceAddress,
  startReference,
  withTimeout,
  type ReferenceServer,
} from '../lib/sockets';
import { Recorder, round } from '../lib/stats';
import type { Benchmark } from '../lib/types';

/** 12 KB, read as KiB. */
const HEAP_PER_SOCKET_TARGET = 12 * 1024;
const SOCKETS_TARGET = 50_000;
/** Descriptors kept free for everything but the sockets (HTTP, Redis, SQLite, inspector, stdio). */
const FD_HEADROOM = 1_000;

/** A heap reading: forced full GC through the inspector first (when possible), then the heap in use. */
type HeapReader = () => Promise<number>;

/** The lower of two readings a second apart: what is retained, not what happens to be awaiting collection. */
async function settledHeap(read: HeapReader): Promise<number> {
  const first = await read();
  await sleep(1000);
  return Math.min(first, await read());
}

/** Forces a full GC when an inspector port is given; a failure is remembered (the reading then counts garbage too). */
async function tryCollectGarbage(inspectPort: number | undefined, failures: string[]): Promise<void> {
  if (inspectPort === undefined) return;
  try {
    await collectGarbage(inspectPort);
  } catch (error) {
    failures.push((error as Error).message);
  }
}

function productHeap(url: string, inspectPort: number | undefined, gcFailures: string[]): HeapReader {
  return async () => {
    await tryCollectGarbage(inspectPort, gcFailures);
    const samples = await metricSamples(`${url}/metrics`);
    const heap = samples.get('nodejs_heap_size_used_bytes');
    if (heap === undefined) throw new Error('no nodejs_heap_size_used_bytes in /metrics');
    return heap;
  };
}

function referenceHeap(client: JsonClient, inspectPort: number | undefined, gcFailures: string[]): HeapReader {
  return async () => {
    await tryCollectGarbage(inspectPort, gcFailures);
    return (await client.get<{ heap_used_bytes: number }>('/heap')).heap_used_bytes;
  };
}

// The most sockets one credential may hold open on a node (API.md "Limits (more)").
const SOCKETS_PER_CREDENTIAL = 50;

/**
 * Concurrent sockets on one node: N sockets authenticated with staff tokens (one per 50 sockets, the most one
 * credential may hold on a node), each subscribed to one of a customer's orders; the node's heap per socket is (heap after − heap before) / N, from its /metrics. Reference: a
 * bare Socket.IO server holding as many sockets, each in one room.
 */
export const connections: Benchmark = {
  name: 'connections',
  description: 'concurrent subscribed sockets held by one node and its heap per socket vs bare Socket.IO',
  defaults: { sockets: 5000, orders: 50, concurrency: 200, settle: 3, gc: 1, cpuprof: 0 },
  target: "50,000 concurrent sockets on one node; ≤ 12 KB server heap per socket; ≤ 1.0× bare Socket.IO's heap per socket",
  async run({ options, progress }) {
    const requested = options.sockets!;
    // This process holds every client end and the node every server end; the node inherits this process's limit.
    // When the limit cannot be raised (no CAP_SYS_RESOURCE), the run is capped below it and says so.
    const limit = raiseFileLimit(requested + FD_HEADROOM);
    const sockets = Math.min(requested, limit - FD_HEADROOM);
    if (sockets < 1) throw new Error(`open-files limit ${limit} leaves no room for sockets`);
    const capped = sockets < requested ? `capped at ${sockets.toLocaleString()} by the open-files limit (${limit}, hard ${fileLimit().hard}): raise ulimit -n to run ${requested.toLocaleString()}` : '';
    if (capped) progress(capped);
    const orderCount = Math.max(1, Math.min(options.orders!, sockets));
    const forceGc = options.gc === 1;
    const profile = cpuProfileArgs(options.cpuprof === 1, 'connections');
    const gcFailures: string[] = [];
    const nodes = new Nodes();
    const pool = new SocketPool();
    const referencePool = new SocketPool();
    const clients: JsonClient[] = [];
    let reference: ReferenceServer | undefined;
    try {
      progress('starting node');
      const productInspect = forceGc ? await freePort() : undefined;
      const nodeArgs = [...(productInspect !== undefined ? [`--inspect=127.0.0.1:${productInspect}`] : []), ...profile.nodeArgs];
      const server = await withTimeout(nodes.start({}, nodeArgs), 60_000, 'node start');
      const key = await tenant(server.url);
      const customer = 'bench-customer';
      const tokens = await inBatches(Array.from({ length: Math.ceil(sockets / SOCKETS_PER_CREDENTIAL) }, (_, index) => index), 16, async (index) => {
        const minted = await post<{ token: string }>(`${server.url}/v1/tokens`, key, { role: 'staff', subject: `bench-staff-${index}`, ttl_s: 3600 });
        return minted.token;
      });
      const orders = await inBatches(Array.from({ length: orderCount }, (_, index) => index), 16, (index) =>
        post<{ id: string }>(`${server.url}/v1/orders`, key, { customer: { id: customer }, external_id: `conn-${index}` }),
      );

      const readProduct = productHeap(server.url, productInspect, gcFailures);
      await sleep(1000);
      const before = await settledHeap(readProduct);
      progress(`heap before ${(before / 2 ** 20).toFixed(1)} MiB; connecting ${sockets.toLocaleString()} sockets`);
      const ramp = new Recorder();
      const started = performance.now();
      await pool.openAll(
        Array.from({ length: sockets }, (_, index) => ({
          url: server.url,
          token: tokens[Math.floor(index / SOCKETS_PER_CREDENTIAL)]!,
          orderId: orders[index % orderCount]!.id,
          localAddress: sourceAddress(index, sockets),
        })),
        { concurrency: options.concurrency!, deadlineMs: 120_000 + sockets * 5, progress, subscribed: () => ramp.count() },
      );
      const rampSeconds = (performance.now() - started) / 1000;
      progress(`${pool.subscribed.toLocaleString()} subscribed in ${rampSeconds.toFixed(1)} s; settling ${options.settle} s`);
      await sleep(options.settle! * 1000);
      const after = await settledHeap(readProduct);
      const samples = await metricSamples(`${server.url}/metrics`);
      const held = pool.connected;
      const perSocket = (after - before) / Math.max(1, held);
      const rss = samples.get('process_resident_memory_bytes') ?? 0;
      pool.close();
      await nodes.stop();

      // ── the reference: bare Socket.IO with as many sockets, each in one of as many rooms ──
      progress('reference: starting bare Socket.IO');
      const referenceInspect = forceGc ? await freePort() : undefined;
      reference = await startReference('bare-socketio.ts', referenceInspect !== undefined ? [`--inspect=127.0.0.1:${referenceInspect}`] : []);
      const referenceHttp = new JsonClient(reference.url);
      clients.push(referenceHttp);
      const readReference = referenceHeap(referenceHttp, referenceInspect, gcFailures);
      await sleep(1000);
      const referenceBefore = await settledHeap(readReference);
      const referenceUrl = reference.url;
      await referencePool.openAll(
        Array.from({ length: sockets }, (_, index) => ({ url: referenceUrl, orderId: `o${index % orderCount}`, localAddress: sourceAddress(index, sockets) })),
        { concurrency: options.concurrency!, deadlineMs: 120_000 + sockets * 5, progress: (line) => progress(`reference: ${line}`) },
      );
      await sleep(options.settle! * 1000);
      const referenceAfter = await settledHeap(readReference);
      const referenceHeld = referencePool.connected;
      const referencePerSocket = (referenceAfter - referenceBefore) / Math.max(1, referenceHeld);
      const heapRatio = perSocket / Math.max(1, referencePerSocket);

      return {
        metrics: {
          sockets_requested: requested,
          sockets_opened: sockets,
          sockets_held: held,
          failed_sockets: pool.failures,
          orders_watched: orderCount,
          ramp_s: round(rampSeconds, 1),
          ramp_sockets_per_s: Math.round(pool.subscribed / rampSeconds),
          heap_before_mib: round(before / 2 ** 20, 1),
          heap_after_mib: round(after / 2 ** 20, 1),
          heap_per_socket_bytes: Math.round(perSocket),
          rss_after_mib: round(rss / 2 ** 20, 1),
          forced_gc: !forceGc ? 'no' : gcFailures.length ? `failed ${gcFailures.length}× (${gcFailures[0]})` : 'yes (inspector HeapProfiler.collectGarbage)',
        },
        reference: {
          name: 'bare Socket.IO (1 process, no auth/adapter/store)',
          metrics: { sockets_held: referenceHeld, heap_per_socket_bytes: Math.round(referencePerSocket) },
        },
        ratio: { metric: 'heap_per_socket_bytes, product ÷ bare', value: round(heapRatio, 2) },
        targets: [
          {
            target: '50,000 concurrent sockets on one node',
            measured: `${held.toLocaleString()} held of ${sockets.toLocaleString()}${capped ? ` (${capped})` : requested < SOCKETS_TARGET ? ' (short run: --sockets 50000 for the target)' : ''}`,
            met: held >= SOCKETS_TARGET,
          },
          {
            target: '≤ 12 KB heap per socket',
            measured: `${(perSocket / 1024).toFixed(2)} KiB at ${held.toLocaleString()} sockets (bare Socket.IO ${(referencePerSocket / 1024).toFixed(2)} KiB)`,
            met: held > 0 && perSocket <= HEAP_PER_SOCKET_TARGET,
          },
          {
            target: "heap per socket ≤ 1.0× bare Socket.IO's",
            measured: `${round(heapRatio, 2)}× (${Math.round(perSocket)} B vs ${Math.round(referencePerSocket)} B)`,
            met: held > 0 && referenceHeld > 0 && heapRatio <= 1,
          },
        ],
        throughput: ramp.throughput(),
        notes: [
          ...(capped ? [`Socket count ${capped}.`] : []),
          'The load generator, the node, Redis and the reference share this machine; figures are noisy.',
          `Every ${SOCKETS_PER_CREDENTIAL} sockets share a staff token; each socket subscribes to one of ${orderCount} orders of one customer (round robin).`,
          'Heap readings: nodejs_heap_size_used_bytes from /metrics (the reference: process.memoryUsage().heapUsed), each after a forced full GC when gc=1, lower of two readings a second apart.',
          'The throughput chart is the connect-and-subscribe ramp (sockets per second).',
          ...(profile.dir ? [`CPU profile of the node: ${profile.dir}`] : []),
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
