import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Redis from 'ioredis';
import type { Socket } from 'socket.io-client';
import { inBatches, Nodes, post, tenant } from '../lib/nodes';
import { metricSamples, openSocket, subscribe } from '../lib/sockets';
import { startSmtpSink } from '../lib/smtp-sink';
import { round } from '../lib/stats';
import type { Benchmark, Series } from '../lib/types';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MB = 2 ** 20;
// Statuses an order walks through in the soak: each of shipped/out_for_delivery/delivered owes an alert, each a webhook.
const WALK = ['processing', 'shipped', 'in_transit', 'in_transit', 'out_for_delivery', 'delivered'] as const;

/** One sample: per node and for Redis. */
interface Sample {
  minute: number;
  nodes: Array<{ heapMb: number; rssMb: number; lagP99Ms: number; openFds: number; handles: number }>;
  redisMemoryMb: number;
  shardChannels: number;
  shardSubscriptions: number;
  channels: number;
  redisClients: number;
}

/**
 * A long steady run on two nodes: 500 sockets churning (connect, subscribe, leave), steady status and position
 * traffic, email alerts to a local SMTP server and webhooks to a local receiver. Each minute it samples every node's
 * heap, RSS, event-loop lag, open file descriptors and handles (/metrics) and Redis's memory, sharded channels,
 * subscriptions and clients; it reports each one's slope (growth per hour, least squares), so "flat" is a number.
 */
