/**
 * Helpers for the live-update (Socket.IO) integration tests: raw sockets that are always cleaned up, an
 * in-order recorder of everything a socket or TrackingClient receives, acknowledged emits, and a private
 * redis-server that can be stopped and restarted on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';
import Redis from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import type { TrackingClient } from '../../src/client/tracking-client';
import type { OrderStatusUpdate } from '../../src/gateways/events';
import { client } from './http';

export type LiveSocket = Socket;

/** A unique REDIS_PREFIX, so test files (and runs) sharing a Redis never see each other's channels. */
export function uniquePrefix(name: string): string {
  return `live-${name}-${process.pid}-${Date.now().toString(36)}`;
}

const sockets = new Set<Socket>();

/** Opens a raw socket (websocket only, no automatic reconnection); `token` undefined sends no auth token. */
export function openSocket(url: string, token?: string): Socket {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10_000,
  });
  sockets.add(socket);
  socket.on('disconnect', () => sockets.delete(socket));
  return socket;
}

/** Resolves with the connected socket, or rejects with the `connect_error` (its message) and closes the socket. */
export function connectSocket(url: string, token?: string): Promise<Socket> {
  const socket = openSocket(url, token);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (error: Error) => {
      socket.off('connect');
      socket.close();
      sockets.delete(socket);
      reject(error);
    });
  });
}

/** The outcome of a handshake: 'connected', or the connect_error message. The socket is closed either way. */
export async function handshake(url: string, token?: string): Promise<string> {
  try {
    const socket = await connectSocket(url, token);
    socket.close();
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

/** Emits with an acknowledgement and resolves with it; rejects if none comes within `timeoutMs`. */
export function emitAck<T = any>(socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

/** Subscribes and returns the acknowledgement, failing the test on a refusal. */
export async function subscribeOk(socket: Socket, orderId: string, sinceSeq?: number): Promise<SubscribeOk> {
  const ack = await emitAck(socket, 'subscribe', sinceSeq === undefined ? { order_id: orderId } : { order_id: orderId, since_seq: sinceSeq });
  if (!ack?.ok) throw new Error(`subscribe to ${orderId} refused: ${JSON.stringify(ack)}`);
  return ack as SubscribeOk;
}

export interface SubscribeOk {
  ok: true;
  order: Record<string, any> & { id: string; version: number };
  missed: OrderStatusUpdate[];
}

/** Resolves with the first `n` payloads of `event` on `socket` (listening from now on). */
export function collect<T = any>(socket: Socket, event: string, n: number, timeoutMs = 10_000): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`only ${got.length} of ${n} '${event}' events within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T): void => {
      got.push(payload);
      if (got.length < n) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(got);
    };
    socket.on(event, onEvent);
  });
}

export interface Received {
  event: string;
  data: any;
}

/**
 * Everything something receives, in arrival order. `until` resolves with the first entry (already recorded or
 * still to come) that matches, so a marker can prove that an unwanted entry did not come before it.
 */
export class Recorder {
  readonly received: Received[] = [];
  private readonly waiters = new Set<{ match: (entry: Received) => boolean; resolve: (entry: Received) => void }>();

  /** Records every server event of a raw socket. */
  static of(socket: Socket): Recorder {
    const recorder = new Recorder();
    socket.onAny((event: string, data: unknown) => recorder.push(event, data));
    return recorder;
  }

  /** Records a TrackingClient's `update`, `location` and `loyalty` events. */
  static ofClient(live: TrackingClient): Recorder {
    const recorder = new Recorder();
    live.on('update', (update) => recorder.push('update', update));
    live.on('location', (update) => recorder.push('location', update));
    live.on('loyalty', (update) => recorder.push('loyalty', update));
    return recorder;
  }

  push(event: string, data: unknown): void {
    const entry = { event, data };
    this.received.push(entry);
    for (const waiter of [...this.waiters]) {
      if (!waiter.match(entry)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(entry);
    }
  }

  /** Payloads of one event name, in arrival order. */
  of(event: string): any[] {
    return this.received.filter((entry) => entry.event === event).map((entry) => entry.data);
  }

  /** Seqs of the status updates (raw `order_status_update` or client `update`) of one order, in arrival order. */
  seqs(orderId: string): number[] {
    return this.received
      .filter((entry) => (entry.event === 'order_status_update' || entry.event === 'update') && entry.data?.order_id === orderId)
      .map((entry) => entry.data.seq as number);
  }

  until(match: (entry: Received) => boolean, what = 'a matching event', timeoutMs = 15_000): Promise<Received> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (entry: Received) => {
          clearTimeout(timer);
          resolve(entry);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.received.slice(-20))}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits for the status update of `orderId` with `seq` and returns everything received before it. */
  async untilSeq(orderId: string, seq: number, timeoutMs?: number): Promise<Received[]> {
    const entry = await this.until(
      (e) => (e.event === 'order_status_update' || e.event === 'update') && e.data?.order_id === orderId && e.data.seq === seq,
      `update seq ${seq} of ${orderId}`,
      timeoutMs,
    );
    return this.received.slice(0, this.received.indexOf(entry));
  }
}

/** The integers from `from` to `to`, both included (empty when `to < from`). */
export function seqRange(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** Polls `check` until it returns true; for conditions that have no event to await. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Closes every raw socket opened through this module that is still open. For afterEach/afterAll. */
export function closeAllSockets(): void {
  for (const socket of sockets) socket.close();
  sockets.clear();
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** Shuts the server down (SIGTERM, nothing saved) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port (empty) and waits until it accepts connections. */
  restart(): Promise<void>;
}

const redisServers = new Set<ChildProcess>();

/**
 * Starts a private, empty, non-persistent redis-server on a free port, on 127.0.0.1 or `host` (an address other
 * network namespaces reach, see test/support/netns.ts).
 */
export async function startRedis({ host = '127.0.0.1' }: { host?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child = await launchRedis(port, host);
  const stop = async (): Promise<void> => {
    await stopChild(child);
  };
  return {
    port,
    url: `redis://${host}:${port}`,
    stop,
    restart: async () => {
      await stop();
      child = await launchRedis(port, host);
    },
  };
}

/** Stops every redis-server started through this module. For afterAll. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...redisServers].map(stopChild));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function launchRedis(port: number, host: string, timeoutMs = 10_000): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--loglevel', 'notice'];
  // Protected mode refuses every client but loopback ones when there is no password: the test's own server, reached
  // from other namespaces, lets them in.
  if (host !== '127.0.0.1') args.push('--protected-mode', 'no');
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  redisServers.add(child);
  child.once('exit', () => redisServers.delete(child));
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server did not start within ${timeoutMs} ms:\n${output.join('\n')}`));
    }, timeoutMs);
    readline.createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      if (line.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (code ${code}, signal ${signal}) before it was ready:\n${output.join('\n')}`));
    });
  });
}

export interface Poster {
  /** Applied versions answered so far. */
  readonly versions: number[];
  /** Stops after the post in flight and returns every answered version and every failure. */
  stop(): Promise<{ versions: number[]; failures: unknown[] }>;
}

