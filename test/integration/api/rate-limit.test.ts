import Redis from 'ioredis';
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { type ApiResponse, client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { craftJwt } from '../../support/jwt';
import { startPair, startTestNode, type TestNode, type TestPair } from '../../support/node';
import { ADMIN_TOKEN, JWT_SECRET } from '../../support/node-settings';
import { type RedisServer, startRedis, stopAllRedis } from '../../support/redis-server';
import { createTenant } from '../../support/tenant';

// Budgets per minute: a window far longer than any test step, so counts never reset mid-test.
const BUSINESS = 6;
const USER = 4;
const ANON = 3;
const BUDGETS = {
  RATE_LIMIT_BUSINESS: `${BUSINESS}/min`,
  RATE_LIMIT_USER: `${USER}/min`,
  RATE_LIMIT_ANON: `${ANON}/min`,
};

/** A customer/courier/staff/tracker token signed like the node's own (so minting spends no business budget). */
function token(tenantId: string, role: 'customer' | 'courier' | 'staff', subject: string, ttlSeconds = 3600): string {
  const iat = Math.floor(Date.now() / 1000);
  return craftJwt({ tid: tenantId, role, sub: subject, iat, exp: iat + ttlSeconds }, JWT_SECRET);
}

function trackerToken(tenantId: string, orderId: string, ttlSeconds: number): string {
  const iat = Math.floor(Date.now() / 1000);
  return craftJwt({ tid: tenantId, role: 'tracker', oid: orderId, iat, exp: iat + ttlSeconds }, JWT_SECRET);
}

function limitHeaders(response: ApiResponse) {
  const read = (name: string) => response.headers.get(name);
  return { limit: read('ratelimit-limit'), remaining: read('ratelimit-remaining'), reset: read('ratelimit-reset') };
}

/** Asserts a 429 `rate_limited` with a whole `Retry-After` of at least 1 s and the RateLimit-* headers. */
function expectRateLimited(response: ApiResponse, limit: number): void {
  expectError(response, 429, 'rate_limited');
  expect(response.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  const headers = limitHeaders(response);
  expect(headers).toMatchObject({ limit: String(limit), remaining: '0' });
  expect(Number(headers.reset)).toBeGreaterThanOrEqual(1);
  expect(Number(headers.reset)).toBeLessThanOrEqual(60);
}

/** Statuses of `count` sequential GET /v1/orders with `apiKey`, one node after the other from `urls`. */
async function statuses(urls: string[], apiKey: string, count: number): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) seen.push((await client(urls[i % urls.length]!, apiKey).get('/v1/orders')).status);
  return seen;
}

/** Sends GET /v1/orders until the first 429 (at most `max`); returns how many were admitted before it. */
async function admittedUntilLimited(url: string, apiKey: string, max: number): Promise<number> {
  for (let admitted = 0; admitted < max; admitted++) {
    const started = Date.now();
    const response = await client(url, apiKey).get('/v1/orders');
    // Served, and promptly: a request never waits for a Redis reconnection.
    expect(Date.now() - started).toBeLessThan(2000);
    if (response.status === 429) {
      expectRateLimited(response, BUSINESS);
      return admitted;
    }
    expect(response.status).toBe(200);
  }
  throw new Error(`no 429 within ${max} requests`);
}