export const soak: Benchmark = {
  name: 'soak',
  description: 'two nodes for N minutes under churning sockets, statuses, positions, alerts and webhooks: memory, lag, handles and Redis subscriptions per minute',
  defaults: { minutes: 30, sockets: 500, status_per_s: 20, positions_per_s: 20, socket_life_s: 20, couriers: 5 },
  target: 'flat: heap ≤ 20 MB/h and RSS ≤ 50 MB/h per node, Redis shard subscriptions ≤ 5% of the sockets per hour, open fds ≤ 10/h',
  async run({ options, progress }) {
    const minutes = options.minutes!;
    const smtp = await startSmtp();
    const receiver = await startReceiver();
    const nodes = new Nodes();
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    redis.on('error', () => {});
    const sockets = new Set<Socket>();
    let stopping = false;
    try {
      const env = { SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: 'true', NOTIFY_BACKOFF_MS: '200' };
      const servers = [await nodes.start(env), await nodes.start(env)];
      const urls = servers.map((server) => server.url);
      const apiKey = await tenant(urls[0]!);
      await post(`${urls[0]}/v1/webhooks`, apiKey, { url: `${receiver.url}/hook`, events: ['order.status_changed'] });
      const courierTokens = await inBatches(Array.from({ length: options.couriers! }, (_, i) => i), 4, async (i) =>
        (await post<{ token: string }>(`${urls[0]}/v1/tokens`, apiKey, { role: 'courier', subject: `k${i}`, ttl_s: 86_400 })).token,
      );

      // Orders: a rolling set, each walked through WALK by the status traffic and replaced when delivered.
      interface Live {
        id: string;
        token: string;
        step: number;
      }
      let placed = 0;
      const place = async (): Promise<Live> => {
        const index = placed++;
        const order = await post<{ id: string; tracking_token: string }>(`${urls[index % 2]}/v1/orders`, apiKey, {
          customer: { id: `soak-${index}`, email: `soak-${index}@mail.example` },
          notify: { email: true },
        });
        await post(`${urls[(index + 1) % 2]}/v1/orders/${order.id}/assign`, apiKey, { courier_id: `k${index % options.couriers!}` });
        return { id: order.id, token: order.tracking_token, step: 0 };
      };
      const orders: Live[] = await inBatches(Array.from({ length: 100 }, (_, i) => i), 8, () => place());
      const counts = { statuses: 0, positions: 0, connects: 0, leaves: 0, errors: 0 };

      const every = (perSecond: number, work: () => Promise<void>): Promise<void> =>
        (async () => {
          const gapMs = 1000 / perSecond;
          let next = performance.now();
          while (!stopping) {
            next += gapMs;
            await work().catch(() => counts.errors++);
            const wait = next - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
        })();

      // Status traffic: the next step of a random order; a delivered order is replaced by a new one.
      const statusLoop = every(options.status_per_s!, async () => {
        const slot = Math.floor(Math.random() * orders.length);
        const order = orders[slot]!;
        const status = WALK[order.step]!;
        await post(`${urls[counts.statuses % 2]}/v1/orders/${order.id}/status`, apiKey, { status });
        counts.statuses++;
        order.step++;
        if (order.step >= WALK.length) orders[slot] = await place();
      });
      // Positions: each courier in turn, near the city centre.
      const positionLoop = every(options.positions_per_s!, async () => {
        const courier = counts.positions % courierTokens.length;
        await post(`${urls[courier % 2]}/v1/couriers/me/location`, courierTokens[courier]!, {
          lat: 22.3 + Math.random() / 100,
          lng: 114.17 + Math.random() / 100,
          speed: 8,
        });
        counts.positions++;
      });
      // Sockets: `sockets` of them at all times, each on a random order for a random life, then replaced.
      const socketLife = () => (0.5 + Math.random()) * options.socket_life_s! * 1000;
      const churn = async (lane: number): Promise<void> => {
        while (!stopping) {
          const order = orders[Math.floor(Math.random() * orders.length)]!;
          try {
            const socket = await openSocket(urls[lane % 2]!, { token: order.token });
            sockets.add(socket);
            counts.connects++;
            await subscribe(socket, order.id);
            await new Promise((resolve) => setTimeout(resolve, socketLife()));
            socket.close();
            sockets.delete(socket);
            counts.leaves++;
          } catch {
            counts.errors++;
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
        }
      };
      // Staggered, so connections and leaves spread over the first life instead of arriving at once.
      const lanes = Array.from({ length: options.sockets! }, async (_, lane) => {
        await new Promise((resolve) => setTimeout(resolve, (lane / options.sockets!) * options.socket_life_s! * 1000));
        await churn(lane);
      });

      const samples: Sample[] = [];
      const started = performance.now();
      for (let minute = 0; minute <= minutes; minute++) {
        const due = started + minute * 60_000;
        while (performance.now() < due) {
          progress(
            `minute ${minute - 1}/${minutes}: ${sockets.size} sockets, ${counts.statuses} statuses, ${counts.positions} positions, ${smtp.count()} emails, ${receiver.count()} webhooks, ${counts.errors} errors`,
          );
          await new Promise((resolve) => setTimeout(resolve, Math.min(1000, due - performance.now())));
        }
        samples.push(await sample(minute, urls, redis, nodes.prefix));
      }
      stopping = true;
      await Promise.all([statusLoop, positionLoop]);
      for (const socket of sockets) socket.close();
      await Promise.race([Promise.all(lanes), new Promise((resolve) => setTimeout(resolve, 5000))]);

      return report(samples, { ...counts, emails: smtp.count(), webhooks: receiver.count(), placed }, options);
    } finally {
      stopping = true;
      for (const socket of sockets) socket.close();
      redis.disconnect();
      await nodes.stop();
      await smtp.close();
      await receiver.close();
    }
  },
};

/** One minute's sample of both nodes and of Redis. */
async function sample(minute: number, urls: string[], redis: Redis, prefix: string): Promise<Sample> {
  const perNode = await Promise.all(
    urls.map(async (url) => {
      const metrics = await metricSamples(`${url}/metrics`);
      const value = (name: string) => metrics.get(name) ?? 0;
      return {
        heapMb: round(value('nodejs_heap_size_used_bytes') / MB, 1),
        rssMb: round(value('process_resident_memory_bytes') / MB, 1),
        lagP99Ms: round(value('nodejs_eventloop_lag_p99_seconds') * 1000, 1),
        openFds: value('process_open_fds'),
        handles: value('nodejs_active_handles_total'),
      };
    }),
  );
  const info = await redis.info('memory');
  const usedMemory = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
  const shardChannels = (await redis.call('PUBSUB', 'SHARDCHANNELS', `${prefix}*`)) as string[];
  let shardSubscriptions = 0;
  for (let i = 0; i < shardChannels.length; i += 500) {
    const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', ...shardChannels.slice(i, i + 500))) as Array<string | number>;
    for (let j = 1; j < reply.length; j += 2) shardSubscriptions += Number(reply[j]);
  }
  const channels = (await redis.call('PUBSUB', 'CHANNELS', `${prefix}*`)) as string[];
  const clients = ((await redis.call('CLIENT', 'LIST')) as string).trim().split('\n').length;
  return {
    minute,
    nodes: perNode,
    redisMemoryMb: round(usedMemory / MB, 2),
    shardChannels: shardChannels.length,
    shardSubscriptions,
    channels: channels.length,
    redisClients: clients,
  };
}

/** Least-squares slope of `series` (per unit of x). */
export function slope(series: Series): number {
  if (series.length < 2) return 0;
  const n = series.length;
  const meanX = series.reduce((sum, [x]) => sum + x, 0) / n;
  const meanY = series.reduce((sum, [, y]) => sum + y, 0) / n;
  const cov = series.reduce((sum, [x, y]) => sum + (x - meanX) * (y - meanY), 0);
  const varX = series.reduce((sum, [x]) => sum + (x - meanX) ** 2, 0);
  return varX === 0 ? 0 : cov / varX;
}

function report(samples: Sample[], counts: Record<string, number>, options: Record<string, number>) {
  // The first minute is warm-up (JIT, pools and caches filling, sockets ramping up): slopes start at minute 1.
  const steady = samples.filter((entry) => entry.minute >= 1);
  const series = (pick: (entry: Sample) => number): Series => samples.map((entry) => [entry.minute, pick(entry)]);
  const perMinute = (pick: (entry: Sample) => number) => slope(steady.map((entry) => [entry.minute, pick(entry)]));
  const perHour = (pick: (entry: Sample) => number) => round(perMinute(pick) * 60, 2);
  const growth = (pick: (entry: Sample) => number) => `${round(perMinute(pick), 3)}/min (${perHour(pick)}/h)`;
  const metrics: Record<string, number | string> = {
    minutes: samples.length - 1,
    ...counts,
  };
  const targets: Array<{ target: string; measured: string; met: boolean }> = [];
  const charts: Array<{ title: string; series: Series; xLabel: string; yLabel: string }> = [];
  samples[0]?.nodes.forEach((_, node) => {
    const name = `node ${node + 1}`;
    const pick = <K extends keyof Sample['nodes'][number]>(key: K) => (entry: Sample) => entry.nodes[node]![key];
    for (const [key, label, unit] of [
      ['heapMb', 'heap', 'MB'],
      ['rssMb', 'RSS', 'MB'],
      ['lagP99Ms', 'event-loop lag p99', 'ms'],
      ['openFds', 'open fds', ''],
      ['handles', 'active handles', ''],
    ] as const) {
      const values = samples.map(pick(key));
      metrics[`${name} ${label} first→last${unit ? ` (${unit})` : ''}`] = `${values[0]} → ${values.at(-1)}`;
      metrics[`${name} ${label} slope${unit ? ` (${unit})` : ''}`] = growth(pick(key));
      charts.push({ title: `${name}: ${label} per minute`, series: series(pick(key)), xLabel: 'minute', yLabel: `${label}${unit ? ` (${unit})` : ''}` });
    }
    const heap = perHour(pick('heapMb'));
    const rss = perHour(pick('rssMb'));
    const fds = perHour(pick('openFds'));
    targets.push({ target: `${name} heap ≤ 20 MB/h`, measured: `${heap} MB/h`, met: heap <= 20 });
    targets.push({ target: `${name} RSS ≤ 50 MB/h`, measured: `${rss} MB/h`, met: rss <= 50 });
    targets.push({ target: `${name} open fds ≤ 10/h`, measured: `${fds}/h`, met: fds <= 10 });
  });
  for (const [key, label] of [
    ['redisMemoryMb', 'Redis used memory (MB)'],
    ['shardChannels', 'Redis sharded channels'],
    ['shardSubscriptions', 'Redis shard subscriptions'],
    ['channels', 'Redis channels'],
    ['redisClients', 'Redis clients'],
  ] as const) {
    const pick = (entry: Sample) => entry[key];
    metrics[`${label} first→last`] = `${pick(samples[0]!)} → ${pick(samples.at(-1)!)}`;
    metrics[`${label} slope`] = growth(pick);
    charts.push({ title: `${label} per minute`, series: series(pick), xLabel: 'minute', yLabel: label });
  }
  const subscriptions = perHour((entry) => entry.shardSubscriptions);
  targets.push({
    target: 'Redis shard subscriptions ≤ 5% of the sockets per hour',
    measured: `${subscriptions}/h`,
    met: subscriptions <= 0.05 * options.sockets!,
  });
  return {
    metrics,
    targets,
    charts,
    notes: [
      'Slopes are least-squares fits over minutes 1.. (minute 0 is warm-up), scaled to an hour. A short run (--minutes 3) shows the method; its slopes are dominated by noise and warm-up and are not a verdict.',
      `Samples: ${JSON.stringify(samples)}`,
    ],
  };
}

/** A local SMTP server that takes and counts every message. */
async function startSmtp() {
  let received = 0;
  const sink = await startSmtpSink({ onMessage: () => received++ });
  return { url: sink.url, count: () => received, close: sink.close };
}

/** A local webhook receiver: answers 200 to everything and counts. */
async function startReceiver() {
  let received = 0;
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    count: () => received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
