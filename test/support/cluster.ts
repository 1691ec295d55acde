/**
 * Helpers for multi-process, burst and crash tests: server processes that are always cleaned up, and the
 * checks every "burst of status posts on one order" test shares.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { client } from './http';
import { IP } from './netns';
import { ADMIN_TOKEN, JWT_SECRET, UNLIMITED_BUDGETS } from './node';
import { lineWaiter, type NodeProcess } from './process';

const ROOT = path.resolve(__dirname, '../..');

/** A server process; `output` holds stdout and stderr lines interleaved, `stdout`/`stderr` each stream alone. */
export interface ServerProcess extends NodeProcess {
  stdout: string[];
  stderr: string[];
  /**
   * Resolves with the first line (already written or still to come, stdout or stderr) that `match` accepts;
   * rejects if the process ends or `timeoutMs` passes first.
   */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

type Exit = { code: number | null; signal: NodeJS.Signals | null };

interface Launched {
  process: Omit<ServerProcess, 'url'>;
  /** Resolves with the URL once the server logs it, or with null if the process ends before. */
  listening: Promise<string | null>;
}

/** The Redis key/channel prefix of this test process's nodes. */
export function redisPrefix(): string {
  return `itest-${process.pid}`;
}

/** Every child started through this module that may still be running. */
const children = new Set<Launched['process']>();

/** Entry points a test can start: the server itself, or a test entry that wraps a part of it with a fault. */
export type Entry =
  | 'src/main.ts'
  | 'test/support/entries/crash-after-commit.ts'
  | 'test/support/entries/crash-after-send.ts'
  | 'test/support/entries/crash-before-booking.ts';

/** Where a server process runs. */
export interface LaunchOptions {
  /**
   * A network namespace to run it in (`ip netns exec`, see test/support/netns.ts): a host of its own.
   * @default the test's own namespace
   */
  netns?: string;
}

function launch(dataDir: string, env: Record<string, string>, entry: Entry = 'src/main.ts', options: LaunchOptions = {}): Launched {
  const node = ['--import', 'tsx', path.join(ROOT, entry)];
  // `ip netns exec` execs the command in place, so the child's pid (and its signals) stay the server's.
  const command = options.netns ? IP : process.execPath;
  const args = options.netns ? ['netns', 'exec', options.netns, process.execPath, ...node] : node;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      ADMIN_TOKEN,
      JWT_SECRET,
      LOG_LEVEL: 'info',
      ...UNLIMITED_BUDGETS,
      // Nodes of one test file share their Redis channels (a cluster); other files' nodes do not see them.
      REDIS_PREFIX: redisPrefix(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  // 'close' (not 'exit'): both pipes are drained, so every line the process wrote has been collected.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  const lines = new EventEmitter();
  const waitForLine = lineWaiter(output, lines, exited);
  const proc = { child, exited, output, stdout, stderr, waitForLine };
  children.add(proc);
  void exited.then(() => children.delete(proc));
  readline.createInterface({ input: child.stderr! }).on('line', (line) => {
    output.push(line);
    stderr.push(line);
    lines.emit('line', line);
  });
  const listening = new Promise<string | null>((resolve) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      stdout.push(line);
      lines.emit('line', line);
      const entry = parseJsonLine(line);
      if (typeof entry?.url === 'string') resolve(entry.url);
    });
    void exited.then(() => resolve(null));
  });
  return { process: proc, listening };
}

/**
 * Starts `src/main.ts` on a free port (like `spawnNode`) and resolves once it listens. The child is
 * registered before it listens, so `killAllServers` also reaches one that hangs at start-up.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  startTimeoutMs = 20_000,
  entry: Entry = 'src/main.ts',
  options: LaunchOptions = {},
): Promise<ServerProcess> {
  const { process: proc, listening } = launch(dataDir, env, entry, options);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), startTimeoutMs);
  });
  const url = await Promise.race([listening, timedOut]).finally(() => clearTimeout(timer));
  if (url === 'timeout') {
    proc.child.kill('SIGKILL');
    await proc.exited;
    throw new Error(`server did not listen within ${startTimeoutMs} ms:\n${proc.output.join('\n')}`);
  }
  if (url === null) {
    const { code, signal } = await proc.exited;
    throw new Error(`server exited before listening (code ${code}, signal ${signal}):\n${proc.output.join('\n')}`);
  }
  return { ...proc, url };
}

/** Starts `src/main.ts` expecting it to end by itself (e.g. bad configuration); kills it past the deadline. */
export async function runUntilExit(
  dataDir: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Exit & { stdout: string[]; stderr: string[]; listened: boolean; timedOut: boolean }> {
  const { process: proc, listening } = launch(dataDir, env);
  let listened = false;
  void listening.then((url) => (listened = url !== null));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await proc.exited.finally(() => clearTimeout(timer));
  await listening;
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, listened, timedOut };
}

