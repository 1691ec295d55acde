import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { ALERT_QUEUE } from '../../src/notifiers/alert-queue';
import { dropPrefix } from '../../test/support/redis-keys';
import { inBatches, Nodes, post, type ServerProcess, tenant, waitForQueued } from '../lib/nodes';
import { Recorder, round } from '../lib/stats';
import { cpuSeconds } from '../lib/process-cpu';
import { startSmtpSink } from '../lib/smtp-sink';
import type { Benchmark } from '../lib/types';
import { smtpLoop } from '../reference/smtp-loop';

const TARGET_EMAILS_PER_S = 500;
const ROOT = path.resolve(__dirname, '../..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Alerts by email through one worker process: N orders placed with `notify.email`, each moved to `shipped`, one email
 * each to a local SMTP server that counts them. Emails/s is measured from the first to the last email received.
 */
export const notify: Benchmark = {
  name: 'notify',
  description: 'email alerts through one worker process (PROCESS_ROLE=worker) to a local SMTP server vs a bare nodemailer loop',
  defaults: { orders: 2000, concurrency: 50, prequeue: 1, http_concurrency: 32, timeout_s: 40, profile: 0, reference_in_process: 0, unpooled_reference: 1, store_sync_normal: 0 },
  target: '≥ 500 emails/s sustained from one worker',
  async run({ options, progress }) {
    const count = options.orders!;
    const sink = await startSink();
    const nodes = new Nodes();
    const notes: string[] = [];
    try {
      // STORE_SYNC=normal: commits survive a process crash but are not fsynced each (see src/config.ts).
      const storeSync = { STORE_SYNC: options.store_sync_normal ? 'normal' : 'full' };
      const api = await nodes.start({ PROCESS_ROLE: 'api', ...storeSync });
      const apiKey = await tenant(api.url);

      // 1. Orders that ask for email alerts, one customer (and address) each.
      const indices = Array.from({ length: count }, (_, index) => index);
      const orderIds = await inBatches(indices, options.http_concurrency!, async (index) => {
        const order = await post<{ id: string }>(`${api.url}/v1/orders`, apiKey, {
          external_id: `notify-${index}`,
          customer: { id: `c${index}`, name: `Customer ${index}`, email: sink.address(index), locale: 'en' },
          notify: { email: true, sms: false },
        });
        if (index % 500 === 0) progress(`placed ${index.toLocaleString()}/${count.toLocaleString()} orders`);
        return order.id;
      });

      // 2. `shipped` for all: each queues one alert. Either all are queued before the worker starts (a backlog, the
      //    worker's pure rate) or the worker runs while they arrive (latency from the applied status to the email).
      const profileDir = options.profile ? fs.mkdtempSync(path.join(os.tmpdir(), 'notify-worker-prof-')) : null;
      const startWorker = (): Promise<ServerProcess> =>
        nodes.start(
          { PROCESS_ROLE: 'worker', SMTP_URL: sink.url, NOTIFY_CONCURRENCY: String(options.concurrency), ...storeSync },
          profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
        );
      const shipAll = () =>
        inBatches(orderIds, options.http_concurrency!, async (orderId, index) => {
          await post(`${api.url}/v1/orders/${orderId}/status`, apiKey, { status: 'shipped', event_id: `ship-${index}` });
          sink.applied[index] = performance.now();
          if (index % 500 === 0) progress(`shipped ${index.toLocaleString()}/${count.toLocaleString()}`);
        });

      // The CPU window opens when the worker says it is ready (its start-up is left out; it may have sent a few
      // emails by then, which are left out of the per-email figure too) and closes at the last email.
      const openWindow = async (worker: ServerProcess) => ({
        worker,
        workerReady: performance.now(),
        emailsBeforeWindow: sink.count,
        cpuBefore: { worker: cpuSeconds(worker.pid), api: cpuSeconds(api.pid), redis: await redisCpuSeconds(), sink: process.cpuUsage() },
      });
      let windowStart: number;
      let window: Awaited<ReturnType<typeof openWindow>>;
      if (options.prequeue) {
        await shipAll();
        await waitForQueued(ALERT_QUEUE, nodes.prefix, count, 'alerts', 30_000, progress);
        sink.reset();
        windowStart = performance.now();
        window = await openWindow(await startWorker());
      } else {
        windowStart = performance.now();
        const started = await startWorker();
        sink.reset();
        window = await openWindow(started);
        await shipAll();
      }
      const { worker, workerReady, emailsBeforeWindow, cpuBefore } = window;

      // 3. Wait for every email (bounded).
      const deadline = Date.now() + options.timeout_s! * 1000;
      while (sink.count < count && Date.now() < deadline) {
        progress(`emails ${sink.count.toLocaleString()}/${count.toLocaleString()} (${sink.rate()} /s)`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const windowEnd = performance.now();
      const sinkCpu = cpuOf(process.cpuUsage(cpuBefore.sink));
      const cpuAfter = { worker: cpuSeconds(worker.pid), api: cpuSeconds(api.pid), redis: await redisCpuSeconds() };
      const product = sink.snapshot();
      const sample = await fetch(`${api.url}/v1/orders/${orderIds[0]}/notifications`, { headers: { authorization: `Bearer ${apiKey}` } })
        .then((response) => response.json() as Promise<{ items: unknown[] }>)
        .catch((error: unknown) => ({ items: [`unreadable: ${(error as Error).message}`] }));
      await nodes.stop();
      if (profileDir) notes.push(...summariseProfile(profileDir));

      // 4. Reference: the same number of messages from a bare pooled nodemailer loop to the same server.
      // By default the loop runs in a child process, as the worker does, so the SMTP server keeps the bench process's
      // event loop to itself in both runs; `--reference_in_process 1` runs it here, sharing that loop.
      const referenceRun = async (pool: boolean) => {
        sink.reset();
        const cpuStart = process.cpuUsage();
        const started = performance.now();
        if (options.reference_in_process) {
          await smtpLoop({
            smtpUrl: sink.url,
            messages: count,
            concurrency: options.concurrency!,
            pool,
            to: (index) => sink.address(index),
            onSent: (sent) => progress(`reference: ${sent.toLocaleString()}/${count.toLocaleString()} sent`),
          });
        } else {
          await runReferenceChild(sink.url, count, options.concurrency!, pool, options.timeout_s! * 1000, () =>
            progress(`reference${pool ? '' : ' (unpooled)'}: ${sink.count.toLocaleString()}/${count.toLocaleString()} received`),
          );
        }
        return { ...sink.snapshot(), sinkCpu: cpuOf(process.cpuUsage(cpuStart)), seconds: (performance.now() - started) / 1000 };
      };
      const reference = await referenceRun(true);
      // The transport as EmailChannel builds it (not pooled): what the product's email path costs before any product code.
      const unpooled = options.unpooled_reference ? await referenceRun(false) : null;
      const referenceSinkCpu = reference.sinkCpu;
      const referenceSeconds = reference.seconds;

      const workerCpu = cpuAfter.worker - cpuBefore.worker;
      const apiCpu = cpuAfter.api - cpuBefore.api;
      const redisCpu = cpuAfter.redis - cpuBefore.redis;
      const busySeconds = Math.max(0.001, ((product.lastAt > workerReady ? product.lastAt : windowEnd) - workerReady) / 1000);
      const emailsInWindow = Math.max(1, product.received - emailsBeforeWindow);
      const emailsPerS = product.perSecond;
      notes.push(
        `Mode: ${options.prequeue ? `backlog (all ${count} alerts queued in BullMQ before the worker started)` : 'live (worker running while statuses are posted)'}; worker NOTIFY_CONCURRENCY=${options.concurrency}, STORE_SYNC=${storeSync.STORE_SYNC}, nodemailer pool of 5 connections (EmailChannel default).`,
        `Emails/s counts from the first to the last email received by the SMTP server (smtp-server in the bench process); the reference loop runs ${options.reference_in_process ? 'in the bench process too, sharing one event loop with the server' : 'in a child process of its own, as the worker does'}.`,
        `CPU during the worker window (${round(busySeconds, 1)} s, /proc/<pid>/stat utime+stime): worker ${round(workerCpu, 2)} s (${Math.round((workerCpu / busySeconds) * 100)}% of a core), api node ${round(apiCpu, 2)} s (answers the worker's presence checks), redis ${round(redisCpu, 2)} s, bench process (SMTP server) ${round(sinkCpu, 2)} s (${Math.round((sinkCpu / busySeconds) * 100)}%). Reference run: bench process (SMTP server${options.reference_in_process ? ' + sender' : ''}) ${round(referenceSinkCpu, 2)} s over ${round(referenceSeconds, 1)} s.`,
        ...(unpooled
          ? [
              `Unpooled reference: the same loop with the transport built as src/notifiers/email-channel.ts builds it, createTransport(url, { pool: true, ... }) — the second argument is message defaults, so it opens one SMTP connection per message: ${Math.round(unpooled.perSecond)} emails/s vs ${Math.round(reference.perSecond)} pooled.`,
            ]
          : []),
        `Delivery log of the first order: ${JSON.stringify(sample.items)}.`,
      );
      if (product.received < count) notes.push(`Only ${product.received} of ${count} emails arrived within ${options.timeout_s} s.`);
      return {
        metrics: {
          orders: count,
          emails_received: product.received,
          duplicates: product.received - product.unique,
          smtp_connections: product.connections,
          emails_per_s: Math.round(emailsPerS),
          first_email_after_worker_spawn_ms: Math.round(product.firstAt - windowStart),
          all_emails_after_worker_spawn_s: round((product.lastAt - windowStart) / 1000, 2),
          worker_cpu_s: round(workerCpu, 2),
          worker_cpu_pct: Math.round((workerCpu / busySeconds) * 100),
          worker_cpu_ms_per_email: round((workerCpu * 1000) / emailsInWindow, 3),
          api_cpu_s: round(apiCpu, 2),
          redis_cpu_s: round(redisCpu, 2),
          smtp_server_cpu_pct: Math.round((sinkCpu / busySeconds) * 100),
          ...(options.prequeue ? {} : { alert_latency_p50_ms: product.latency.percentile(50), alert_latency_p99_ms: product.latency.percentile(99) }),
        },
        reference: {
          name: options.reference_in_process ? 'bare pooled nodemailer loop (bench process)' : 'bare pooled nodemailer loop (child process)',
          metrics: {
            emails_received: reference.received,
            emails_per_s: Math.round(reference.perSecond),
            smtp_connections: reference.connections,
            ...(unpooled ? { unpooled_emails_per_s: Math.round(unpooled.perSecond), unpooled_smtp_connections: unpooled.connections } : {}),
          },
        },
        ratio: { metric: 'emails_per_s', value: round(emailsPerS / Math.max(1, reference.perSecond), 3) },
        targets: [
          {
            target: '≥ 500 emails/s (one worker)',
            measured: `${Math.round(emailsPerS)}/s, ${product.received}/${count} delivered, ${product.received - product.unique} duplicates`,
            met: emailsPerS >= TARGET_EMAILS_PER_S && product.unique === count && product.received === count,
          },
        ],
        latency: options.prequeue ? undefined : product.latency.distribution(),
        throughput: product.series,
        notes,
      };
    } finally {
      await nodes.stop();
      await sink.close();
      await dropRedisPrefix(nodes.prefix);
    }
  },
};

interface SinkSnapshot {
  received: number;
  /** SMTP connections opened to the server. */
  connections: number;
  unique: number;
  firstAt: number;
  lastAt: number;
  /** Emails per second from the first to the last one. */
  perSecond: number;
  series: Array<[number, number]>;
  latency: Recorder;
}

/** An SMTP server that accepts everything and only counts: recipients, arrival times, a per-second series. */
async function startSink() {
  let received = 0;
  let connections = 0;
  let firstAt = 0;
  let lastAt = 0;
  let seen = new Set<string>();
  let series = new Recorder();
  let latency = new Recorder();
  const applied: number[] = [];
  const sink = await startSmtpSink({
    onConnect: () => connections++,
    onMessage: ({ to }) => {
      const now = performance.now();
      received++;
      if (received === 1) firstAt = now;
      lastAt = now;
      series.count();
      seen.add(to);
      const index = Number(/^c(\d+)@/.exec(to)?.[1] ?? -1);
      if (applied[index] !== undefined) latency.record(now - applied[index]!);
    },
  });
  return {
    url: sink.url,
    /** Post times of the statuses, by order index (for the live mode's latency). */
    applied,
    address: (index: number) => `c${index}@bench.test`,
    get count() {
      return received;
    },
    rate: () => (received > 1 ? Math.round((received - 1) / ((lastAt - firstAt) / 1000)) : 0),
    reset() {
      received = 0;
      connections = 0;
      firstAt = lastAt = 0;
      seen = new Set();
      series = new Recorder();
      latency = new Recorder();
    },
    snapshot(): SinkSnapshot {
      const seconds = (lastAt - firstAt) / 1000;
      return {
        received,
        connections,
        unique: seen.size,
        firstAt,
        lastAt,
        perSecond: received > 1 && seconds > 0 ? (received - 1) / seconds : 0,
        series: series.throughput(),
        latency,
      };
    },
    close: sink.close,
  };
}

function cpuOf(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** Runs loadtest/reference/smtp-loop.ts in a child process; killed if it outlives `limitMs`. */
function runReferenceChild(
  smtpUrl: string,
  messages: number,
  concurrency: number,
  pool: boolean,
  limitMs: number,
  onTick: () => void,
): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'loadtest/reference/smtp-loop.ts'), smtpUrl, String(messages), String(concurrency), '5', pool ? '1' : '0'],
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

async function redisCpuSeconds(): Promise<number> {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const info = await redis.info('cpu');
    const value = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return value('used_cpu_sys') + value('used_cpu_user');
  } catch {
    return 0;
  } finally {
    redis.disconnect();
  }
}

/** Deletes this run's keys (BullMQ's) from Redis; `Nodes.stop()` leaves them. */
export function dropRedisPrefix(prefix: string): Promise<void> {
  return dropPrefix(prefix, REDIS_URL);
}

/** Top self-time functions of the worker's CPU profile, as report notes. */
function summariseProfile(dir: string): string[] {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'));
  const notes: string[] = [];
  for (const file of files) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
      nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
      samples: number[];
      timeDeltas: number[];
    };
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const self = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, index) => {
      const frame = byId.get(id)!.callFrame;
      const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
      const delta = profile.timeDeltas[index] ?? 0;
      self.set(key, (self.get(key) ?? 0) + delta);
      total += delta;
    });
    const busy = total - (self.get('(idle) :0') ?? 0);
    if (busy < total * 0.02) continue; // a helper thread's profile
    const top = [...self]
      .filter(([key]) => key !== '(idle) :0')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([key, micros]) => `${key} ${round((micros / busy) * 100, 1)}%`);
    notes.push(`Worker CPU profile ${path.join(dir, file)} (busy ${round(busy / 1e6, 2)} s), top self time: ${top.join('; ')}`);
  }
  return notes;
}
