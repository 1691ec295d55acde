/**
 * How API answers are encoded: JSON answers of 8 KiB or more are compressed in the encoding the client accepts
 * (brotli or gzip), smaller ones and streams (a CSV export) are sent as they are, every answer says
 * `Vary: Accept-Encoding`; `/openapi.json` carries an ETag and is answered 304 while the client's copy is current.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { client, type Client } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The bytes as they came over the wire (still encoded). */
  wire: Buffer;
}

/** One GET over node:http, which (unlike fetch) neither asks for nor undoes any encoding by itself. */
function get(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, wire: Buffer.concat(chunks) }));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The body of an answer, decoded as its Content-Encoding says. */
function decoded(answer: RawAnswer): string {
  const encoding = answer.headers['content-encoding'];
  const bytes =
    encoding === 'br' ? zlib.brotliDecompressSync(answer.wire) : encoding === 'gzip' ? zlib.gunzipSync(answer.wire) : answer.wire;
  return bytes.toString('utf8');
}

/** The threshold (src/http/compression.ts). */
const THRESHOLD = 8192;
const ORDERS = 14;

let node: TestNode;
let tenant: Tenant;
let api: Client;

beforeAll(async () => {
  node = await startTestNode();
  tenant = await createTenant(node.url);
  api = client(node.url, tenant.apiKey);
  // Enough orders that their list is well over 8 KiB, each one well under.
  for (let i = 0; i < ORDERS; i += 1) await placeOrder(api, { external_id: `COMPRESS-${i}`, destination: { address: '8 Tai Hang Road, Hong Kong' } });
});
afterAll(() => node.close());

const auth = (): Record<string, string> => ({ authorization: `Bearer ${tenant.apiKey}` });

describe('JSON answers', () => {
  it.each(['br', 'gzip'])('of 8 KiB or more are compressed with %s when the client accepts it, to the same JSON', async (encoding) => {
    const plain = await get(`${node.url}/v1/orders`, auth());
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.wire.length).toBeGreaterThan(THRESHOLD);
    const squeezed = await get(`${node.url}/v1/orders`, { ...auth(), 'accept-encoding': encoding });
    expect(squeezed.status).toBe(200);
    expect(squeezed.headers['content-encoding']).toBe(encoding);
    expect(squeezed.headers['content-type']).toMatch(/^application\/json/);
    expect(squeezed.headers.vary).toMatch(/Accept-Encoding/i);
    // Still not kept by anyone (API.md "Limits (more)").
    expect(squeezed.headers['cache-control']).toBe('no-store');
    expect(squeezed.wire.length).toBeLessThan(plain.wire.length / 2);
    expect(JSON.parse(decoded(squeezed))).toEqual(JSON.parse(plain.wire.toString('utf8')));
  });

  it('below 8 KiB are sent as they are (an order, a health check), still saying they vary with Accept-Encoding', async () => {
    const small = await get(`${node.url}/healthz`, { 'accept-encoding': 'br, gzip' });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.headers.vary).toMatch(/Accept-Encoding/i);
    expect(JSON.parse(small.wire.toString('utf8'))).toEqual({ ok: true });
    const one = await get(`${node.url}/v1/orders?limit=1`, { ...auth(), 'accept-encoding': 'gzip' });
    expect(one.wire.length).toBeGreaterThan(500);
    expect(one.wire.length).toBeLessThan(THRESHOLD);
    expect(one.headers['content-encoding']).toBeUndefined();
    expect(one.headers.vary).toMatch(/Accept-Encoding/i);
  });

  it('are sent as they are to a client that accepts no encoding', async () => {
    const plain = await get(`${node.url}/v1/orders`, { ...auth(), 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(plain.wire.toString('utf8')).items).toHaveLength(ORDERS);
  });
});

it('leaves a streamed CSV export as it is', async () => {
  const csv = await get(`${node.url}/v1/reports/orders.csv`, { ...auth(), 'accept-encoding': 'br, gzip' });
  expect(csv.status).toBe(200);
  expect(csv.headers['content-type']).toMatch(/^text\/csv/);
  expect(csv.headers['content-encoding']).toBeUndefined();
  expect(csv.wire.toString('utf8').split('\n').filter(Boolean)).toHaveLength(ORDERS + 1);
});

describe('/openapi.json', () => {
  it('is compressed, with an ETag and a cache that must ask again before each use', async () => {
    const plain = await get(`${node.url}/openapi.json`);
    const squeezed = await get(`${node.url}/openapi.json`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(squeezed.status).toBe(200);
    expect(squeezed.headers['content-encoding']).toBe('br');
    expect(squeezed.wire.length).toBeLessThan(plain.wire.length / 5);
    expect(JSON.parse(decoded(squeezed))).toEqual(JSON.parse(plain.wire.toString('utf8')));
    expect(squeezed.headers.etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
    expect(squeezed.headers.etag).toBe(plain.headers.etag);
    expect(squeezed.headers['cache-control']).toBe('public, no-cache');
    process.stdout.write(`/openapi.json: ${plain.wire.length} B plain, ${squeezed.wire.length} B with brotli\n`);
  });

  it('is answered 304 with no body while the client’s copy is current, and whole for another', async () => {
    const { headers } = await get(`${node.url}/openapi.json`);
    const again = await get(`${node.url}/openapi.json`, { 'if-none-match': headers.etag!, 'accept-encoding': 'br' });
    expect(again.status).toBe(304);
    expect(again.wire.length).toBe(0);
    expect(again.headers.etag).toBe(headers.etag);
    // Among others, and compared weakly (RFC 9110: If-None-Match uses the weak comparison).
    const listed = await get(`${node.url}/openapi.json`, { 'if-none-match': `"other", ${headers.etag!.replace(/^W\//, '')}` });
    expect(listed.status).toBe(304);
    const stale = await get(`${node.url}/openapi.json`, { 'if-none-match': 'W/"an-older-version"' });
    expect(stale.status).toBe(200);
    expect(JSON.parse(stale.wire.toString('utf8')).openapi).toBe('3.1.0');
  });
});