/**
 * Posts `in_transit` to an order one request at a time, cycling through `urls`, until stopped: a steady
 * flow of events while the test disturbs something.
 */
export function startPoster(urls: string[], apiKey: string, orderId: string): Poster {
  const versions: number[] = [];
  const failures: unknown[] = [];
  let stopping = false;
  const loop = (async () => {
    for (let i = 0; !stopping; i++) {
      try {
        const response = await client(urls[i % urls.length]!, apiKey).post(`/v1/orders/${orderId}/status`, { status: 'in_transit' });
        if (response.status === 200) versions.push(response.body.version as number);
        else failures.push({ status: response.status, body: response.body });
      } catch (error) {
        failures.push(String(error));
      }
    }
  })();
  return {
    versions,
    stop: async () => {
      stopping = true;
      await loop;
      return { versions, failures };
    },
  };
}

/** Resolves with the url of the TrackingClient's next connection. */
export function nextConnection(live: TrackingClient): Promise<string> {
  return new Promise((resolve) => live.once('connected', (url) => resolve(url)));
}

/**
 * Number of subscribers of each sharded Pub/Sub channel (PUBSUB SHARDNUMSUB), or null when Redis does not
 * answer. Lets a test wait until nodes have re-established the subscriptions it relies on.
 */
export async function shardSubscribers(redisUrl: string, channels: string[]): Promise<number[] | null> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as Array<string | number>;
    return channels.map((_, i) => Number(reply[2 * i + 1]));
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** The sharded adapter's channel for one room (`@socket.io/redis-adapter`, dynamic subscription mode). */
export function adapterRoomChannel(prefix: string, room: string): string {
  return `${prefix}:sio#/#${room}#`;
}

/** The per-order live channel of src/gateways/live-feed.ts. */
export function orderChannel(prefix: string, orderId: string): string {
  return `${prefix}:order:${orderId}`;
}
