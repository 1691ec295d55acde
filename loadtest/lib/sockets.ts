/**
 * Shared helpers of the push benchmarks: many Socket.IO clients (with source-address spreading), a keep-alive JSON
 * client for paced posts, bare reference servers in their own processes, heap readings and open-loop pacing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import readline from 'node:readline';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import WebSocket from 'ws';
import { MetricsDelta, MetricsReading, readMetrics } from './prometheus';

/** A free TCP port on 127.0.0.1 (for an inspector). */
export { freePort } from '../../test/support/ports';

/** Sockets per 127.0.0.x source address: below the ~28,000 ephemeral ports of one address, with room to spare. */
export const SOCKETS_PER_SOURCE_ADDRESS = 20_000;

/** Rejects with `label` when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The source address of socket `index` of `total`: none (the kernel's choice) while one address has ports enough,
 * else 127.0.0.2, 127.0.0.3, … (every 127/8 address is local), 20,000 sockets each; 127.0.0.1 stays for HTTP.
 */
export function sourceAddress(index: number, total: number): string | undefined {
  if (total <= SOCKETS_PER_SOURCE_ADDRESS) return undefined;
  return `127.0.0.${2 + Math.floor(index / SOCKETS_PER_SOURCE_ADDRESS)}`;
}

/** The soft and hard open-files limits of this process. */
export function fileLimit(): { soft: number; hard: number } {
  const line = fs.readFileSync('/proc/self/limits', 'utf8').split('\n').find((entry) => entry.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').split(/\s{2,}/).slice(1, 3).map((value) => (value === 'unlimited' ? Infinity : Number(value)));
  return { soft: soft ?? 1024, hard: hard ?? 1024 };
}

/**
 * Raises this process's open-files limit to at least `wanted` (children started afterwards inherit it): through
 * `prlimit`, which may raise the hard limit when running as root. Returns the soft limit in force afterwards.
 */
export function raiseFileLimit(wanted: number): number {
  const before = fileLimit();
  if (before.soft >= wanted) return before.soft;
  try {
    const limit = Math.max(wanted, Number.isFinite(before.hard) ? before.hard : wanted);
    execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${limit}:${limit}`], { stdio: 'ignore' });
  } catch {
    // Not allowed (not root) or no prlimit: the caller reports the limit it got.
  }
  return fileLimit().soft;
}

export interface OpenSocketOptions {
  /** Handshake token (`auth.token`); none for the bare reference server. */
  token?: string;
  /** Source address (see {@link sourceAddress}). */
  localAddress?: string;
  /** @default 20000 */
  timeoutMs?: number;
}

/**
 * One Socket.IO client over WebSocket, as the product's clients connect. No automatic reconnection: a benchmark
 * counts a lost socket as lost rather than silently replacing it.
 */
export function openSocket(url: string, options: OpenSocketOptions = {}): Promise<Socket> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const settings: Record<string, unknown> = {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: timeoutMs,
  };
  if (options.token !== undefined) settings.auth = { token: options.token };
  // engine.io-client hands localAddress to `ws`; its option types do not list it.
  if (options.localAddress !== undefined) settings.localAddress = options.localAddress;
  const socket = io(url, settings as Partial<ManagerOptions & SocketOptions>);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Subscribes to an order; resolves with the acknowledgement, rejects on `{ ok: false }` or no answer in time. */
export function subscribe<A extends { ok: boolean }>(socket: Socket, orderId: string, timeoutMs = 20_000): Promise<A> {
  return new Promise((resolve, reject) => {
    socket.timeout(timeoutMs).emit('subscribe', { order_id: orderId }, (error: Error | null, ack: A) => {
      if (error) reject(error);
      else if (!ack?.ok) reject(new Error(`subscribe ${orderId}: ${JSON.stringify(ack)}`));
      else resolve(ack);
    });
  });
}

/** What one watcher socket connects to and watches. */
export interface WatchSpec {
  url: string;
  orderId: string;
  token?: string;
  localAddress?: string;
}

export interface OpenAllOptions<A> {
  /** Handshakes in flight at once. */
  concurrency: number;
  /** The whole ramp gives up after this long. */
  deadlineMs: number;
  progress?: (line: string) => void;
  /** Called once connected and before subscribing, so no event after the acknowledgement can be missed. */
  listen?: (socket: Socket, index: number) => void;
  /** Called with each acknowledgement. */
  subscribed?: (ack: A, index: number) => void;
  /** Fraction of specs allowed to fail before the ramp stops with an error. @default 0.01 */
  tolerance?: number;
}

/**
 * The watcher sockets of one benchmark. Every socket it opened stays in `sockets` (also after a failure half-way),
 * so `close()` in a `finally` closes them all.
 */
export class SocketPool {
  readonly sockets: Socket[] = [];
  failures = 0;
  lastError = '';
  private subscribedCount = 0;
  /** Set by close() or a failed ramp: lanes still running stop, and late sockets are closed at once. */
  private stopped = false;

  get subscribed(): number {
    return this.subscribedCount;
  }

  get connected(): number {
    let count = 0;
    for (const socket of this.sockets) if (socket.connected) count++;
    return count;
  }

  /** Connects and subscribes one socket per spec. */
  async openAll<A extends { ok: boolean }>(specs: WatchSpec[], options: OpenAllOptions<A>): Promise<void> {
    const deadline = Date.now() + options.deadlineMs;
    const allowed = Math.floor(specs.length * (options.tolerance ?? 0.01));
    let next = 0;
    const started = Date.now();
    const lane = async (): Promise<void> => {
      while (next < specs.length && !this.stopped) {
        if (Date.now() > deadline) throw new Error(`socket ramp: ${this.subscribedCount}/${specs.length} after ${options.deadlineMs} ms`);
        if (this.failures > allowed) throw new Error(`socket ramp: ${this.failures} failures, last: ${this.lastError}`);
        const index = next++;
        const spec = specs[index]!;
        try {
          const socket = await openSocket(spec.url, { token: spec.token, localAddress: spec.localAddress });
          if (this.stopped) {
            socket.close();
            return;
          }
          this.sockets.push(socket);
          options.listen?.(socket, index);
          const ack = await subscribe<A>(socket, spec.orderId);
          this.subscribedCount++;
          options.subscribed?.(ack, index);
        } catch (error) {
          this.failures++;
          this.lastError = (error as Error).message;
        }
        if (index % 250 === 0) {
          const rate = this.subscribedCount / Math.max(0.001, (Date.now() - started) / 1000);
          options.progress?.(`sockets ${this.subscribedCount.toLocaleString()}/${specs.length.toLocaleString()} (${Math.round(rate)}/s)`);
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(options.concurrency, specs.length) }, lane));
    } catch (error) {
      this.stopped = true;
      throw error;
    }
    if (this.failures > allowed) throw new Error(`socket ramp: ${this.failures} failures, last: ${this.lastError}`);
  }

  /** Closes every socket (synchronously; the server sees the closes shortly after). */
  close(): void {
    this.stopped = true;
    for (const socket of this.sockets) {
      socket.removeAllListeners();
      socket.close();
    }
    this.sockets.length = 0;
  }
}

export interface JsonResponse<T> {
  status: number;
  body: T | undefined;
}

/** A keep-alive JSON HTTP client for paced load (lighter than fetch per request, with a bounded socket pool). */
export class JsonClient {
  private readonly agent: http.Agent;
  private readonly origin: URL;

  constructor(
    baseUrl: string,
    /** Connections at most; further requests queue in the agent (and the queueing counts in their latency). */
    maxSockets = 64,
  ) {
    this.origin = new URL(baseUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  /** Sends a request; resolves with any status (a network error rejects). */
  request<T>(method: string, pathname: string, token: string | undefined, body?: unknown): Promise<JsonResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const request = http.request(
        { host: this.origin.hostname, port: this.origin.port, method, path: pathname, headers, agent: this.agent, timeout: 30_000 },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: T | undefined;
            try {
              parsed = text ? (JSON.parse(text) as T) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: response.statusCode ?? 0, body: parsed });
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new Error(`${method} ${pathname}: timed out`)));
      request.on('error', reject);
      request.end(payload);
    });
  }

  /** POST that throws on a non-2xx answer (for setup). */
  async post<T = Record<string, unknown>>(pathname: string, token: string, body: unknown): Promise<T> {
    const response = await this.request<T>('POST', pathname, token, body);
    if (response.status < 200 || response.status >= 300) throw new Error(`POST ${pathname}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as T;
  }

  /** GET that throws on a non-2xx answer. */
  async get<T = Record<string, unknown>>(pathname: string, token?: string): Promise<T> {
    const response = await this.request<T>('GET', pathname, token);
    if (response.status < 200 || response.status >= 300) throw new Error(`GET ${pathname}: ${response.status}`);
    return response.body as T;
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Open-loop pacing: calls `send(i)` `rate` times a second for `durationS` seconds, catching up in bursts when a
 * tick comes late, so a slow server meets the same offered load (no coordinated omission).
 */
export async function pace(rate: number, durationS: number, send: (index: number) => void, progress?: (elapsedS: number, sent: number) => void): Promise<number> {
  const total = Math.round(rate * durationS);
  const started = performance.now();
  let sent = 0;
  let lastReport = 0;
  while (sent < total) {
    const elapsed = (performance.now() - started) / 1000;
    const due = Math.min(total, Math.floor(elapsed * rate));
    for (; sent < due; sent++) send(sent);
    if (elapsed - lastReport >= 1) {
      lastReport = elapsed;
      progress?.(elapsed, sent);
    }
    // Ticks of a few ms: fine-grained enough at thousands a second, cheap enough not to load the generator.
    await sleep(4);
  }
  return sent;
}

/**
 * Watches this process's own event-loop delay over a phase: when the load generator's loop is late, so are its
 * receive timestamps, and that share of a latency figure is the generator's, not the server's.
 */
export function generatorLoopDelay(): { stop: () => { p99Ms: number; maxMs: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop: () => {
      histogram.disable();
      return { p99Ms: Math.round(histogram.percentile(99) / 1e5) / 10, maxMs: Math.round(histogram.max / 1e5) / 10 };
    },
  };
}

/** A process started from a loadtest/reference/*.ts file: prints one JSON line with its `url` when ready. */
export interface ReferenceServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a bare reference server in a process of its own (so it has a core's worth of event loop, like a node). */
export function startReference(file: string, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ReferenceServer> {
  const script = path.resolve(__dirname, '../reference', file);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const stop = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  const ready = new Promise<ReferenceServer>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { url?: string };
        if (entry.url) resolve({ url: entry.url, child, stop });
      } catch {
        // not the ready line
      }
    });
    child.once('exit', (code) => reject(new Error(`reference ${file} exited early (${code})`)));
  });
  return withTimeout(ready, 30_000, `reference ${file}`).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
}

