/**
 * The HTTP server's own limits (API.md "Limits (more)"): a request body must arrive within BODY_TIMEOUT_MS of the
 * request (else 408 and the connection closed), and a node holds at most MAX_CONNECTIONS connections.
 */
import net from 'node:net';
import { ConfigError, loadConfig } from '../../../src/config';
import { eventually } from '../../support/eventually';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';

/** A raw connection to `url`, and everything it receives until it closes. */
function rawConnection(url: string): { socket: net.Socket; received: () => string; closed: Promise<void>; connected: Promise<void> } {
  const { hostname, port } = new URL(url);
  const socket = net.connect(Number(port), hostname);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  return {
    socket,
    received: () => text,
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    connected: new Promise((resolve) => socket.once('connect', () => resolve())),
  };
}

/** Sends one GET on a fresh connection and resolves with the raw answer once the server closes it. */
async function rawGet(url: string, path: string): Promise<string> {
  const connection = rawConnection(url);
  await connection.connected;
  connection.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  await connection.closed;
  return connection.received();
}

describe('a body that does not arrive in time', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { BODY_TIMEOUT_MS: '1000' } });
  });
  afterAll(() => server.close());

  it('is answered 408 request_timeout in the JSON error envelope, and the connection is closed', async () => {
    const connection = rawConnection(server.url);
    await connection.connected;
    const started = Date.now();
    // Headers, and 10 of the 100 bytes the body is said to have; the rest never comes. (The admin's call, so the
    // route waits for the body rather than refusing the caller first.)
    connection.socket.write(
      `POST /v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name": "`,
    );
    await connection.closed;
    const elapsed = Date.now() - started;
    const answer = connection.received();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    expect(answer).toMatch(/\r\ncontent-type: application\/json/i);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
      error: { code: 'request_timeout', message: expect.any(String) },
    });
    // Not before the limit, and not the 300 s Node would wait by default.
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
  });

  it('leaves a request that arrived in time alone, on a connection kept open past the limit', async () => {
    const connection = rawConnection(server.url);
    await connection.connected;
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => connection.received().includes('{"ok":true}'), 'the first answer');
    // An idle keep-alive connection is not a slow request: asked again after the limit, it answers.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    connection.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await connection.closed;
    expect(connection.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
  });
});

describe('connections over MAX_CONNECTIONS', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { MAX_CONNECTIONS: '3' } });
  });
  afterAll(() => server.close());

  it('are closed at once, unanswered, while the node holds as many; one ending makes room again', async () => {
    const held = [rawConnection(server.url), rawConnection(server.url), rawConnection(server.url)];
    await Promise.all(held.map((connection) => connection.connected));
    // Each held connection is one the server took: a request on it is answered.
    held[0]!.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => held[0]!.received().includes('{"ok":true}'), 'an answer on a held connection');

    const refused = rawConnection(server.url);
    refused.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await refused.closed;
    expect(refused.received()).toBe('');

    held[1]!.socket.destroy();
    await held[1]!.closed;
    // The server counts the connection gone once its side has closed too.
    await eventually(async () => (await rawGet(server.url, '/healthz')).startsWith('HTTP/1.1 200 '), 'a new connection answered');
    for (const connection of held) connection.socket.destroy();
  });
});

describe('the limits\' settings', () => {
  it('default to API.md\'s numbers and refuse what is not a whole number above 0, naming the variable', () => {
    const config = loadConfig({});
    expect(config.http).toMatchObject({ maxConnections: 10_000, requestTimeoutMs: 30_000 });
    expect(config.basemapCacheBytes).toBe(32 * 1024 * 1024);
    expect(config.metricsToken).toBeUndefined();
    for (const variable of ['MAX_CONNECTIONS', 'BODY_TIMEOUT_MS', 'BASEMAP_CACHE_MB']) {
      for (const bad of ['0', '-1', 'lots', '1.5']) {
        expect(() => loadConfig({ [variable]: bad })).toThrow(ConfigError);
        expect(() => loadConfig({ [variable]: bad })).toThrow(new RegExp(`^${variable}: `));
      }
    }
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN: /);
  });
});