/** SIGKILLs every child of this module that is still running and waits for each to end. For afterEach/afterAll. */
export async function killAllServers(): Promise<void> {
  const running = [...children];
  for (const proc of running) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
  await Promise.all(running.map((proc) => proc.exited));
}

export function parseJsonLine(line: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A small seeded PRNG (mulberry32), so a shuffled burst is reproducible from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * The event ids of a burst: `distinct` ids, the first `repeated` of them sent twice, shuffled.
 * Length `distinct + repeated`.
 */
export function burstEventIds(prefix: string, distinct: number, repeated: number, seed: number): string[] {
  const ids = Array.from({ length: distinct }, (_, i) => `${prefix}-${i}`);
  return shuffle([...ids, ...ids.slice(0, repeated)], seededRandom(seed));
}

export interface StatusResult {
  eventId: string;
  /** Index of the node the post went to (cluster tests), 0 otherwise. */
  node: number;
  status: number;
  seq: number | null;
  outcome: string | null;
  version: number | undefined;
  error?: unknown;
}

/** POSTs a status change and condenses the answer. */
export async function postStatus(
  url: string,
  apiKey: string,
  orderId: string,
  eventId: string,
  status = 'in_transit',
  node = 0,
): Promise<StatusResult> {
  const response = await client(url, apiKey).post(`/v1/orders/${orderId}/status`, { status, event_id: eventId });
  const seq = response.headers.get('event-seq');
  return {
    eventId,
    node,
    status: response.status,
    seq: seq === null ? null : Number(seq),
    outcome: response.headers.get('event-outcome'),
    version: (response.body as { version?: number } | undefined)?.version,
    error: response.status === 200 ? undefined : response.body,
  };
}

export interface LoggedEvent {
  seq: number | null;
  event_id: string;
  status: string;
  applied: boolean;
  order_id: string;
}

/** Every applied event of an order (GET /v1/orders/:id/events?since_seq=0). */
export async function listEvents(url: string, apiKey: string, orderId: string): Promise<LoggedEvent[]> {
  const response = await client(url, apiKey).get(`/v1/orders/${orderId}/events?since_seq=0&limit=1000`);
  if (response.status !== 200) throw new Error(`GET events failed: ${response.status} ${JSON.stringify(response.body)}`);
  return (response.body as { items: LoggedEvent[] }).items;
}

/** Places an order (business API key) and returns its id. */
export async function placeOrder(url: string, apiKey: string, customerId = 'c1', externalId?: string): Promise<string> {
  const placed = await client(url, apiKey).post('/v1/orders', {
    ...(externalId ? { external_id: externalId } : {}),
    customer: { id: customerId, name: 'Test Customer' },
  });
  if (placed.status !== 201) throw new Error(`placing an order failed: ${placed.status} ${JSON.stringify(placed.body)}`);
  return placed.body.id as string;
}

/** 1..n */
export function range1(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/**
 * The checks of a burst of `in_transit` posts with repeated event ids on one order whose log held
 * `versionBefore` events before the burst.
 */
export function expectConsistentBurst(options: {
  results: StatusResult[];
  events: LoggedEvent[];
  versionBefore: number;
  distinct: number;
  repeated: number;
}): void {
  const { results, events, versionBefore, distinct, repeated } = options;
  const failures = results.filter((r) => r.status !== 200);
  expect(failures).toEqual([]);

  // The log: gap-free, duplicate-free, every event applied, exactly `distinct` new ones.
  const seqs = events.map((e) => e.seq);
  expect(seqs).toEqual(range1(versionBefore + distinct));
  expect(events.every((e) => e.applied)).toBe(true);
  const logIds = events.map((e) => e.event_id);
  expect(new Set(logIds).size).toBe(logIds.length);
  const burstIds = [...new Set(results.map((r) => r.eventId))].sort();
  expect(burstIds).toHaveLength(distinct);
  const newEvents = events.filter((e) => e.seq! > versionBefore);
  expect(newEvents.map((e) => e.event_id).sort()).toEqual(burstIds);
  expect(newEvents.every((e) => e.status === 'in_transit')).toBe(true);

  // Every answer names the seq its event has in the log; one applied answer per event id, the rest duplicates.
  const seqById = new Map(events.map((e) => [e.event_id, e.seq]));
  const wrongSeq = results.filter((r) => r.seq !== seqById.get(r.eventId));
  expect(wrongSeq).toEqual([]);
  const appliedById = new Map<string, number>();
  for (const r of results) {
    expect(['applied', 'duplicate']).toContain(r.outcome);
    if (r.outcome === 'applied') appliedById.set(r.eventId, (appliedById.get(r.eventId) ?? 0) + 1);
    // The order in the answer already contains the event.
    expect(r.version).toBeGreaterThanOrEqual(r.seq!);
  }
  expect([...appliedById.keys()].sort()).toEqual(burstIds);
  expect([...appliedById.values()].every((count) => count === 1)).toBe(true);
  expect(results.filter((r) => r.outcome === 'duplicate')).toHaveLength(repeated);
}
