/**
 * API.md "Limits (more)": text must be valid UTF-8 without NUL. A body, path, query or socket message that is not
 * is answered 400 `validation_failed` on every store, never a 500, and never silently altered (two texts that differ
 * only in invalid bytes must not become one).
 */
import { Writable } from 'node:stream';
import http from 'node:http';
import Koa from 'koa';
import pino from 'pino';
import type { Socket } from 'socket.io-client';
import { ValidationError } from '../../../src/domain/errors';
import { errorMapper } from '../../../src/http/error-mapper';
import { expectError } from '../../support/expect-error';
import { type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { allOrderIds, placeOrder } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv, postgresStore, POSTGRES_URL } from '../../support/postgres';
import { closeAllSockets, connectSocket, emitAck } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';
import { withTenant } from '../../support/tenant-node';

/** The stores every case runs on: the embedded one, and PostgreSQL (which refuses NUL itself). */
const STORES: Array<[string, () => { env: Record<string, string>; drop: () => Promise<void> }]> = [
  ['SQLite', () => ({ env: {}, drop: async () => {} })],
  [
    'PostgreSQL',
    () => {
      const schema = freshSchema('text');
      return { env: postgresEnv(schema), drop: () => dropSchema(schema) };
    },
  ],
];

const paths = (error: { details?: unknown }) => ((error.details ?? []) as Array<{ path: string }>).map((d) => d.path);

/** `text` as UTF-8 with `bytes` appended (bytes that are not UTF-8 go on the wire as they are). */
const withBytes = (text: string, ...bytes: number[]) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from(bytes)]);

