/**
 * Nodes in the test's own process: what a test observes or drives inside a node (`node.parts`) is at hand, and a
 * pair of them sharing one DATA_DIR and REDIS_PREFIX is a cluster on one machine.
 */
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { openStore } from '../../src/main';
import { Metrics } from '../../src/metrics';
import { startNode, type Node, type NodeDeps } from '../../src/node';
import { testNodeSettings } from './node-settings';
import { removeDir, tempDir } from './temp-dir';

export interface TestNode {
  /** The running node; what a test observes or drives in it is `node.parts`. */
  node: Node;
  url: string;
  dataDir: string;
  /** Stops the node and, unless `keepData`, removes its data directory. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/** What a test may hand a node besides its settings. */
export interface StartOptions {
  dataDir?: string;
  env?: Record<string, string>;
  redisUrlFor?: NodeDeps['redisUrlFor'];
  /** Resolves webhook host names (SSRF tests). */
  resolve?: NodeDeps['resolve'];
  /** The alert workers' clock (quiet-hours tests). */
  alertClock?: NodeDeps['alertClock'];
  /** The retention sweep's clock and period (retention tests turn the clock and sweep by hand). */
  retention?: NodeDeps['retention'];
  /** The clock confirmation codes are issued and checked by (expiry tests). */
  contactClock?: NodeDeps['contactClock'];
  /** The clock courier invites are issued and spent by (expiry tests). */
  courierClock?: NodeDeps['courierClock'];
  /** The clock attachment links are signed and checked by (link expiry tests). */
  attachmentClock?: NodeDeps['attachmentClock'];
  /** The certificate of a test's own push service (test/support/push-service.ts). */
  pushCa?: NodeDeps['pushCa'];
  /** Where verified payment provider events go (tests record them). */
  providerEvents?: NodeDeps['providerEvents'];
  /** The payment providers' verifiers (tests check the route with their own). */
  verifiers?: NodeDeps['verifiers'];
}

/** Starts a node in this process on port 0, by default with a real SQLite file in a temp dir. */
export async function startTestNode(options: StartOptions = {}): Promise<TestNode> {
  const dataDir = options.dataDir ?? tempDir();
  const config = loadConfig({
    ...testNodeSettings(dataDir, 'silent'),
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
    contactClock: options.contactClock,
    courierClock: options.courierClock,
    attachmentClock: options.attachmentClock,
    pushCa: options.pushCa,
    providerEvents: options.providerEvents,
    verifiers: options.verifiers,
  });
  if (!node.url) throw new Error('startTestNode starts HTTP nodes only');
  return {
    node,
    url: node.url,
    dataDir,
    close: async ({ keepData = false } = {}) => {
      await node.stop();
      if (!keepData && !options.dataDir) removeDir(dataDir);
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
