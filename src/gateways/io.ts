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

/**
 * Sends `message` (an inter-server event and its arguments) to every other node and waits for their answers: resolves
 * null once all answered, or the error when `waitMs` passed first or Redis could not take the message (the adapter's
 * own call, whose promise can be caught: `io.serverSideEmit` drops it, and it rejects without Redis).
 */
export function tellEveryNode(io: IoServer, message: unknown[], waitMs: number): Promise<Error | null> {
  return new Promise((resolve) => {
    let settled = false;
    const answered = (error: Error | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(error);
    };
    const timer = setTimeout(() => answered(new Error(`no answer from every node within ${waitMs} ms`)), waitMs);
    const asking = io.of('/').adapter.serverSideEmit([...message, answered]) as unknown;
    Promise.resolve(asking).catch((error: unknown) => answered(error instanceof Error ? error : new Error(String(error))));
  });
}
