import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface HttpServerOptions {
  /**
   * How long an idle keep-alive connection is kept: longer than common load balancers' idle timeout, so they close
   * first.
   * @default 65000
   */
  keepAliveTimeoutMs?: number;
  /**
   * How long a request may take to arrive whole, headers and body, from its first byte (`BODY_TIMEOUT_MS`): a
   * client that sends its body slowly, or not at all, holds a connection and a request in flight; past this it is
   * answered 408 and the connection closed (API.md "Limits (more)").
   * @default 30000
   */
  requestTimeoutMs?: number;
  /**
   * Connections the server holds at once (`MAX_CONNECTIONS`), Socket.IO's (polling and WebSocket) included;
   * one more is closed as soon as it is accepted.
   * @default 10000
   */
  maxConnections?: number;
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
    const requestTimeout = options.requestTimeoutMs ?? 30_000;
    const maxConnections = options.maxConnections ?? 10_000;
    if (!Number.isSafeInteger(requestTimeout) || requestTimeout < 1) throw new RangeError('HttpServer: requestTimeoutMs must be a whole number >= 1');
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new RangeError('HttpServer: maxConnections must be a whole number >= 1');
    this.server = http.createServer(
      {
        requestTimeout,
        // Node wants the headers' own limit within the request's.
        headersTimeout: requestTimeout,
        // How often Node looks for requests past their time: a 408 comes at most this late.
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(requestTimeout / 4))),
      },
      handler,
    );
    this.server.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
    this.server.maxConnections = maxConnections;
    this.server.on('clientError', answerClientError);
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

/** What a request the parser refused, or one that did not arrive in time, is answered. */
const CLIENT_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'the request did not arrive in time' },
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'the request headers are too large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, code: 'payload_too_large', message: 'chunk extensions are too large' },
};
const MALFORMED = { status: 400, code: 'bad_request', message: 'the request is not valid HTTP' };

/**
 * Answers a request Node refused before the app saw it (a `clientError`) with the JSON error envelope, as every
 * other error is, where Node would answer plain text, then closes the connection. Nothing is written once an
 * answer to the request has begun, or to a connection the peer reset.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own check (lib/_http_server.js): the response in flight on this connection, if any.
  const inFlight = (socket as Socket & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (error.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    const { status, code, message } = CLIENT_ERRORS[error.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    socket.write(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** An IPv6 host in brackets, as a URL wants it. */
export function bracketed(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
