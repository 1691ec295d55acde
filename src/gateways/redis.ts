import Redis, { Cluster, type ClusterNode, type RedisOptions } from 'ioredis';
import type { ConnectionWatch } from '../dependency-state';

/** A connection to one Redis server or to a Redis Cluster (`REDIS_CLUSTER_NODES`): every Redis user takes either. */
export type RedisClient = Redis | Cluster;

/** Where the node's Redis is: one server by URL, or the seed nodes of a Redis Cluster. */
export type RedisTarget = { url: string } | { cluster: ClusterNode[] };

export interface RedisConnectionOptions extends RedisOptions {
  /**
   * The connection subscribes to sharded channels (`SSUBSCRIBE`): on a cluster it keeps one subscriber per shard, so
   * each channel is subscribed on the node that owns its slot.
   */
  sharded?: boolean;
  /**
   * `redis_commands_total{connection}`: each command the connection (and any duplicate made of it, such as BullMQ's
   * blocking connection) sends is counted under its name. @default not counted
   */
  commands?: CommandCounter;
}

/** Counts a connection's commands: prom-client's `Counter<'connection'>`, narrowed. */
export interface CommandCounter {
  labels(labels: { connection: string }): { inc(): void };
}

// Reconnect forever, backing off to at most 2 s so pushes resume soon after Redis is back.
const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 6), 2000);

/**
 * An ioredis connection that never crashes the process: its errors and its recovery go to `watch` (the node's Redis
 * state, which says an outage once for all connections), and the client reconnects forever with capped backoff,
 * restoring its subscriptions. On a cluster, commands follow slot moves and
 * failovers (ioredis refreshes the slot map on MOVED/ASK and on connection loss).
 */
export function createRedis(target: RedisTarget, name: string, watch: ConnectionWatch, options: RedisConnectionOptions = {}): RedisClient {
  const { sharded = false, commands, ...redisOptions } = options;
  const client: RedisClient =
    'url' in target
      ? new Redis(target.url, { connectionName: name, retryStrategy, lazyConnect: false, ...redisOptions })
      : new Cluster(target.cluster, {
          clusterRetryStrategy: retryStrategy,
          enableOfflineQueue: redisOptions.enableOfflineQueue ?? true,
          shardedSubscribers: sharded,
          // A failover takes the cluster a few seconds: commands wait for the new slot map instead of failing at once.
          retryDelayOnClusterDown: 200,
          retryDelayOnFailover: 200,
          retryDelayOnTryAgain: 200,
          redisOptions: { connectionName: name, ...redisOptions },
        });
  client.on('error', (error: Error) => watch.lost(name, error));
  client.on('ready', () => watch.regained(name));
  if (commands) countCommands(client, commands.labels({ connection: name }));
  return client;
}

/**
 * Counts the commands `client` sends, and those of its duplicates. Every command goes through `sendCommand`: single
 * ones, each of a pipeline (auto-pipelined ones too) and of a transaction, scripts (one `EVALSHA`, whatever it runs
 * inside Redis); on a cluster, the cluster's own `sendCommand`, before it picks the node. A command met while the
 * client is not ready is only queued there and counted when the queue is sent, so a command counts once.
 */
function countCommands<Client extends RedisClient>(client: Client, counted: { inc(): void }): Client {
  const send = client.sendCommand;
  client.sendCommand = function (this: Client, ...args: Parameters<Client['sendCommand']>) {
    if (client.status === 'ready') counted.inc();
    return Reflect.apply(send, this, args);
  } as Client['sendCommand'];
  const duplicate = client.duplicate;
  client.duplicate = function (this: Client, ...args: Parameters<Client['duplicate']>) {
    return countCommands(Reflect.apply(duplicate, this, args) as Client, counted);
  } as Client['duplicate'];
  return client;
}

/**
 * The key prefix of a BullMQ queue. On a cluster it is a hash tag (`{trk:alerts}`), as BullMQ requires: its scripts
 * touch several keys of a queue at once, and a tag puts them all in one slot; one tag per queue spreads the queues
 * over the shards. On one server it is the plain prefix.
 */
export function queuePrefix(connection: RedisClient, prefix: string, queue: string): string {
  return connection.isCluster ? `{${prefix}:${queue}}` : prefix;
}

/** `REDIS_CLUSTER_NODES` (`host:port,host:port`) as seed nodes; throws a message naming what is wrong. */
export function parseClusterNodes(list: string): ClusterNode[] {
  return list.split(',').map((entry) => {
    const trimmed = entry.trim();
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(trimmed);
    const port = Number(match?.[2]);
    if (!match || !(port >= 1 && port <= 65_535)) throw new Error(`"${trimmed}" is not host:port`);
    return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
  });
}