describe('rate limiting on one node', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('ratelimit'), ...BUDGETS } });
  });
  afterAll(() => server.close());

  it('puts RateLimit-* on every answer with a decreasing Remaining, then answers 429 rate_limited with Retry-After', async () => {
    const tenant = await createTenant(server.url, 'Headers');
    const api = client(server.url, tenant.apiKey);
    for (let i = 1; i <= BUSINESS; i++) {
      const response = await api.get('/v1/orders');
      expect(response.status).toBe(200);
      const headers = limitHeaders(response);
      expect(headers).toMatchObject({ limit: String(BUSINESS), remaining: String(BUSINESS - i) });
      expect(Number(headers.reset)).toBeGreaterThanOrEqual(1);
      expect(Number(headers.reset)).toBeLessThanOrEqual(60);
    }
    expectRateLimited(await api.get('/v1/orders'), BUSINESS);
    // Spent is spent whatever the route.
    expectRateLimited(await api.post('/v1/orders', { customer: { id: 'c1' } }), BUSINESS);
  });

  it('lets all the tokens of one person share one budget: tenant + role + subject, the order for a tracking link', async () => {
    const tenant = await createTenant(server.url, 'People');
    const other = await createTenant(server.url, 'Others');
    // Two different tokens of customer c1 (different lifetimes, so different strings).
    const first = client(server.url, token(tenant.id, 'customer', 'c1', 3600));
    const second = client(server.url, token(tenant.id, 'customer', 'c1', 7200));
    const seen: number[] = [];
    for (let i = 0; i < USER; i++) seen.push((await (i % 2 ? second : first).get('/v1/orders')).status);
    expect(seen).toEqual(Array(USER).fill(200));
    expectRateLimited(await second.get('/v1/orders'), USER);
    expectRateLimited(await first.get('/v1/orders'), USER);

    // Anyone else has a budget of their own: another customer, another role with the same subject, the same
    // customer id in another tenant.
    for (const [tenantId, role, subject] of [
      [tenant.id, 'customer', 'c2'],
      [tenant.id, 'courier', 'c1'],
      [tenant.id, 'staff', 'c1'],
      [other.id, 'customer', 'c1'],
    ] as const) {
      const response = await client(server.url, token(tenantId, role, subject)).get('/v1/orders');
      expect({ who: `${role} ${subject}`, status: response.status }).toEqual({ who: `${role} ${subject}`, status: 200 });
      expect(limitHeaders(response)).toMatchObject({ limit: String(USER), remaining: String(USER - 1) });
    }

    // Tracking links: keyed by their order, so two links of one order share a budget and another order's do not.
    const order = (await client(server.url, tenant.apiKey).post('/v1/orders', { customer: { id: 'c9' } })).body;
    const links = [trackerToken(tenant.id, order.id, 3600), trackerToken(tenant.id, order.id, 7200)];
    const linkStatuses: number[] = [];
    for (let i = 0; i < USER; i++) linkStatuses.push((await client(server.url, links[i % 2]).get(`/v1/orders/${order.id}`)).status);
    expect(linkStatuses).toEqual(Array(USER).fill(200));
    expectRateLimited(await client(server.url, links[0]).get(`/v1/orders/${order.id}`), USER);
    const elsewhere = await client(server.url, trackerToken(tenant.id, 'ord_another', 3600)).get('/v1/orders/ord_another');
    expectError(elsewhere, 404, 'not_found');
    expect(limitHeaders(elsewhere).remaining).toBe(String(USER - 1));
  });

  it("never gives another tenant or another user a 429 for one tenant's flood", async () => {
    const flooder = await createTenant(server.url, 'Flood');
    const bystander = await createTenant(server.url, 'Bystander');
    const flood = await Promise.all(Array.from({ length: 40 }, () => client(server.url, flooder.apiKey).get('/v1/orders')));
    const counts = flood.reduce<Record<number, number>>((tally, response) => ({ ...tally, [response.status]: (tally[response.status] ?? 0) + 1 }), {});
    expect(counts).toEqual({ 200: BUSINESS, 429: 40 - BUSINESS });

    expect(await statuses([server.url], bystander.apiKey, BUSINESS)).toEqual(Array(BUSINESS).fill(200));
    // The flooding tenant's own people keep their budgets too.
    expect((await client(server.url, token(flooder.id, 'customer', 'c1')).get('/v1/orders')).status).toBe(200);
    expect((await client(server.url, token(bystander.id, 'staff', 's1')).get('/v1/orders')).status).toBe(200);
  });

  it("spends the client address's anonymous budget on missing or invalid credentials: 401 until it is spent, then 429", async () => {
    const tenant = await createTenant(server.url, 'Anon');
    const expired = craftJwt({ tid: tenant.id, role: 'customer', sub: 'c1', iat: 1_000, exp: 2_000 }, JWT_SECRET);
    const forged = craftJwt({ tid: tenant.id, role: 'customer', sub: 'c1', iat: 1_000, exp: 4_000_000_000 }, 'not-the-secret-0123456789-0123456789');
    const bad = [undefined, 'not-a-token', 'ak_unknown-key', expired];
    for (const [i, credential] of bad.slice(0, ANON).entries()) {
      const response = await request(server.url, 'GET', '/v1/orders', { token: credential });
      expectError(response, 401, 'unauthorized');
      expect(limitHeaders(response)).toMatchObject({ limit: String(ANON), remaining: String(ANON - 1 - i) });
    }
    for (const credential of [...bad, forged]) {
      expectRateLimited(await request(server.url, 'GET', '/v1/orders', { token: credential }), ANON);
    }
    // Valid credentials from the same address spend their own budget, not the anonymous one.
    const valid = await client(server.url, tenant.apiKey).get('/v1/orders');
    expect(valid.status).toBe(200);
    expect(limitHeaders(valid).limit).toBe(String(BUSINESS));
  });

  it('leaves the platform admin and the infrastructure probes unlimited', async () => {
    for (let i = 0; i < BUSINESS + ANON + 2; i++) {
      const created = await client(server.url, ADMIN_TOKEN).post('/v1/tenants', { name: `Admin ${i}` });
      expect(created.status).toBe(201);
      expect(created.headers.get('ratelimit-limit')).toBeNull();
    }
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      for (let i = 0; i < ANON + 2; i++) {
        const response = await request(server.url, 'GET', path);
        expect({ path, status: response.status, limit: response.headers.get('ratelimit-limit') }).toEqual({ path, status: 200, limit: null });
      }
    }
  });
});