describe.each(STORES)('text that is not valid UTF-8 or holds NUL → 400 validation_failed (%s)', (_store, storeSetup) => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const setup = storeSetup();
    drop = setup.drop;
    server = await startTestNode({ env: setup.env });
    ({ tenant, biz } = await withTenant(server));
  });
  afterAll(async () => {
    closeAllSockets();
    await server?.close();
    await drop?.();
  });

  /** Sends, expects 400 validation_failed, checks no order appeared, and returns the detail paths. */
  async function refused(send: () => Promise<Awaited<ReturnType<typeof request>>>): Promise<string[]> {
    const before = (await allOrderIds(biz)).sort();
    const error = expectError(await send(), 400, 'validation_failed');
    expect((await allOrderIds(biz)).sort()).toEqual(before);
    return paths(error);
  }
  const postOrder = (rawBody: string | Uint8Array) => request(server.url, 'POST', '/v1/orders', { token: tenant.apiKey, rawBody });

  describe('a JSON body', () => {
    it.each([
      ['a NUL in a value', '{"customer":{"id":"c-nul","name":"Ada\\u0000Lovelace"}}', ['customer.name']],
      ['a lone high surrogate', '{"customer":{"id":"c-sur","name":"\\ud800"}}', ['customer.name']],
      ['a lone low surrogate', '{"customer":{"id":"c-low\\udc00"}}', ['customer.id']],
      ['a surrogate pair reversed', '{"customer":{"id":"c-rev","name":"\\udc00\\ud800"}}', ['customer.name']],
      ['a NUL in a key', '{"customer":{"id":"c-key"},"metadata":{"a":{"b\\u0000":1}}}', ['metadata.a']],
      ['a NUL deep in an array', '{"customer":{"id":"c-arr"},"items":[{"sku":"x"},{"sku":["ok","\\u0000"]}]}', ['items.1.sku.1']],
      ['a NUL in an external_id', '{"external_id":"e\\u0000","customer":{"id":"c-ext"}}', ['external_id']],
    ])('%s', async (_case, body, expected) => {
      expect(await refused(() => postOrder(body))).toEqual(expected);
    });

    it('a valid surrogate pair (an emoji) and other text are accepted and kept as sent', async () => {
      const response = await postOrder('{"customer":{"id":"c-ok","name":"Zoë \\ud83d\\ude9a 配送 توصيل"}}');
      expect(response.status).toBe(201);
      expect(response.body.customer.name).toBe('Zoë 🚚 配送 توصيل');
    });

    it('bytes that are not UTF-8 are refused, not replaced: two external_ids differing only in them never become one order', async () => {
      const external = unique('ext');
      const first = withBytes(`{"external_id":"${external}`, 0xff).toString('latin1') + '","customer":{"id":"c-ff","name":"First"}}';
      const second = withBytes(`{"external_id":"${external}`, 0xfe).toString('latin1') + '","customer":{"id":"c-fe","name":"Second"}}';
      const before = (await allOrderIds(biz)).sort();
      const answers = [await postOrder(Buffer.from(first, 'latin1')), await postOrder(Buffer.from(second, 'latin1'))];
      // Replaced by U+FFFD, the second would be answered 200 with the first customer's order.
      expect(answers.map((answer) => [answer.status, answer.body.error?.code ?? answer.body.customer?.id])).toEqual([
        [400, 'validation_failed'],
        [400, 'validation_failed'],
      ]);
      expect(answers.map((answer) => paths(answer.body.error))).toEqual([['body'], ['body']]);
      expect((await allOrderIds(biz)).sort()).toEqual(before);
      // Truncated and overlong sequences, and an encoded surrogate, are not UTF-8 either.
      for (const bytes of [[0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
        const body = Buffer.concat([Buffer.from('{"customer":{"id":"c-bad","name":"'), Buffer.from(bytes), Buffer.from('"}}')]);
        expect(await refused(() => postOrder(body))).toEqual(['body']);
      }
    });

    it('the token a business mints refuses a subject that is not text', async () => {
      for (const subject of ['cust\u0000omer', '\ud800']) {
        const response = await biz.post('/v1/tokens', { role: 'customer', subject });
        expect(paths(expectError(response, 400, 'validation_failed'))).toEqual(['subject']);
      }
    });
  });

  describe('the path and the query', () => {
    it.each([
      ['%00 in a path parameter', '/v1/orders/ord%00x'],
      ['a byte that is not UTF-8', '/v1/orders/ord%FFx'],
      ['an encoded lone surrogate (decodeURIComponent refuses it)', '/v1/orders/%ED%A0%80'],
      ['a truncated sequence', '/v1/orders/ord%C3'],
      ['percent-encoding that is not', '/v1/orders/ord%zz'],
      ['a customer path', '/v1/customers/c%00/orders'],
    ])('%s', async (_case, path) => {
      expect(await refused(() => biz.get(path))).toEqual(['path']);
    });

    it.each([
      ['%00 in a value', '/v1/orders?customer_id=a%00b', ['customer_id']],
      ['a byte that is not UTF-8 in a value', '/v1/orders?customer_id=a%FF', ['customer_id']],
      ['an encoded lone surrogate in a value', '/v1/orders?q=%ED%A0%80', ['q']],
      ['%00 in a name, on a route that reads no query', '/v1/orders/ord_missing?a%00=1', ['query']],
    ])('%s', async (_case, path, expected) => {
      expect(await refused(() => biz.get(path))).toEqual(expected);
    });

    it('a signed source delivery to a path with %00 (no token) is refused, not a 500', async () => {
      const response = await request(server.url, 'POST', '/v1/sources/src%00x/events', {
        rawBody: '{"events":[]}',
        headers: { 'webhook-id': 'm1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      });
      expect(paths(expectError(response, 400, 'validation_failed'))).toEqual(['path']);
    });

    it('a signed source delivery whose body is not UTF-8 is refused before its signature is checked', async () => {
      const response = await request(server.url, 'POST', `/v1/sources/${unique('src')}/events`, {
        rawBody: withBytes('{"events":[{"event_id":"e', 0xff, 0x22, 0x7d, 0x5d, 0x7d),
        headers: { 'webhook-id': 'm2', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' },
      });
      expect(paths(expectError(response, 400, 'validation_failed'))).toEqual(['body']);
    });

    it('a well-formed path and query with other scripts still work', async () => {
      const external = `${unique('ext')}-配送`;
      const order = await placeOrder(biz, { external_id: external, customer: { id: 'c-ünï', name: 'Zoë' } });
      const found = await biz.get(`/v1/orders?customer_id=${encodeURIComponent('c-ünï')}&q=${encodeURIComponent(external)}`);
      expect(found.status).toBe(200);
      expect(found.body.items.map((item: { id: string }) => item.id)).toEqual([order.id]);
    });
  });

  describe('an NDJSON import', () => {
    it('a line that is not UTF-8 or holds NUL is rejected with validation_failed, the others go in', async () => {
      const external = unique('imp');
      const body = Buffer.concat([
        Buffer.from(`{"external_id":"${external}-1","customer":{"id":"c1"}}\n`),
        withBytes(`{"external_id":"${external}-`, 0xff),
        Buffer.from(`","customer":{"id":"c2"}}\n`),
        withBytes(`{"external_id":"${external}-`, 0xfe),
        Buffer.from(`","customer":{"id":"c3"}}\n`),
        Buffer.from(`{"external_id":"${external}-4","customer":{"id":"c4","name":"\\u0000"}}\n`),
      ]);
      const response = await request(server.url, 'POST', '/v1/orders/import', {
        token: tenant.apiKey,
        rawBody: body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      expect(response.status).toBe(200);
      const results = response.body.results as Array<{ line: number; outcome: string; error?: { code: string; details?: unknown } }>;
      expect(results.map((result) => [result.line, result.outcome, result.error?.code])).toEqual([
        [1, 'created', undefined],
        [2, 'rejected', 'validation_failed'],
        [3, 'rejected', 'validation_failed'],
        [4, 'rejected', 'validation_failed'],
      ]);
      expect(paths(results[3]!.error!)).toEqual(['customer.name']);
    });
  });

  describe('a socket message', () => {
    let socket: Socket;
    beforeAll(async () => {
      socket = await connectSocket(server.url, tenant.apiKey);
    });

    it.each([
      ['a NUL', 'ord\u0000x'],
      ['a lone surrogate', 'ord\ud800'],
    ])('subscribe with %s in order_id → validation_failed, and the socket serves on', async (_case, orderId) => {
      for (const event of ['subscribe', 'unsubscribe']) {
        const ack = await emitAck(socket, event, { order_id: orderId });
        expect(ack).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
      }
      const order = await placeOrder(biz, { customer: { id: 'c-live' } });
      expect(await emitAck(socket, 'subscribe', { order_id: order.id })).toMatchObject({ ok: true, order: { id: order.id } });
    });
  });
});

describe.each(STORES)('refusing text spends the anonymous budget of the client address (%s)', (_store, storeSetup) => {
  const ANON = 3;
  let server: TestNode;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const setup = storeSetup();
    drop = setup.drop;
    server = await startTestNode({ env: { ...setup.env, RATE_LIMIT_ANON: `${ANON}/min`, REDIS_PREFIX: unique('text-rl') } });
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  it('a flood of bad paths without a token is answered 400 until the budget is spent, then 429', async () => {
    const seen: number[] = [];
    for (let i = 0; i < ANON + 2; i++) {
      seen.push((await request(server.url, 'POST', '/v1/sources/src%00x/events', { rawBody: '{"events":[]}' })).status);
    }
    expect(seen).toEqual([...Array<number>(ANON).fill(400), 429, 429]);
  });
});

describe('the PostgreSQL store refuses text it cannot hold as validation_failed, not a 500 (backstop)', () => {
  const { store, drop } = postgresStore();
  beforeAll(() => store.lifecycle.init());
  afterAll(async () => {
    await store.lifecycle.close();
    await drop();
  });

  it('a NUL that reaches a statement is a ValidationError', async () => {
    await expect(store.tenants.findTenantByApiKeyHash('ab\u0000cd')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('an unexpected error is logged as one line: the error type and the route, no stack, no request data', () => {
  it('a PostgreSQL error quoting a customer name leaves no trace of it in the log', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString('utf8'));
          done();
        },
      }),
    );
    const { default: pg } = await import('pg');
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    const app = new Koa();
    app.silent = true;
    app.use(errorMapper(logger));
    app.use(async (ctx) => {
      ctx.state.route = '/v1/orders/:id';
      // A real driver error whose message quotes the value it refused.
      await db.query('SELECT $1::int AS n', ['Ada Lovelace']);
    });
    const listener = http.createServer(app.callback()).listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const { port } = listener.address() as { port: number };
      const response = await request(`http://127.0.0.1:${port}`, 'GET', '/v1/orders/ord_ada-lovelace?name=Ada');
      expectError(response, 500, 'internal');
    } finally {
      listener.close();
      await db.end();
    }
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    expect(line).not.toMatch(/Ada|Lovelace|ada-lovelace|stack|\n./);
    expect(JSON.parse(line)).toMatchObject({ level: 50, route: '/v1/orders/:id', method: 'GET', error: { type: 'DatabaseError', code: '22P02' } });
  });
});
