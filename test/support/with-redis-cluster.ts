/**
 * Runs a command (a test run) against a fresh local Redis Cluster: three masters and three replicas on free ports,
 * handed to the command as REDIS_CLUSTER_NODES, stopped when it ends. With no command: the live, notify, webhook,
 * rate-limit and metrics suites (`npm run test:redis-cluster`, part of `npm test`), but for the tests that stop, restart or cut
 * a single Redis server of their own (a cluster's outages are redis-cluster.test.ts's failovers).
 *   npx tsx test/support/with-redis-cluster.ts
 *   npx tsx test/support/with-redis-cluster.ts npx jest test/integration/live/live-smoke.test.ts
 */
import { spawn } from 'node:child_process';
import { startRedisCluster } from './redis-cluster';

const CLUSTER_SUITES = [
  'test/integration/live/live-',
  'test/integration/notify/notify-',
  'test/integration/webhooks/webhook',
  'test/integration/api/rate-limit',
  'test/integration/metrics/promtool',
];
const SINGLE_SERVER_TESTS = ['publisher connection is cut', 'append-only Redis', 'through a Redis outage', 'while Redis is down'];

async function main(): Promise<number> {
  const given = process.argv.slice(2);
  const [command = 'npx', ...args] = given.length > 0 ? given : ['npx', 'jest', ...CLUSTER_SUITES, '-t', `^(?!.*(${SINGLE_SERVER_TESTS.join('|')}))`];
  const cluster = await startRedisCluster();
  process.stderr.write(`redis cluster up: ${cluster.seeds}\n`);
  try {
    const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, REDIS_CLUSTER_NODES: cluster.seeds } });
    return await new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await cluster.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
