/**
 * What a node leaves open to others, and what it lets be kept: its files (the store, its WAL, the JWT secret) are the
 * node's user's only; API answers are never stored by a cache; the pages ship no source maps; a method no route has
 * is answered in the JSON error envelope.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { expectError } from '../../support/expect-error';
import { client, request } from '../../support/http';
import { startTestNode } from '../../support/node';
import { tenantNode, type TenantNode } from '../../support/tenant-node';
import { removeDir, tempDir } from '../../support/temp-dir';

const mode = (file: string) => fs.statSync(file).mode & 0o777;

describe('the node\'s files', () => {
  it('are created readable by the node\'s user only: DATA_DIR 0700, the store, its WAL and the JWT secret 0600', async () => {
    const dataDir = path.join(tempDir(), 'data');
    // No JWT_SECRET: the node makes one and keeps it in DATA_DIR.
    const server = await startTestNode({ dataDir, env: { JWT_SECRET: '' } });
    try {
      // A write, so the WAL has something in it.
      expect((await request(server.url, 'POST', '/v1/tenants', { token: 'test-admin-token-0123456789', body: { name: 'Files' } })).status).toBe(201);
      expect(mode(dataDir)).toBe(0o700);
      for (const file of ['tracking.db', 'tracking.db-wal', 'tracking.db-shm', 'jwt-secret']) {
        expect({ file, mode: mode(path.join(dataDir, file)).toString(8) }).toEqual({ file, mode: '600' });
      }
    } finally {
      await server.close();
      removeDir(path.dirname(dataDir));
    }
  });

  it('narrows the files an earlier start left open to others', async () => {
    const dataDir = tempDir();
    fs.chmodSync(dataDir, 0o755);
    fs.writeFileSync(path.join(dataDir, 'jwt-secret'), 'an-older-secret-0123456789-0123456789-abcdef', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'tracking.db'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dataDir, 'tracking.db-wal'), '', { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, 'jwt-secret'), 0o644);
    fs.chmodSync(path.join(dataDir, 'tracking.db'), 0o644);
    fs.chmodSync(path.join(dataDir, 'tracking.db-wal'), 0o644);
    const server = await startTestNode({ dataDir, env: { JWT_SECRET: '' } });
    try {
      expect(mode(dataDir)).toBe(0o700);
      for (const file of ['tracking.db', 'tracking.db-wal', 'tracking.db-shm', 'jwt-secret']) {
        expect({ file, mode: mode(path.join(dataDir, file)).toString(8) }).toEqual({ file, mode: '600' });
      }
      // The secret kept is the one that was there.
      expect(fs.readFileSync(path.join(dataDir, 'jwt-secret'), 'utf8')).toBe('an-older-secret-0123456789-0123456789-abcdef');
    } finally {
      await server.close();
      removeDir(dataDir);
    }
  });
});

describe('answers', () => {
  let fixture: TenantNode;
  tenantNode((started) => {
    fixture = started;
  });

  it('from the API carry Cache-Control: no-store, successes and errors alike', async () => {
    const { biz, server, tenant } = fixture;
    const placed = await biz.post('/v1/orders', { customer: { id: 'c1', email: 'c1@example.com' } });
    expect(placed.status).toBe(201);
    const token = await biz.post('/v1/tokens', { role: 'customer', subject: 'c1' });
    const answers = [
      placed,
      await biz.get(`/v1/orders/${placed.body.id as string}`),
      await biz.get('/v1/orders'),
      token,
      await biz.get('/v1/customers/c1/export'),
      await client(server.url, token.body.token as string).get('/v1/customers/c1/loyalty'),
      await client(server.url, tenant.apiKey).get('/v1/orders/no-such-order'),
      await client(server.url).get('/v1/orders'),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([201, 200, 200, 201, 200, 200, 404, 401]);
    for (const answer of answers) expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  it('to a method no route has (TRACE) are 501 not_implemented in the JSON error envelope', async () => {
    for (const target of ['/v1/orders', '/dashboard', '/healthz']) {
      const answer = await rawRequest(fixture.server.url, 'TRACE', target);
      expect(answer.status).toBe(501);
      expect(answer.contentType).toMatch(/^application\/json/);
      expectError({ status: answer.status, body: JSON.parse(answer.body), headers: new Headers() }, 501, 'not_implemented');
    }
  });

  it('to a request Node cannot parse (a made-up method) are 400 in the JSON error envelope, and the connection closes', async () => {
    const answer = await rawRequest(fixture.server.url, 'BREW', '/v1/orders');
    expect(answer.status).toBe(400);
    expect(answer.connection).toBe('close');
    expect(JSON.parse(answer.body)).toEqual({ error: { code: 'bad_request', message: expect.any(String) } });
  });
});

describe('the pages\' assets', () => {
  let fixture: TenantNode;
  tenantNode((started) => {
    fixture = started;
  });

  it('have no source maps: none is built, linked or served', async () => {
    const built = fs.readdirSync(path.resolve(__dirname, '../../../dist/web'));
    const scripts = built.filter((file) => /^(track|dashboard)\.[0-9a-f]{10}\.(js|css)$/.test(file));
    expect(scripts.length).toBeGreaterThanOrEqual(4);
    expect(built.filter((file) => file.endsWith('.map'))).toEqual([]);
    for (const asset of scripts) {
      const answer = await fetch(`${fixture.server.url}/assets/${asset}`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).not.toMatch(/sourceMappingURL/);
      const map = await request(fixture.server.url, 'GET', `/assets/${asset}.map`);
      expectError(map, 404, 'not_found');
    }
  });
});

/** One request with any method, over node:http (fetch refuses TRACE), and its raw answer. */
function rawRequest(url: string, method: string, target: string): Promise<{ status: number; contentType: string; connection: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + target, { method });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: res.headers['content-type'] ?? '', connection: res.headers.connection ?? '', body }));
    });
    req.on('error', reject);
    req.end();
  });
}
