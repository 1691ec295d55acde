import type http from 'node:http';
import { createShardedAdapter } from '@socket.io/redis-adapter';
import type { RedisClient } from './redis';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

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
    adapter: createShardedAdapter(options.publisher, options.subscriber, { channelPrefix: `${options.prefix}:sio` }),
  };
  return options.httpServer ? new Server(options.httpServer, serverOptions) : new Server(serverOptions);
}
