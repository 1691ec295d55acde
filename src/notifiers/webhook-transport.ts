import http from 'node:http';
import https from 'node:https';
import { BlockedDestinationError, DestinationGuard } from './destination-guard';

/** One attempt's request: the endpoint, the signed headers and the body as signed. */
export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole attempt (connect, answer, the start of its body) within this long. */
  timeoutMs: number;
}

/**
 * What an attempt came to: the receiver's answer (any status: what a status means is the processor's to decide), or a
 * failure before any answer. `permanent` failures will not change by trying again (a refused destination).
 */
export type WebhookResponse =
  | { kind: 'answered'; status: number; excerpt: string; location: string | null }
  | {
      kind: 'failed';
      /** For the delivery log (the tenant's own record): may quote the receiver's address. */
      error: string;
      permanent: boolean;
      /** The failure as a code for the server's log, which takes no text from outside (`ECONNREFUSED`, `timeout`). */
      code?: string;
    };

/** Sends one webhook attempt. Tests replace it; production uses {@link HttpWebhookTransport}. */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookResponse>;
  close?(): void;
}

/** The receiver's answer kept in the delivery log, at most this many characters. */
export const RESPONSE_EXCERPT_CHARS = 256;
// A body is read this far at most; a longer one is cut off (its connection is then not reused).
const MAX_BODY_BYTES = 4096;
// Idle connections to a receiver are kept for the next message this long (receivers commonly close at 5 s).
const KEEP_ALIVE_MS = 4000;

export interface HttpWebhookTransportOptions {
  /** Refuses private destinations (`WEBHOOK_ALLOW_PRIVATE` unset) on every connection. */
  guard: DestinationGuard;
  /**
   * Connections kept per receiver (host and port) in this process.
   * @default 16
   */
  maxSocketsPerHost?: number;
  /** @default 'order-tracking-webhooks/1' */
  userAgent?: string;
}

/**
 * Webhooks over node's own HTTP client: it never follows a redirect (a 3xx is an answer like any other), every
 * connection resolves its host through the destination guard (the address connected to is the one checked), the
 * attempt is bounded by its timeout from start to the end of the read, and only the start of the answer is read.
 */
export class HttpWebhookTransport implements WebhookTransport {
  private readonly guard: DestinationGuard;
  private readonly agents: { 'http:': http.Agent; 'https:': https.Agent };
  private readonly userAgent: string;

  constructor(options: HttpWebhookTransportOptions) {
    this.guard = options.guard;
    this.userAgent = options.userAgent ?? 'order-tracking-webhooks/1';
    const agentOptions = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_MS, timeout: KEEP_ALIVE_MS, maxSockets: options.maxSocketsPerHost ?? 16, scheduling: 'lifo' as const };
    this.agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };
  }

  post(request: WebhookRequest): Promise<WebhookResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
      this.guard.checkLiteral(url);
    } catch (error) {
      return Promise.resolve(failure(error));
    }
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    const send = protocol === 'https:' ? https.request : http.request;
    return new Promise<WebhookResponse>((resolve) => {
      let settled = false;
      const settle = (response: WebhookResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(response);
      };
      const outgoing = send(url, {
        method: 'POST',
        agent: this.agents[protocol],
        lookup: this.guard.lookup,
        headers: {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(request.body)),
          'user-agent': this.userAgent,
          ...request.headers,
        },
      });
      const timer = setTimeout(() => {
        settle({ kind: 'failed', error: `timeout: no complete answer within ${request.timeoutMs} ms`, permanent: false, code: 'timeout' });
        outgoing.destroy();
      }, request.timeoutMs);
      outgoing.on('error', (error) => settle(failure(error)));
      outgoing.on('response', (incoming) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        const answered = (): void =>
          settle({
            kind: 'answered',
            status: incoming.statusCode ?? 0,
            excerpt: excerpt(Buffer.concat(chunks).toString('utf8')),
            location: typeof incoming.headers.location === 'string' ? incoming.headers.location : null,
          });
        incoming.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          bytes += chunk.length;
          if (bytes >= MAX_BODY_BYTES) {
            answered();
            // The rest is not read, so this connection cannot carry another request.
            incoming.destroy();
          }
        });
        incoming.on('end', answered);
        incoming.on('error', () => answered());
        incoming.on('aborted', () => answered());
      });
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }
}

/** The start of a receiver's answer, as text without control characters, at most RESPONSE_EXCERPT_CHARS long. */
export function excerpt(text: string): string {
  return [...text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')].slice(0, RESPONSE_EXCERPT_CHARS).join('');
}

function failure(error: unknown): WebhookResponse {
  if (error instanceof BlockedDestinationError) return { kind: 'failed', error: error.message, permanent: true, code: 'destination_refused' };
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message ?? String(error);
  return {
    kind: 'failed',
    error: code && !message.includes(code) ? `${code}: ${message}` : message,
    permanent: false,
    ...(typeof code === 'string' ? { code } : {}),
  };
}
