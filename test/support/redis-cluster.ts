/**
 * A real local Redis Cluster for tests: three masters and three replicas (redis-servers with `--cluster-enabled yes`
 * on free ports, joined with `redis-cli --cluster create`), which a test can fail over or kill a master of.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { eventually } from './eventually';
import { startRedis, type RedisServer } from './redis-server';

const run = promisify(execFile);

export interface RedisCluster {
  nodes: RedisServer[];
  /** `127.0.0.1:port,…` for REDIS_CLUSTER_NODES. */
  seeds: string;
  /** Ports of the current masters (as the cluster says now). */
  masters(): Promise<number[]>;
  /** Ports of the replicas of a master. */
  replicasOf(masterPort: number): Promise<number[]>;
  /** `CLUSTER FAILOVER` on a replica: it becomes master, cleanly. Resolves once the cluster says so. */
  failover(replicaPort: number): Promise<void>;
  /** SIGKILLs a node. */
  kill(port: number): Promise<void>;
  /** Resolves once every live node reports `cluster_state:ok`. */
  healthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const clusters = new Set<RedisCluster>();

/** Whether `check` holds now; a node mid-restart that cannot answer yet counts as not yet. */
const answers = (check: () => Promise<boolean>) => async (): Promise<boolean> => {
  try {
    return await check();
  } catch {
    return false;
  }
};

/** Starts six nodes and joins them into a cluster of three masters with a replica each. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const nodes = await Promise.all(
    Array.from({ length: 6 }, () =>
      startRedis({
        // Failures are noticed in two seconds: a failover in a test takes seconds, not the default quarter minute.
        args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
      }),
    ),
  );
  const ports = nodes.map((node) => node.port);
  await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes']);
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  const alive = (): RedisServer[] => nodes.filter((node) => node.running);
  const roles = async (): Promise<Array<{ port: number; master: boolean; masterId: string; id: string }>> => {
    const text = await cli(alive()[0]!.port, 'cluster', 'nodes');
    return text
      .trim()
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => !fields[2]!.includes('fail'))
      .map((fields) => ({ id: fields[0]!, port: Number(fields[1]!.split(':')[1]!.split('@')[0]), master: fields[2]!.includes('master'), masterId: fields[3]! }));
  };
  const cluster: RedisCluster = {
    nodes,
    seeds: ports.map((port) => `127.0.0.1:${port}`).join(','),
    masters: async () => (await roles()).filter((node) => node.master).map((node) => node.port),
    replicasOf: async (masterPort) => {
      const all = await roles();
      const master = all.find((node) => node.port === masterPort);
      return all.filter((node) => !node.master && node.masterId === master?.id).map((node) => node.port);
    },
    failover: async (replicaPort) => {
      // A manual failover needs the replica in sync with its master, and gives up if it cannot catch up in time
      // (a busy machine): ask again until it has taken over.
      await eventually(answers(async () => (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up')), `node ${replicaPort} to be in sync`, 15_000, 100);
      await eventually(
        async () => {
          await cli(replicaPort, 'cluster', 'failover');
          const isMaster = answers(async () => (await cli(replicaPort, 'role')).startsWith('master'));
          return eventually(isMaster, `node ${replicaPort} to become master`, 5_000, 100).then(() => true, () => false);
        },
        `node ${replicaPort} to take over`,
        30_000,
        0,
      );
      await cluster.healthy();
    },
    kill: async (port) => {
      await nodes.find((candidate) => candidate.port === port)!.kill();
    },
    healthy: async (timeoutMs = 20_000) => {
      await eventually(
        answers(async () => (await Promise.all(alive().map((node) => cli(node.port, 'cluster', 'info')))).every((info) => info.includes('cluster_state:ok'))),
        'the cluster to be healthy',
        timeoutMs,
        100,
      );
    },
    stop: async () => {
      clusters.delete(cluster);
      await Promise.all(nodes.map((node) => node.kill()));
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
  clusters.add(cluster);
  await cluster.healthy();
  return cluster;
}

/** Stops every cluster started here. For afterAll. */
export async function stopAllRedisClusters(): Promise<void> {
  await Promise.all([...clusters].map((cluster) => cluster.stop()));
}