/**
 * Runs a full garbage collection in a process started with `--inspect=127.0.0.1:<port>` (through the inspector's
 * HeapProfiler.collectGarbage), so a heap reading counts what is retained rather than what awaits collection.
 */
export async function collectGarbage(inspectPort: number): Promise<void> {
  const targets = await withTimeout(
    fetch(`http://127.0.0.1:${inspectPort}/json/list`).then((response) => response.json() as Promise<Array<{ webSocketDebuggerUrl: string }>>),
    5_000,
    'inspector target list',
  );
  const target = targets[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error('inspector: no target');
  const ws = new WebSocket(target);
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('open', () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
        ws.on('message', (data) => {
          const message = JSON.parse(String(data)) as { id?: number; error?: { message: string } };
          if (message.id !== 1) return;
          if (message.error) reject(new Error(`inspector: ${message.error.message}`));
          else resolve();
        });
      }),
      30_000,
      'inspector collectGarbage',
    );
  } finally {
    ws.close();
  }
}

/** The unlabelled samples of a Prometheus text endpoint, by name (e.g. `nodejs_heap_size_used_bytes`). */
export async function metricSamples(metricsUrl: string): Promise<Map<string, number>> {
  const reading = await readMetrics(metricsUrl);
  const samples = new Map<string, number>();
  for (const sample of reading.samples) if (Object.keys(sample.labels).length === 0) samples.set(sample.name, sample.value);
  return samples;
}

