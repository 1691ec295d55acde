import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { Metrics } from '../../src/metrics';
import { startNode, type Node, type NodeDeps } from '../../src/node';
import { openStore } from '../../src/main';
import { client } from './http';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const JWT_SECRET = 'test-jwt-secret-0123456789-0123456789-abcdef';
/**
 * Request budgets far above anything a test sends: tests hammer one token or address much harder than a person
 * would. The rate-limit tests set their own.
 */
export const UNLIMITED_BUDGETS = { RATE_LIMIT_BUSINESS: '100000000/s', RATE_LIMIT_USER: '100000000/s', RATE_LIMIT_ANON: '100000000/s' };

/** A fresh temporary directory, removed by `removeDir`. */
export function tempDir(prefix = 'tracking-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export interface TestNode {
  /** The running node; what a test observes or drives in it is `node.parts`. */
  node: Node;
  url: string;
  dataDir: string;
  /** Stops the node and, unless `keepData`, removes its data directory. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** Starts a node in this process on port 0, by default with a real SQLite file in a temp dir. */
export async function startTestNode(
  options: {
    dataDir?: string;
    env?: Record<string, string>;
    redisUrlFor?: NodeDeps['redisUrlFor'];
    /** Resolves webhook host names (SSRF tests). */
    resolve?: NodeDeps['resolve'];
    /** The alert workers' clock (quiet-hours tests). */
    alertClock?: NodeDeps['alertClock'];
    /** The retention sweep's clock and period (retention tests turn the clock and sweep by hand). */
    retention?: NodeDeps['retention'];
  } = {},
): Promise<TestNode> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    ADMIN_TOKEN,
    JWT_SECRET,
    LOG_LEVEL: 'silent',
    ...UNLIMITED_BUDGETS,
    // The cluster suites run with REDIS_CLUSTER_NODES set (test/support/with-redis-cluster.ts): in-process nodes
    // take it like spawned ones, which inherit the environment.
    ...(process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES } : {}),
    ...options.env,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const metrics = new Metrics();
  // The store the settings choose: the embedded one, or PostgreSQL with DATABASE_URL (see test/support/postgres.ts).
  const store = openStore(config.store, metrics, logger);
  const node = await startNode({
    config,
    logger,
    store,
    metrics,
    redisUrlFor: options.redisUrlFor,
    resolve: options.resolve,
    alertClock: options.alertClock,
    retention: options.retention,
  });
  if (!node.url) throw new Error('startTestNode starts HTTP nodes only');
  return {
    node,
    url: node.url!,
    dataDir,
    close: async ({ keepData = false } = {}) => {
      await node.stop();
      if (!keepData && !options.dataDir) removeDir(dataDir);
    },
  };
}

export interface Tenant {
  id: string;
  apiKey: string;
  /** Mints a customer/courier/staff token through the API. */
  token(role: 'customer' | 'courier' | 'staff', subject: string, ttlSeconds?: number): Promise<string>;
}

/** Creates a tenant through the API. */
export async function createTenant(url: string, name = 'Acme'): Promise<Tenant> {
  const created = await client(url, ADMIN_TOKEN).post('/v1/tenants', { name });
  if (created.status !== 201) throw new Error(`tenant creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  const apiKey = created.body.api_key as string;
  return {
    id: created.body.id,
    apiKey,
    token: async (role, subject, ttlSeconds = 3600) => {
      const minted = await client(url, apiKey).post('/v1/tokens', { role, subject, ttl_s: ttlSeconds });
      if (minted.status !== 201) throw new Error(`token mint failed: ${minted.status}`);
      return minted.body.token as string;
    },
  };
}

export interface TestPair {
  a: TestNode;
  b: TestNode;
  /** Stops both nodes and removes their shared data directory. */
  close(): Promise<void>;
}

/** Two in-process nodes sharing one DATA_DIR and `env` (the same REDIS_PREFIX): a cluster on one machine. */
export async function startPair(env: Record<string, string>, dataDir: string = tempDir()): Promise<TestPair> {
  const a = await startTestNode({ dataDir, env });
  const b = await startTestNode({ dataDir, env }).catch(async (error: unknown) => {
    await a.close({ keepData: true });
    throw error;
  });
  return {
    a,
    b,
    close: async () => {
      await a.close({ keepData: true });
      await b.close({ keepData: true });
      removeDir(dataDir);
    },
  };
}