describe("rate limiting of devices' positions", () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('ratelimit-devices'), ...BUDGETS } });
  });
  afterAll(() => server.close());

  it("budgets each device like an API key once its key checks out; unknown keys and bad messages spend the address's", async () => {
    const tenant = await createTenant(server.url, 'Devices');
    const api = client(server.url, tenant.apiKey);
    expect((await api.post('/v1/couriers', { id: 'k1', name: 'Kim' })).status).toBe(201);
    const { key } = (await api.post('/v1/couriers/k1/devices', { protocol: 'osmand' })).body as { key: string };
    const { key: other } = (await api.post('/v1/couriers/k1/devices', { protocol: 'osmand' })).body as { key: string };
    const send = (deviceKey: string, lat = '22.3') => request(server.url, 'GET', `/devices/osmand?id=${deviceKey}&lat=${lat}&lon=114.1`);
    for (let i = 0; i < BUSINESS; i++) {
      const response = await send(key);
      expect(response.status).toBe(200);
      expect(limitHeaders(response)).toMatchObject({ limit: String(BUSINESS), remaining: String(BUSINESS - 1 - i) });
    }
    expectRateLimited(await send(key), BUSINESS);
    // Another device of the same courier has its own budget.
    expect((await send(other)).status).toBe(200);
    // An unknown key, and a message that is not valid, spend the client address's anonymous budget.
    expectError(await send(`dev_${'x'.repeat(43)}`), 400, 'validation_failed');
    expectError(await send(other, 'north'), 400, 'validation_failed');
    expectError(await request(server.url, 'POST', '/devices/owntracks', { body: { _type: 'location' } }), 401, 'unauthorized');
    expectRateLimited(await send(`dev_${'y'.repeat(43)}`), ANON);
    expectRateLimited(await request(server.url, 'POST', '/devices/overland?key=nope', { body: { locations: [] } }), ANON);
    // The known device goes on with its own budget.
    expect((await send(other)).status).toBe(200);
  });
});

