/**
 * Helpers for the notification integration tests: an SMTP server and a Twilio stand-in that record what they
 * receive (and can refuse it), in-process and spawned worker-only nodes, a persistent private redis-server,
 * the delivery log and waits on the notifier's `processed` events.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import Redis from 'ioredis';
import { SMTPServer } from 'smtp-server';
import type { Node } from '../../src/node';
import type { Entry } from './cluster';
import type { Client } from './fixtures';
import { freePort } from './live';
import { ADMIN_TOKEN, JWT_SECRET, UNLIMITED_BUDGETS, tempDir } from './node';
import { lineWaiter } from './process';

const ROOT = path.resolve(__dirname, '../..');

let prefixCounter = 0;
/** A REDIS_PREFIX of its own, so BullMQ queues of different tests never mix. */
export function notifyPrefix(name: string): string {
  prefixCounter += 1;
  return `ntf-${name}-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`.slice(0, 64);
}

/** Whether the alert job of (order, seq) is held in the Redis at `redisUrl` (BullMQ's job hash). */
export async function alertJobExists(redisUrl: string, prefix: string, orderId: string, seq: number): Promise<boolean> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.exists(`${prefix}:alerts:${orderId}-${seq}`)) === 1;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under `prefix` (BullMQ queues) from a Redis. */
export async function dropPrefix(prefix: string, redisUrl = 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // best effort
  } finally {
    redis.disconnect();
  }
}

/** A list that can be awaited until it holds `n` entries. */
class Recorded<T> {
  readonly items: T[] = [];
  private readonly changed = new EventEmitter();

  push(item: T): void {
    this.items.push(item);
    this.changed.emit('push');
  }

