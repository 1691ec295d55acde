/**
 * Runs a command (a test run) against a fresh local Redis Cluster: three masters and three replicas on free ports,
 * handed to the command as REDIS_CLUSTER_NODES, stopped when it ends. `.ci/run` runs the live, notify, webhook and
 * rate-limit suites this way.
 *   npx tsx test/support/with-redis-cluster.ts npx jest test/integration/live-smoke.test.ts
 */
import { spawn } from 'node:child_process';
import { startRedisCluster } from './redis-cluster';

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (!command) throw new Error('usage: with-redis-cluster.ts <command> [args…]');
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