describe('rate limiting across a cluster', () => {
  let pair: TestPair;
  beforeAll(async () => {
    pair = await startPair({ REDIS_PREFIX: unique('ratelimit-pair'), ...BUDGETS });
  });
  afterAll(() => pair.close());

  it('counts requests spread over two nodes sharing one Redis against one budget', async () => {
    const tenant = await createTenant(pair.a.url, 'Cluster');
    const urls = [pair.a.url, pair.b.url];
    const remaining: Array<string | null> = [];
    for (let i = 0; i < BUSINESS; i++) {
      const response = await client(urls[i % 2]!, tenant.apiKey).get('/v1/orders');
      expect(response.status).toBe(200);
      remaining.push(limitHeaders(response).remaining);
    }
    expect(remaining).toEqual(Array.from({ length: BUSINESS }, (_, i) => String(BUSINESS - 1 - i)));
    for (const url of urls) expectRateLimited(await client(url, tenant.apiKey).get('/v1/orders'), BUSINESS);
  });
});

describe('rate limiting while Redis is down', () => {
  let redis: RedisServer;
  let pair: TestPair;
  beforeAll(async () => {
    redis = await startRedis();
    pair = await startPair({ REDIS_URL: redis.url, REDIS_PREFIX: unique('ratelimit-down'), ...BUDGETS });
  });
  afterAll(async () => {
    await pair?.close();
    await stopAllRedis();
  });

  const readyz = async (url: string) => (await request(url, 'GET', '/readyz')).status;

  it('limits each node on its own while Redis is down, still serving, and the cluster budget again once it is back', async () => {
    const tenant = await createTenant(pair.a.url, 'Outage');
    const nodes = [pair.a.url, pair.b.url];
    // Cluster-wide at first: a few requests over both nodes, counted together.
    const before = await statuses(nodes, tenant.apiKey, 2);
    expect(before).toEqual([200, 200]);

    await redis.stop();
    for (const url of nodes) await eventually(async () => (await readyz(url)) === 503, `${url} notices Redis is gone`);
    // Each node now counts on its own, from what it last heard of the cluster's count: node a (it heard of 1
    // request) admits the budget less 1, node b (it heard of 2) less 2, and node a's requests do not spend node b's.
    expect(await admittedUntilLimited(pair.a.url, tenant.apiKey, BUSINESS * 3)).toBe(BUSINESS - 1);
    expect(await admittedUntilLimited(pair.b.url, tenant.apiKey, BUSINESS * 3)).toBe(BUSINESS - 2);

    await redis.restart();
    for (const url of nodes) await eventually(async () => (await readyz(url)) === 200, `${url} reconnects to Redis`);
    // What the nodes admitted in this window stays spent; a tenant new to both is counted across both again, in
    // Redis (restarted empty).
    for (const url of nodes) expectRateLimited(await client(url, tenant.apiKey).get('/v1/orders'), BUSINESS);
    const fresh = await createTenant(pair.a.url, 'After the outage');
    expect(await statuses(nodes, fresh.apiKey, BUSINESS + 2)).toEqual([...Array(BUSINESS).fill(200), 429, 429]);
  });

  it('answers from its own count, without hanging, while a connected Redis stops answering', async () => {
    const tenant = await createTenant(pair.a.url, 'Hung');
    const probe = new Redis(redis.url);
    const pid = Number(/process_id:(\d+)/.exec(await probe.info('server'))?.[1]);
    probe.disconnect();
    expect(pid).toBeGreaterThan(0);
    // Still connected, never answering: only a timeout gets a request past it.
    process.kill(pid, 'SIGSTOP');
    try {
      const customer = client(pair.a.url, token(tenant.id, 'customer', 'c1'));
      for (let i = 0; i < USER; i++) {
        const started = Date.now();
        const response = await customer.get('/v1/orders');
        expect({ status: response.status, fast: Date.now() - started < 2000 }).toEqual({ status: 200, fast: true });
      }
      expectRateLimited(await customer.get('/v1/orders'), USER);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