  /** Resolves with the first `n` entries that `match` accepts, once there are that many. */
  waitFor(n: number, what: string, timeoutMs = 15_000, match: (item: T) => boolean = () => true): Promise<T[]> {
    const matching = () => this.items.filter(match);
    if (matching().length >= n) return Promise.resolve(matching().slice(0, n));
    return new Promise((resolve, reject) => {
      const onPush = (): void => {
        const found = matching();
        if (found.length < n) return;
        clearTimeout(timer);
        this.changed.off('push', onPush);
        resolve(found.slice(0, n));
      };
      const timer = setTimeout(() => {
        this.changed.off('push', onPush);
        reject(new Error(`only ${matching().length} of ${n} ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.changed.on('push', onPush);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// SMTP

export interface SmtpMessage {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  /** The decoded text/plain part. */
  text: string;
  /** The decoded text/html part. */
  html: string;
  raw: string;
}

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpServerHandle {
  url: string;
  /** Accepted messages, in arrival order. */
  messages: SmtpMessage[];
  /** Every RCPT TO, with the code it was answered with. */
  rcpts: Array<{ address: string; code: number }>;
  waitForMessages(n: number, timeoutMs?: number): Promise<SmtpMessage[]>;
  /** Resolves once `n` messages to `address` have been accepted. */
  waitForMessagesTo(address: string, n?: number, timeoutMs?: number): Promise<SmtpMessage[]>;
  messagesTo(address: string): SmtpMessage[];
  close(): Promise<void>;
}

/**
 * An SMTP server on a free port. `failWith(rcpt, attempt)` (attempt: 1 for the first RCPT TO of that address)
 * may refuse a recipient with an SMTP code; null accepts it. `hold` delays the answer to a message's data.
 */
export async function startSmtp(
  options: {
    failWith?: (rcpt: string, attempt: number) => SmtpReply | null;
    /** Called once a message's data is in; the message is accepted (250, recorded) when the result settles. */
    hold?: (message: SmtpMessage) => Promise<void> | void;
  } = {},
): Promise<SmtpServerHandle> {
  const messages = new Recorded<SmtpMessage>();
  const rcpts: Array<{ address: string; code: number }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    closeTimeout: 1000,
    onRcptTo(address, _session, callback) {
      const attempt = rcpts.filter((r) => r.address === address.address).length + 1;
      const refusal = options.failWith?.(address.address, attempt) ?? null;
      rcpts.push({ address: address.address, code: refusal?.code ?? 250 });
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        const message = { ...parseMail(raw), from, to: session.envelope.rcptTo.map((r) => r.address), raw };
        void Promise.resolve(options.hold?.(message)).then(() => {
          messages.push(message);
          callback();
        });
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages: messages.items,
    rcpts,
    waitForMessages: (n, timeoutMs) => messages.waitFor(n, 'emails', timeoutMs),
    waitForMessagesTo: (address, n = 1, timeoutMs) =>
      messages.waitFor(n, `emails to ${address}`, timeoutMs, (m) => m.to.includes(address)),
    messagesTo: (address) => messages.items.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers and decoded text/html parts of a (nodemailer-built) message. */
function parseMail(raw: string): Pick<SmtpMessage, 'subject' | 'messageId' | 'text' | 'html'> {
  const { headers, body } = splitPart(raw);
  const parts: Array<{ headers: Map<string, string>; body: string }> = [];
  const boundary = /boundary="?([^";]+)"?/i.exec(headers.get('content-type') ?? '')?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      parts.push(splitPart(chunk.replace(/^\r?\n/, '')));
    }
  } else {
    parts.push({ headers, body });
  }
  const partOf = (type: string) => {
    const part = parts.find((p) => (p.headers.get('content-type') ?? 'text/plain').startsWith(type));
    return part ? decodeBody(part.body, part.headers.get('content-transfer-encoding') ?? '7bit') : '';
  };
  return {
    subject: headers.get('subject') ?? '',
    messageId: headers.get('message-id') ?? '',
    text: partOf('text/plain'),
    html: partOf('text/html'),
  };
}

function splitPart(raw: string): { headers: Map<string, string>; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  const head = match ? raw.slice(0, match.index) : raw;
  const body = match ? raw.slice(match.index + match[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string): string {
  switch (encoding.toLowerCase()) {
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    default:
      return body;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Twilio

export interface SmsRequest {
  method: string;
  path: string;
  /** Basic auth user (account SID) and password (auth token). */
  user: string;
  password: string;
  to: string;
  from: string;
  body: string;
  /** HTTP status answered. */
  status: number;
}

export interface TwilioStandIn {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  requests: SmsRequest[];
  waitForRequests(n: number, timeoutMs?: number): Promise<SmsRequest[]>;
  /** Resolves once `n` requests for `to` have been answered. */
  waitForRequestsTo(to: string, n?: number, timeoutMs?: number): Promise<SmsRequest[]>;
  /** Requests that were answered 201 (the message was taken). */
  accepted(): SmsRequest[];
  /** TWILIO_* settings pointing at this stand-in. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

export const INVALID_NUMBER = {
  status: 400,
  body: {
    code: 21211,
    message: "The 'To' number is not a valid phone number.",
    more_info: 'https://www.twilio.com/docs/errors/21211',
    status: 400,
  },
};

/**
 * A local stand-in for Twilio's Messages API. `respond(to, attempt)` (attempt: 1 for the first request to
 * that number) may answer with an error; null (or no `respond`) accepts the message with 201.
 */
export async function startTwilioStandIn(
  options: { respond?: (to: string, attempt: number) => { status: number; body: unknown } | null } = {},
): Promise<TwilioStandIn> {
  const accountSid = 'AC00000000000000000000000000000001';
  const authToken = 'stand-in-auth-token';
  const from = '+15005550006';
  const requests = new Recorded<SmsRequest>();
  let counter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const [user = '', password = ''] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString('utf8')
        .split(':');
      const to = form.get('To') ?? '';
      const attempt = requests.items.filter((r) => r.to === to).length + 1;
      const expectedPath = `/2010-04-01/Accounts/${accountSid}/Messages.json`;
      let answer: { status: number; body: unknown };
      if (req.method !== 'POST' || req.url !== expectedPath || user !== accountSid || password !== authToken) {
        answer = { status: 404, body: { code: 20404, message: 'not found', status: 404 } };
      } else {
        counter += 1;
        answer = options.respond?.(to, attempt) ?? {
          status: 201,
          body: { sid: `SM${String(counter).padStart(32, '0')}`, status: 'queued', to, from: form.get('From'), body: form.get('Body') },
        };
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        user,
        password,
        to,
        from: form.get('From') ?? '',
        body: form.get('Body') ?? '',
        status: answer.status,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    accountSid,
    authToken,
    from,
    requests: requests.items,
    waitForRequests: (n, timeoutMs) => requests.waitFor(n, 'SMS requests', timeoutMs),
    waitForRequestsTo: (to, n = 1, timeoutMs) => requests.waitFor(n, `SMS requests to ${to}`, timeoutMs, (r) => r.to === to),
    accepted: () => requests.items.filter((r) => r.status === 201),
    env: () => ({ TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, TWILIO_API_BASE: url }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes and processes

export const MAIL_FROM = 'alerts@shop.example';

/** The settings every notification test node gets: both channels pointed at the stand-ins, fast retries. */
export function notifyEnv(
  prefix: string,
  channels: { smtp?: SmtpServerHandle; twilio?: TwilioStandIn },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    REDIS_PREFIX: prefix,
    NOTIFY_BACKOFF_MS: '200',
    NOTIFY_ATTEMPTS: '3',
    MAIL_FROM,
    ...(channels.smtp ? { SMTP_URL: channels.smtp.url } : {}),
    ...(channels.twilio ? channels.twilio.env() : {}),
    ...extra,
  };
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<Exit>;
  output: string[];
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGKILLs the process if it still runs and waits for it to end. */
  kill(): Promise<Exit>;
}

const workerChildren = new Set<WorkerProcess>();

/** Spawns `entry` with PROCESS_ROLE=worker and resolves once it logs its `"worker":true` line. */
export async function spawnWorker(
  dataDir: string,
  env: Record<string, string>,
  startTimeoutMs = 20_000,
  entry: Entry = 'src/main.ts',
): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN, JWT_SECRET, LOG_LEVEL: 'info', ...UNLIMITED_BUDGETS, ...env, PROCESS_ROLE: 'worker' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const lines = new EventEmitter();
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  for (const stream of [child.stdout!, child.stderr!]) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      lines.emit('line', line);
    });
  }
  const waitForLine = lineWaiter(output, lines, exited);
  const proc: WorkerProcess = {
    child,
    exited,
    output,
    waitForLine,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
  workerChildren.add(proc);
  void exited.then(() => workerChildren.delete(proc));
  try {
    await waitForLine((line) => line.includes('"worker":true'), startTimeoutMs);
  } catch (error) {
    await proc.kill();
    throw error;
  }
  return proc;
}

/** SIGKILLs every worker process spawned here that still runs. For afterAll. */
export async function killAllWorkers(): Promise<void> {
  await Promise.all([...workerChildren].map((proc) => proc.kill()));
}

// ---------------------------------------------------------------------------------------------------------------
// A private redis-server whose data survives a restart (append-only file, fsync on every write)

export interface PersistentRedis {
  port: number;
  url: string;
  /** SHUTDOWN (SIGTERM: the AOF is flushed) and wait for the exit. */
  stop(): Promise<void>;
  /** Start again on the same port and directory; resolves once it accepts connections (the AOF is loaded). */
  start(): Promise<void>;
  /** Stop and remove the data directory. */
  close(): Promise<void>;
}

export async function startPersistentRedis(options: { persistent?: boolean } = {}): Promise<PersistentRedis> {
  const port = await freePort();
  const dir = tempDir('notify-redis-');
  const persistence =
    options.persistent === false
      ? ['--save', '', '--appendonly', 'no']
      : ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir];
  let child: ChildProcess | null = null;
  const launch = (): Promise<ChildProcess> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`redis-server did not start:\n${output.join('\n')}`));
      }, 10_000);
      readline.createInterface({ input: proc.stderr! }).on('line', (line) => output.push(line));
      readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(proc);
        }
      });
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code ?? signal}) before it was ready:\n${output.join('\n')}`));
      });
    });
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  child = await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: async () => {
      if (child) throw new Error('redis-server is already running');
      child = await launch();
    },
    close: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Alerts

export type Outcome = { kind: 'sent'; channel: string } | { kind: 'skipped'; reason: string } | { kind: 'failed' };

/** Every alert job a node finished, awaitable per (order, seq). Attach before the status is posted. */
export class ProcessedRecorder {
  readonly seen: Array<{ orderId: string; seq: number; outcome: Outcome }> = [];
  private readonly changed = new EventEmitter();
  private readonly detachers: Array<() => void> = [];

  constructor(nodes: Node[]) {
    for (const node of nodes) {
      const listener = (orderId: string, seq: number, outcome: Outcome): void => {
        this.seen.push({ orderId, seq, outcome });
        this.changed.emit('seen');
      };
      // An API-only node runs no alert jobs.
      const { notifier } = node.parts;
      if (!notifier) continue;
      notifier.events.on('processed', listener);
      this.detachers.push(() => notifier.events.off('processed', listener));
    }
  }

  /** The outcome of the alert (orderId, seq), once a job for it has finished on one of the nodes. */
  outcome(orderId: string, seq: number, timeoutMs = 15_000): Promise<Outcome> {
    const find = () => this.seen.find((entry) => entry.orderId === orderId && entry.seq === seq);
    const found = find();
    if (found) return Promise.resolve(found.outcome);
    return new Promise((resolve, reject) => {
      const onSeen = (): void => {
        const entry = find();
        if (!entry) return;
        clearTimeout(timer);
        this.changed.off('seen', onSeen);
        resolve(entry.outcome);
      };
      const timer = setTimeout(() => {
        this.changed.off('seen', onSeen);
        reject(new Error(`alert ${orderId}#${seq} not processed within ${timeoutMs} ms; seen ${JSON.stringify(this.seen)}`));
      }, timeoutMs);
      this.changed.on('seen', onSeen);
    });
  }

  of(orderId: string): Array<{ seq: number; outcome: Outcome }> {
    return this.seen.filter((entry) => entry.orderId === orderId);
  }

  detach(): void {
    for (const detach of this.detachers) detach();
  }
}

export interface LogEntry {
  channel: 'websocket' | 'email' | 'sms';
  status: 'sent' | 'failed' | 'skipped';
  seq: number;
  attempts: number;
  at: string;
  reason?: string;
  error?: string;
}

/** GET /v1/orders/:id/notifications, failing on anything but 200. */
export async function deliveryLog(api: Client, orderId: string): Promise<LogEntry[]> {
  const response = await api.get(`/v1/orders/${orderId}/notifications`);
  if (response.status !== 200) throw new Error(`GET notifications: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items as LogEntry[];
}

/** Polls the delivery log until `done` holds (for alerts run by another process, which has no event to await). */
export async function waitForLog(
  api: Client,
  orderId: string,
  done: (items: LogEntry[]) => boolean,
  timeoutMs = 20_000,
): Promise<LogEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await deliveryLog(api, orderId);
    if (done(items)) return items;
    if (Date.now() > deadline) throw new Error(`delivery log of ${orderId} not as expected within ${timeoutMs} ms: ${JSON.stringify(items)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Posts a status and fails unless it was applied; returns its seq. */
export async function postStatus(api: Client, orderId: string, status: string, eventId?: string): Promise<number> {
  const response = await api.post(`/v1/orders/${orderId}/status`, eventId ? { status, event_id: eventId } : { status });
  if (response.status !== 200) throw new Error(`posting ${status}: ${response.status} ${JSON.stringify(response.body)}`);
  return Number(response.headers.get('event-seq') ?? response.body.version);
}
