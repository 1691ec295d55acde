import { ServerResponse, type IncomingMessage } from 'node:http';
import type { IoServer } from './io';
import type { IoSocket } from './session';

/**
 * Frees the first HTTP request of each connection once its socket has connected: the handshake has read all it
 * needs from it, and a node holds tens of thousands of connections. Two things keep it otherwise for the
 * connection's life: the connection's `request` (which Socket.IO documents clearing), and, for a WebSocket upgrade,
 * the stand-in response Engine.IO hands its middlewares (`res.req`), which stays referenced from the TCP socket's
 * `close` listener Engine.IO adds to emit the response's `close`. Seen here through an Engine.IO middleware
 * (`io.engine.use`); only the stand-in's `req` is dropped, after every middleware has run.
 */
export class FirstRequests {
  /** Each upgrade's stand-in response, by its request, until the request is freed. */
  private readonly upgrades = new WeakMap<IncomingMessage, { req: IncomingMessage | null }>();

  constructor(io: IoServer) {
    io.engine.use((request: IncomingMessage, response: object, next: () => void) => {
      // A polling request gets the real response, which Node lets go when it ends.
      if (!(response instanceof ServerResponse) && 'req' in response) this.upgrades.set(request, response as { req: IncomingMessage | null });
      next();
    });
  }

  /** Lets the socket's first request go (the socket's `handshake` keeps what Socket.IO read from it). */
  free(socket: IoSocket): void {
    const conn = socket.conn as { request: IncomingMessage | null };
    const request = conn.request;
    if (!request) return;
    const response = this.upgrades.get(request);
    if (response) response.req = null;
    this.upgrades.delete(request);
    conn.request = null;
  }
}
