import http from 'node:http';

/**
 * A keep-alive HTTP client over one connection at a time (node:http Agent, `maxSockets: 1`), for tests about
 * what happens to the connection itself: whether it is reused, closed, or left hanging. `fetch` hides that.
 */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** Whether the request went on a connection an earlier request had used. */
  reusedSocket: boolean;
}

export interface RawRequest {
  token?: string;
  /** Sent as is, in 64 KiB writes. */
  body?: string;
  /** Send `Transfer-Encoding: chunked` instead of a Content-Length. */
  chunked?: boolean;
  /** The body's media type. @default application/json */
  contentType?: string;
}

export interface KeepAliveClient {
  send(method: string, path: string, request?: RawRequest): Promise<RawResponse>;
  /** Closes the agent's connections. */
  close(): void;
}

const WRITE_BYTES = 64 * 1024;

export function keepAliveClient(baseUrl: string): KeepAliveClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  return {
    send: (method, path, { token, body, chunked = false, contentType = 'application/json' } = {}) =>
      new Promise<RawResponse>((resolve, reject) => {
        const headers: Record<string, string> = {};
        if (token) headers.authorization = `Bearer ${token}`;
        if (body !== undefined) {
          headers['content-type'] = contentType;
          if (chunked) headers['transfer-encoding'] = 'chunked';
          else headers['content-length'] = String(Buffer.byteLength(body));
        }
        const req = http.request(baseUrl + path, { method, headers, agent });
        let answered = false;
        req.on('response', (res) => {
          answered = true;
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => {
            const json = (res.headers['content-type'] ?? '').includes('application/json') && text !== '';
            resolve({ status: res.statusCode!, headers: res.headers, body: json ? JSON.parse(text) : text, reusedSocket: req.reusedSocket });
          });
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A server that answers before the whole body is sent may close while we still write; the answer counts.
          if (answered && (error.code === 'EPIPE' || error.code === 'ECONNRESET')) return;
          reject(error);
        });
        if (body !== undefined) for (let i = 0; i < body.length; i += WRITE_BYTES) req.write(body.slice(i, i + WRITE_BYTES));
        req.end();
      }),
    close: () => agent.destroy(),
  };
}
