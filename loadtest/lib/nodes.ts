import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import pg from 'pg';
import { dropPrefix } from '../../test/support/redis-keys';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789';
export const JWT_SECRET = 'bench-jwt-secret-0123456789-0123456789-abcdef';
const ROOT = path.resolve(__dirname, '../..');

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  pid: number;
}

/** The PostgreSQL server benchmarks use with `--pg 1` (a schema of their own in it, dropped afterwards). */
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Server processes of one benchmark: own temp DATA_DIR and Redis prefix, all stopped by `stop()`. With `postgres`,
 * every node uses PostgreSQL (a schema of the run's own) instead of the embedded store.
 */
export class Nodes {
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
  readonly prefix = `bench-${process.pid}-${Date.now()}`;
  /** The run's PostgreSQL schema, or null on the embedded store. */
  readonly schema: string | null;
  private readonly children: ChildProcess[] = [];
  private readonly scratch: string[] = [];

  constructor(options: { postgres?: boolean } = {}) {
    this.schema = options.postgres ? `bench_${process.pid}_${Date.now().toString(36)}` : null;
  }

  /** Another schema of this run (dropped with the run's own), e.g. for a node that must start on an empty store. */
  scratchSchema(suffix: string): string {
    if (!this.schema) throw new Error('scratchSchema: this run is on the embedded store');
    const name = `${this.schema}_${suffix}`;
    this.scratch.push(name);
    return name;
  }

  /** What the store is, for reports. */
  get storeName(): string {
    return this.schema ? 'PostgreSQL' : 'SQLite';
  }

  /** Starts a node (or a worker with `PROCESS_ROLE=worker`); resolves when it is ready. */
  start(env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
    return this.startScript('src/main.ts', env, nodeArgs);
  }

  /** Starts any script of the repository that logs a JSON line with `url` (or `worker`) once ready. */
  startScript(script: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<ServerProcess> {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, script)], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: '0',
        DATA_DIR: this.dataDir,
        ADMIN_TOKEN,
        JWT_SECRET,
        REDIS_PREFIX: this.prefix,
        LOG_LEVEL: 'info',
        // The load generator drives a few tokens far harder than any person would; the limiter still runs (its cost
        // is part of what is measured) but never refuses. The ratelimit benchmark sets its own budgets.
        RATE_LIMIT_BUSINESS: '100000000/s',
        RATE_LIMIT_USER: '100000000/s',
        RATE_LIMIT_ANON: '100000000/s',
        ...(this.schema ? { DATABASE_URL: BENCH_DATABASE_URL, DATABASE_SCHEMA: this.schema } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { url?: string; worker?: boolean };
          if (entry.url || entry.worker) resolve({ url: entry.url ?? '', child, pid: child.pid! });
        } catch {
          // not a log line
        }
      });
      child.once('exit', (code) => reject(new Error(`server exited early (${code})`)));
    });
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    fs.rmSync(this.dataDir, { recursive: true, force: true });
    await this.dropRedisKeys();
    for (const schema of [...(this.schema ? [this.schema] : []), ...this.scratch]) await this.dropSchema(schema);
  }

  private async dropSchema(schema: string): Promise<void> {
    const client = new pg.Client({ connectionString: BENCH_DATABASE_URL });
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } catch {
      // The database gone: nothing to clean
    } finally {
      await client.end().catch(() => {});
    }
  }

  /** Deletes the keys the run left under its prefix (BullMQ queues and metadata). */
  private async dropRedisKeys(): Promise<void> {
    await dropPrefix(this.prefix, process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  }
}

/** JSON POST with a bearer token; throws on a non-2xx answer. */
export async function post<T = Record<string, string>>(url: string, token: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (response.status === 204 ? {} : await response.json()) as T;
}

/** A tenant with its API key, created through the API. */
export async function tenant(url: string): Promise<string> {
  const created = await post<{ api_key: string }>(`${url}/v1/tenants`, ADMIN_TOKEN, { name: 'Bench' });
  return created.api_key;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function inBatches<T, R>(items: T[], concurrency: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index]!, index);
      }
    }),
  );
  return results;
}

/** Commands the benchmarks' Redis has processed so far (INFO stats): read before and after a phase for its cost. */
export async function redisCommandsProcessed(): Promise<number> {
  return (await redisCounters()).total;
}

/**
 * What the benchmarks' Redis has processed so far: every command (INFO stats `total_commands_processed`, which
 * counts the commands a Lua script runs as well as the script's own call) and the calls per command (INFO
 * commandstats, where a script's inner commands count under their own names and the script under `evalsha`).
 */
export async function redisCounters(): Promise<{ total: number; byCommand: Map<string, number> }> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  try {
    const total = Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
    const byCommand = new Map<string, number>();
    for (const [, command, calls] of (await redis.info('commandstats')).matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) byCommand.set(command!, Number(calls));
    return { total, byCommand };
  } finally {
    redis.disconnect();
  }
}

/**
 * Waits until `count` jobs of a BullMQ queue of the run (under `prefix`) wait to be worked on (a backlog queued
 * before a worker starts); `what` names them in progress lines and in the error after `timeoutMs`.
 */
export async function waitForQueued(
  queueName: string,
  prefix: string,
  count: number,
  what: string,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<void> {
  const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', () => {});
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
      const queued = Object.values(counts).reduce((sum, value) => sum + value, 0);
      progress(`${what} queued ${queued.toLocaleString()}/${count.toLocaleString()}`);
      if (queued >= count) return;
      if (Date.now() > deadline) throw new Error(`only ${queued} of ${count} ${what} were queued within ${timeoutMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
