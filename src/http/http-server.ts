import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpServerOptions {
  /**
   * How long an idle keep-alive connection is kept: longer than common load balancers' idle timeout, so they close
   * first.
   * @default 65000
   */
  keepAliveTimeoutMs?: number;
}

/**
 * The node's HTTP server and its drain. A shutdown comes in two moves: {@link stopAccepting} (no new connections;
 * keep-alive clients are told to close after their last answer, idle ones are closed), then {@link finished}, which
 * resolves once every connection has ended.
 */
export class HttpServer {
  readonly server: http.Server;
  private readonly open = new Set<http.ServerResponse>();
  private draining = false;
  private closed: Promise<void> | null = null;

  constructor(handler: http.RequestListener, options: HttpServerOptions = {}) {
    this.server = http.createServer(handler);
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  }

  /**
   * Listens, and resolves with the address. The drain follows the responses from here on: whatever attached to the
   * server before (Socket.IO takes over the request listeners present when it attaches) is followed too.
   */
  async listen(port: number, host: string): Promise<{ url: string; port: number }> {
    this.server.on('request', (_request: http.IncomingMessage, response: http.ServerResponse) => this.follow(response));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = (this.server.address() as AddressInfo).port;
    return { url: `http://${bracketed(host)}:${bound}`, port: bound };
  }

  /** Takes no new connections; every response still to be sent says `Connection: close`. */
  stopAccepting(): void {
    void this.close();
  }

  /** Stops accepting and resolves once every connection has ended. */
  finished(): Promise<void> {
    return this.close();
  }

  private close(): Promise<void> {
    if (this.closed) return this.closed;
    this.closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.draining = true;
    for (const response of this.open) if (!response.headersSent) response.setHeader('Connection', 'close');
    this.server.closeIdleConnections();
    return this.closed;
  }

  private follow(response: http.ServerResponse): void {
    if (this.draining) response.setHeader('Connection', 'close');
    this.open.add(response);
    response.once('close', () => this.open.delete(response));
  }
}

/** An IPv6 host in brackets, as a URL wants it. */
export function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
