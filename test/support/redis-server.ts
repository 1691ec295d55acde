/**
 * The suite's one redis-server launcher: a private server on a port of its own, which a test can stop, start again
 * (on the same port and directory) or kill, for outages the shared Redis on 6379 must not suffer. Cluster nodes
 * (test/support/redis-cluster.ts) are started through it too.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { freePort } from './ports';
import { removeDir, tempDir } from './temp-dir';

export interface RedisServer {
  port: number;
  url: string;
  /** Whether the server process is up. */
  readonly running: boolean;
  /** Shuts it down (SIGTERM: an append-only server writes its file first) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory; resolves once it accepts connections (its file loaded). */
  start(): Promise<void>;
  /** `stop`, then `start`: empty again, unless append-only. */
  restart(): Promise<void>;
  /** Ends it at once (SIGKILL), as a crash would. */
  kill(): Promise<void>;
  /** Stops it and removes its directory. */
  close(): Promise<void>;
}

export interface RedisOptions {
  /**
   * The address it listens on: 127.0.0.1, or one other network namespaces reach (see test/support/netns.ts).
   * @default 127.0.0.1
   */
  host?: string;
  /** @default a free port */
  port?: number;
  /** Keeps every write across a restart: an append-only file, fsynced on every write. @default memory only */
  appendOnly?: boolean;
  /** Further redis-server arguments (a cluster node's). */
  args?: string[];
}

const servers = new Set<RedisServer>();

/** Starts a private, empty redis-server and resolves once it accepts connections. */
export async function startRedis({ host = '127.0.0.1', port, appendOnly = false, args = [] }: RedisOptions = {}): Promise<RedisServer> {
  const chosenPort = port ?? (await freePort());
  const dir = tempDir('redis-');
  const settings = [
    '--port', String(chosenPort), '--bind', host, '--dir', dir, '--save', '', '--loglevel', 'notice',
    ...(appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    // Protected mode refuses every client but loopback ones when there is no password: the test's own server,
    // reached from other namespaces, lets them in.
    ...(host === '127.0.0.1' ? [] : ['--protected-mode', 'no']),
    ...args,
  ];
  let child: ChildProcess | null = await launch(settings);
  const ended = (): boolean => !child || child.exitCode !== null || child.signalCode !== null;
  const end = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };
  const server: RedisServer = {
    port: chosenPort,
    url: `redis://${host}:${chosenPort}`,
    get running() {
      return !ended();
    },
    stop: () => end('SIGTERM'),
    start: async () => {
      if (!ended()) throw new Error('redis-server is already running');
      child = await launch(settings);
    },
    restart: async () => {
      await server.stop();
      await server.start();
    },
    kill: () => end('SIGKILL'),
    close: async () => {
      servers.delete(server);
      await server.stop();
      removeDir(dir);
    },
  };
  servers.add(server);
  return server;
}

/** Closes every server started here. For afterAll. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...servers].map((server) => server.close()));
}

function launch(args: string[], timeoutMs = 10_000): Promise<ChildProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
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
