/**
 * A real local Redis Cluster for tests: three masters and three replicas (`redis-server --cluster-enabled yes` on
 * free ports, joined with `redis-cli --cluster create`), which a test can fail over or kill a master of.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { promisify } from 'node:util';
import { freePort } from './live';

const run = promisify(execFile);

export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export interface RedisCluster {
  nodes: ClusterNode[];
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

/** Starts six nodes and joins them into a cluster of three masters with a replica each. */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  for (let i = 0; i < 6; i++) ports.push(await freePort());
  const nodes = await Promise.all(ports.map((port) => launch(port, dir)));
  await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes']);
  const cli = async (port: number, ...args: string[]): Promise<string> => (await run('redis-cli', ['-p', String(port), ...args])).stdout;
  const alive = (): ClusterNode[] => nodes.filter((node) => node.child.exitCode === null && node.child.signalCode === null);
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
      await until(async () => (await cli(replicaPort, 'info', 'replication')).includes('master_link_status:up'), 15_000, `node ${replicaPort} to be in sync`);
      const deadline = Date.now() + 30_000;
      for (;;) {
        await cli(replicaPort, 'cluster', 'failover');
        try {
          await until(async () => (await cli(replicaPort, 'role')).startsWith('master'), 5_000, `node ${replicaPort} to become master`);
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
        }
      }
      await cluster.healthy();
    },
    kill: async (port) => {
      const node = nodes.find((candidate) => candidate.port === port)!;
      if (node.child.exitCode !== null || node.child.signalCode !== null) return;
      const exited = new Promise((resolve) => node.child.once('exit', resolve));
      node.child.kill('SIGKILL');
      await exited;
    },
    healthy: async (timeoutMs = 20_000) => {
      await until(
        async () => (await Promise.all(alive().map((node) => cli(node.port, 'cluster', 'info')))).every((info) => info.includes('cluster_state:ok')),
        timeoutMs,
        'the cluster to be healthy',
      );
    },
    stop: async () => {
      clusters.delete(cluster);
      await Promise.all(nodes.map((node) => cluster.kill(node.port)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  clusters.add(cluster);
  await cluster.healthy();
  return cluster;
}

/** Stops every cluster started through this module. For afterAll. */
export async function stopAllRedisClusters(): Promise<void> {
  await Promise.all([...clusters].map((cluster) => cluster.stop()));
}

function launch(port: number, dir: string): Promise<ClusterNode> {
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
    // Failures are noticed in two seconds: a failover in a test takes seconds, not the default quarter minute.
    '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning',
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const output: string[] = [];
    const timer = setTimeout(() => reject(new Error(`redis-server ${port} did not start:\n${output.join('\n')}`)), 10_000);
    readline.createInterface({ input: child.stderr! }).on('line', (line) => output.push(line));
    const probe = setInterval(() => {
      execFile('redis-cli', ['-p', String(port), 'ping'], (error, stdout) => {
        if (error || !stdout.includes('PONG')) return;
        clearInterval(probe);
        clearTimeout(timer);
        resolve({ port, child });
      });
    }, 50);
    child.once('exit', (code) => {
      clearInterval(probe);
      clearTimeout(timer);
      reject(new Error(`redis-server ${port} exited (${code}):\n${output.join('\n')}`));
    });
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // a node mid-restart: ask again
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