/** Reads one unlabelled sample of a Prometheus text endpoint. */
export async function metricValue(metricsUrl: string, name: string): Promise<number> {
  const value = (await metricSamples(metricsUrl)).get(name);
  if (value === undefined) throw new Error(`${metricsUrl}: no ${name}`);
  return value;
}

/**
 * A node's own view of a load phase, from its /metrics: event-loop delay (prom-client resets that histogram at each
 * scrape, so call `start` right before the phase), its group-commit transactions and CPU during the phase, and every
 * counter's increase (`counters`: events applied, store statements, Redis commands, alerts, …).
 */
export class ServerView {
  private before = new MetricsReading([]);

  constructor(private readonly url: string) {}

  async start(): Promise<void> {
    this.before = await readMetrics(`${this.url}/metrics`);
  }

  async finish(): Promise<{
    loopLagP99Ms: number;
    loopLagMaxMs: number;
    storeBatches: number;
    storeWrites: number;
    storeBatchMeanMs: number;
    cpuSeconds: number;
    counters: MetricsDelta;
  }> {
    const after = await readMetrics(`${this.url}/metrics`);
    const counters = new MetricsDelta(this.before, after);
    const delta = (name: string) => counters.sum(name);
    const batches = delta('store_write_batch_duration_seconds_count');
    return {
      loopLagP99Ms: Math.round(after.sum('nodejs_eventloop_lag_p99_seconds') * 1e4) / 10,
      loopLagMaxMs: Math.round(after.sum('nodejs_eventloop_lag_max_seconds') * 1e4) / 10,
      storeBatches: batches,
      storeWrites: delta('store_write_batch_size_sum'),
      storeBatchMeanMs: batches > 0 ? Math.round((delta('store_write_batch_duration_seconds_sum') / batches) * 1e5) / 100 : 0,
      cpuSeconds: Math.round(delta('process_cpu_seconds_total') * 100) / 100,
      counters,
    };
  }
}

