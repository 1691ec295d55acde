import type http from 'node:http';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisClient } from './redis';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** The adapter's own channel for the default namespace (every node subscribes to it). */
export function adapterChannel(prefix: string): string {
  return `${prefix}:sio#/#`;
}

/**
 * The adapter's channel for one room: with its default `dynamic` subscription mode a node subscribes to it while it
 * has a socket in the room, and a broadcast to that room alone is published there.
 */
export function roomChannel(prefix: string, room: string): string {
  return `${adapterChannel(prefix)}${room}#`;
}

/**
 * The Socket.IO server, clustered through the sharded Redis adapter (Redis 7 sharded Pub/Sub: a node only
 * receives the rooms it has members in). Without `httpServer` it serves no sockets (until attached to one with
 * `io.attach`) but still takes part in the cluster, e.g. so a worker process can ask who is watching.
 */
export function createIo(options: {
  publisher: RedisClient;
  subscriber: RedisClient;
  prefix: string;
  httpServer?: http.Server;
  /**
   * The heartbeat: a ping every `pingIntervalMs`, and a connection that has not answered within `pingTimeoutMs`
   * more is closed. Clients use the same figures to notice a silent server and move to another node.
   */
  heartbeat?: { pingIntervalMs: number; pingTimeoutMs: number };
}): IoServer {
  const serverOptions = {
    serveClient: false,
    ...(options.heartbeat ? { pingInterval: options.heartbeat.pingIntervalMs, pingTimeout: options.heartbeat.pingTimeoutMs } : {}),
    // Dynamic subscriptions: a node gets a room's broadcasts only while it has a socket in the room.
    adapter: createShardedAdapter(options.publisher, options.subscriber, { channelPrefix: `${options.prefix}:sio`, subscriptionMode: 'dynamic' }),
  };
  return options.httpServer ? new Server(options.httpServer, serverOptions) : new Server(serverOptions);
}
