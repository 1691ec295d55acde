/**
 * Processes for tests: the suite's one spawner of Node.js entry points (a node from src/main.ts or from a test entry
 * that wraps a part of it, a worker-only node, the demo). Each process's output is collected line by line and can be
 * awaited per line, and every process is registered before it can fail to start, so `killAllProcesses` in an
 * afterEach/afterAll reaches it, also one that hangs at start-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import readline from 'node:readline';
import { unique } from './ids';
import { IP } from './netns';
import { testNodeSettings } from './node-settings';

const ROOT = path.resolve(__dirname, '../..');

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** Entry points a test can start: the server, a test entry that wraps a part of it, or the demo. */
export type Entry =
  | 'src/main.ts'
  | 'src/demo/main.ts'
  | 'test/support/entries/crash-after-commit.ts'
  | 'test/support/entries/crash-after-send.ts'
  | 'test/support/entries/crash-before-booking.ts'
  | 'test/support/entries/store-wait-reported.ts';

export interface TestProcess {
  child: ChildProcess;
  /** Resolves once the process has ended and both pipes are drained: every line it wrote is in `output` by then. */
  exited: Promise<Exit>;
  /** Lines of stdout and stderr, interleaved as they came. */
  output: string[];
  stdout: string[];
  stderr: string[];
  /**
   * Resolves with the first line (written already or still to come, stdout or stderr) that `match` accepts;
   * rejects if the process ends or `timeoutMs` passes first.
   */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Sends `signal` unless the process has ended, and waits for the end. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Every process started here that may still be running. */
const running = new Set<TestProcess>();

export interface ProcessOptions {
  /** Settings on top of this process's environment. */
  env?: Record<string, string>;
  /**
   * A network namespace to run it in (`ip netns exec`, see test/support/netns.ts): a host of its own.
   * @default the test's own namespace
   */
  netns?: string;
}

/** Starts `entry` (with tsx) from the repository root. */
export function spawnProcess(entry: Entry, { env = {}, netns }: ProcessOptions = {}): TestProcess {
  const node = ['--import', 'tsx', path.join(ROOT, entry)];
  // `ip netns exec` execs the command in place, so the child's pid (and its signals) stay the server's.
  const child = netns
    ? spawn(IP, ['netns', 'exec', netns, process.execPath, ...node], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, node, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines = new EventEmitter();
  // 'close' (not 'exit'): both pipes are drained, so every line the process wrote has been collected.
  const exited = new Promise<Exit>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  for (const [stream, own] of [
    [child.stdout!, stdout],
    [child.stderr!, stderr],
  ] as const) {
    readline.createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      own.push(line);
      lines.emit('line', line);
    });
  }
  const waitForLine = (match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> => {
    const seen = output.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        lines.off('line', onLine);
      };
      const onLine = (line: string): void => {
        if (!match(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching line within ${timeoutMs} ms:\n${output.join('\n')}`));
      }, timeoutMs);
      lines.on('line', onLine);
      void exited.then(({ code, signal }) => {
        done();
        const late = output.find(match);
        if (late !== undefined) resolve(late);
        else reject(new Error(`process ended (code ${code}, signal ${signal}) without a matching line:\n${output.join('\n')}`));
      });
    });
  };
  const proc: TestProcess = {
    child,
    exited,
    output,
    stdout,
    stderr,
    waitForLine,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** SIGKILLs every process started here that still runs, and waits for each to end. For afterEach/afterAll. */
export async function killAllProcesses(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.stop('SIGKILL')));
}

/** A line of a node's JSON log, or null for any other line. */
export function parseJsonLine(line: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(line);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The REDIS_PREFIX of this test file's nodes: they are one cluster, and other files' nodes do not see them. */
const FILE_PREFIX = unique('itest');

export interface NodeOptions {
  /** Settings on top of the test node's (port 0, the suite's credentials, unlimited budgets, the file's prefix). */
  env?: Record<string, string>;
  /** @default src/main.ts */
  entry?: Entry;
  netns?: string;
  /** How long it may take to start before it is killed and the start fails. @default 20 s */
  startTimeoutMs?: number;
}

/** A node process that serves HTTP. */
export interface NodeProcess extends TestProcess {
  url: string;
}

/** A node process on its way up: the process at once (its lines can be awaited), `ready` once it listens. */
export interface StartingNode extends TestProcess {
  ready: Promise<NodeProcess>;
}

function nodeEnv(dataDir: string, env: Record<string, string>): Record<string, string> {
  // LOG_LEVEL info: the node says it listens, and where, in an info line.
  return { ...testNodeSettings(dataDir, 'info'), REDIS_PREFIX: FILE_PREFIX, ...env };
}

/**
 * Starts a node on `dataDir` and returns it at once; `ready` resolves once it logs the URL it listens on. A node that
 * does not get there within `startTimeoutMs`, or ends first, fails `ready` with its output (and is killed).
 */
export function launchNode(dataDir: string, { env = {}, entry = 'src/main.ts', netns, startTimeoutMs = 45_000 }: NodeOptions = {}): StartingNode {
  const proc = spawnProcess(entry, { env: nodeEnv(dataDir, env), netns });
  const ready = proc.waitForLine((line) => typeof parseJsonLine(line)?.url === 'string', startTimeoutMs).then(
    (line): NodeProcess => ({ ...proc, url: parseJsonLine(line)!.url as string }),
    async (error: unknown) => {
      await proc.stop('SIGKILL');
      throw new Error(`the node did not start listening: ${(error as Error).message}`);
    },
  );
  // A test that fails before it awaits `ready` must not leave its rejection unhandled.
  ready.catch(() => {});
  return { ...proc, ready };
}

/** Starts a node on `dataDir` and resolves once it listens (see {@link launchNode}). */
export function spawnNode(dataDir: string, options: NodeOptions = {}): Promise<NodeProcess> {
  return launchNode(dataDir, options).ready;
}

/** Starts a worker-only node (PROCESS_ROLE=worker, no HTTP) and resolves once it logs its `"worker":true` line. */
export async function spawnWorker(dataDir: string, { env = {}, entry = 'src/main.ts', startTimeoutMs = 45_000 }: Omit<NodeOptions, 'netns'> = {}): Promise<TestProcess> {
  const proc = spawnProcess(entry, { env: { ...nodeEnv(dataDir, env), PROCESS_ROLE: 'worker' } });
  try {
    await proc.waitForLine((line) => line.includes('"worker":true'), startTimeoutMs);
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }
  return proc;
}

/** Starts a node expecting it to end by itself (bad configuration); kills it past the deadline. */
export async function runUntilExit(
  dataDir: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<Exit & { stdout: string[]; stderr: string[]; listened: boolean; timedOut: boolean }> {
  const proc = spawnProcess('src/main.ts', { env: nodeEnv(dataDir, env) });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.child.kill('SIGKILL');
  }, timeoutMs);
  const exit = await proc.exited.finally(() => clearTimeout(timer));
  const listened = proc.stdout.some((line) => typeof parseJsonLine(line)?.url === 'string');
  return { ...exit, stdout: proc.stdout, stderr: proc.stderr, listened, timedOut };
}