/** Node arguments that write a V8 CPU profile of each server process into `dir` when it exits (empty when off). */
export function cpuProfileArgs(enabled: boolean, name: string): { nodeArgs: string[]; dir: string | undefined } {
  if (!enabled) return { nodeArgs: [], dir: undefined };
  const dir = path.resolve(__dirname, '../results', `cpuprof-${name}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  return { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], dir };
}

/**
 * Pairs the two ends of each delivery, whichever is known first: the send time (known when the post's answer
 * names the seq it produced) and the receive time (when a socket gets it). `onLatency` gets each pair once.
 */
export class DeliveryMatcher {
  private readonly sent = new Map<string, number>();
  private readonly received = new Map<string, number>();

  constructor(private readonly onLatency: (ms: number) => void) {}

  /** A post known to have produced delivery `key`, sent at `at` (performance.now()). */
  sentAt(key: string, at: number): void {
    const received = this.received.get(key);
    if (received === undefined) this.sent.set(key, at);
    else {
      this.received.delete(key);
      this.onLatency(received - at);
    }
  }

  /** Delivery `key` arrived at `at`. A second arrival of the same key is not paired again. */
  receivedAt(key: string, at: number): void {
    const sent = this.sent.get(key);
    if (sent === undefined) {
      if (!this.received.has(key)) this.received.set(key, at);
    } else {
      this.sent.delete(key);
      this.onLatency(at - sent);
    }
  }

  /** Posts whose delivery never arrived, and arrivals no post claimed. */
  get unmatched(): { sent: number; received: number } {
    return { sent: this.sent.size, received: this.received.size };
  }
}
