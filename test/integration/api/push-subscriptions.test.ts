/**
 * Web Push as a resource (API.md "Web Push", "Errors", "Identities and tokens"): the VAPID public key, which every
 * node of a cluster answers alike and anyone may read; push subscriptions, which a customer makes for itself and a
 * tracking link for its one order, checked as webhook URLs are (https, a public address) and their keys as the Push
 * API makes them; one per holder and endpoint, a bounded number of them, removed only by their holder.
 */
import { createECDH } from 'node:crypto';
import { generateVapidKeys } from '../../../src/domain/push';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startPair, startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN } from '../../support/node-settings';
import { placeOrder, type PlacedOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';
import { removeDir, tempDir } from '../../support/temp-dir';

jest.setTimeout(30_000);

// Names the test resolves itself: the server's SSRF check sees what their DNS would answer.
const ADDRESSES: Record<string, string> = { 'push.example.com': '93.184.216.34', 'push.internal.example': '10.1.2.3' };
const resolve = async (hostname: string) => {
  const address = ADDRESSES[hostname];
  if (!address) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

/** Keys as a browser makes them: its P-256 public key and a 16-byte auth secret, base64url. */
function browserKeys(): { p256dh: string; auth: string } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return { p256dh: ecdh.getPublicKey().toString('base64url'), auth: Buffer.alloc(16, 7).toString('base64url') };
}

/** A subscription body with an endpoint of its own at push.example.com (a public address). */
function subscription(endpoint = `https://push.example.com/send/${unique('ep')}`) {
  return { endpoint, keys: browserKeys() };
}

let server: TestNode;
let tenant: Tenant;
let biz: Client;

beforeAll(async () => {
  server = await startTestNode({ env: { REDIS_PREFIX: unique('push-api') }, resolve });
  tenant = await createTenant(server.url);
  biz = client(server.url, tenant.apiKey);
});
afterAll(() => server.close());

const customerClient = async (id = unique('cust')) => ({ id, api: client(server.url, await tenant.token('customer', id)) });
const trackerOf = (order: PlacedOrder) => client(server.url, order.tracking_token);

describe('GET /v1/push/public-key', () => {
  it('answers anyone the VAPID public key: an uncompressed P-256 point, base64url', async () => {
    const response = await client(server.url).get('/v1/push/public-key');
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['public_key']);
    const key = Buffer.from(response.body.public_key, 'base64url');
    expect(response.body.public_key).toMatch(/^[A-Za-z0-9_-]{87}$/);
    expect(key).toHaveLength(65);
    expect(key[0]).toBe(4);
  });

  it('is one key for the whole cluster, kept across restarts; VAPID_* settings choose it', async () => {
    const dataDir = tempDir();
    try {
      const pair = await startPair({ REDIS_PREFIX: unique('push-pair') }, dataDir);
      let key: string;
      try {
        const [a, b] = await Promise.all([pair.a, pair.b].map((node) => client(node.url).get('/v1/push/public-key')));
        key = a!.body.public_key;
        expect(b!.body.public_key).toBe(key);
        expect(key).not.toBe((await client(server.url).get('/v1/push/public-key')).body.public_key);
      } finally {
        await pair.a.close({ keepData: true });
        await pair.b.close({ keepData: true });
      }
      const again = await startTestNode({ dataDir, env: { REDIS_PREFIX: unique('push-again') } });
      expect((await client(again.url).get('/v1/push/public-key')).body.public_key).toBe(key);
      await again.close({ keepData: true });

      const chosen = generateVapidKeys();
      const configured = await startTestNode({
        dataDir,
        env: { REDIS_PREFIX: unique('push-env'), VAPID_PUBLIC_KEY: chosen.publicKey, VAPID_PRIVATE_KEY: chosen.privateKey },
      });
      expect((await client(configured.url).get('/v1/push/public-key')).body.public_key).toBe(chosen.publicKey);
      await configured.close({ keepData: true });
    } finally {
      removeDir(dataDir);
    }
  });

  it('spends the client address’s anonymous budget', async () => {
    const limited = await startTestNode({ env: { REDIS_PREFIX: unique('push-anon'), RATE_LIMIT_ANON: '2/min' } });
    try {
      const anyone = client(limited.url);
      expect((await anyone.get('/v1/push/public-key')).status).toBe(200);
      expect((await anyone.get('/v1/push/public-key')).status).toBe(200);
      expectError(await anyone.get('/v1/push/public-key'), 429, 'rate_limited');
    } finally {
      await limited.close();
    }
  });
});

describe('POST /v1/push-subscriptions', () => {
  it('a customer subscribes a browser: 201 with its id; the same endpoint again is the same subscription', async () => {
    const { api } = await customerClient();
    const body = subscription();
    const first = await api.post('/v1/push-subscriptions', body);
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.stringMatching(/^psb_/) });
    // Keys a browser renewed for the same endpoint: still one subscription.
    const again = await api.post('/v1/push-subscriptions', { ...body, keys: browserKeys() });
    expect(again).toMatchObject({ status: 201, body: { id: first.body.id } });
    expect((await api.post('/v1/push-subscriptions', subscription())).body.id).not.toBe(first.body.id);
  });

  it('a tracking link subscribes for its order; a renewed link’s earlier token may not', async () => {
    const order = await placeOrder(biz, { customer: { id: unique('cust') } });
    expect((await trackerOf(order).post('/v1/push-subscriptions', subscription())).status).toBe(201);
    expect((await biz.post(`/v1/orders/${order.id}/tracking-token`)).status).toBe(201);
    expectError(await trackerOf(order).post('/v1/push-subscriptions', subscription()), 401, 'unauthorized');
  });

  it('business, staff, courier and admin: 403; no token: 401', async () => {
    for (const token of [tenant.apiKey, await tenant.token('staff', 's1'), await tenant.token('courier', 'k1'), ADMIN_TOKEN]) {
      expectError(await client(server.url, token).post('/v1/push-subscriptions', subscription()), 403, 'forbidden');
    }
    expectError(await client(server.url).post('/v1/push-subscriptions', subscription()), 401, 'unauthorized');
  });

  const offCurve = (() => {
    const point = Buffer.from(browserKeys().p256dh, 'base64url');
    point.writeUInt8(point.readUInt8(64) ^ 1, 64);
    return point.toString('base64url');
  })();

  it.each([
    ['an http endpoint', { ...subscription('http://push.example.com/send/1') }, ['endpoint']],
    ['an endpoint that is not a URL', { ...subscription('push.example.com/send/1') }, ['endpoint']],
    ['a loopback endpoint', { ...subscription('https://127.0.0.1/send/1') }, ['endpoint']],
    ['a private endpoint', { ...subscription('https://10.0.0.7/send/1') }, ['endpoint']],
    ['a cloud metadata endpoint', { ...subscription('https://169.254.169.254/latest') }, ['endpoint']],
    ['a name resolving to a private address', { ...subscription('https://push.internal.example/send/1') }, ['endpoint']],
    ['an endpoint with credentials', { ...subscription('https://user:secret@push.example.com/send/1') }, ['endpoint']],
    ['an endpoint over 2000 characters', { ...subscription(`https://push.example.com/${'x'.repeat(2000)}`) }, ['endpoint']],
    ['a p256dh of 64 bytes', { endpoint: subscription().endpoint, keys: { ...browserKeys(), p256dh: Buffer.alloc(64, 4).toString('base64url') } }, ['keys.p256dh']],
    ['a p256dh off the curve', { endpoint: subscription().endpoint, keys: { ...browserKeys(), p256dh: offCurve } }, ['keys.p256dh']],
    ['a p256dh that is not base64url', { endpoint: subscription().endpoint, keys: { ...browserKeys(), p256dh: 'not base64!' } }, ['keys.p256dh']],
    ['an auth secret of 15 bytes', { endpoint: subscription().endpoint, keys: { ...browserKeys(), auth: Buffer.alloc(15).toString('base64url') } }, ['keys.auth']],
    ['both keys wrong and an http endpoint', { endpoint: 'http://push.example.com/1', keys: { p256dh: 'AAAA', auth: 'AAAA' } }, ['endpoint', 'keys.p256dh', 'keys.auth']],
    ['no keys', { endpoint: subscription().endpoint }, ['keys']],
    ['an unknown field (the browser’s expirationTime)', { ...subscription(), expirationTime: null }, ['body']],
  ])('400 validation_failed for %s, naming the fields, and nothing kept', async (_what, body, fields) => {
    const { id, api } = await customerClient();
    const error = expectError(await api.post('/v1/push-subscriptions', body), 400, 'validation_failed');
    expect((error.details as Array<{ path: string }>).map((detail) => detail.path).sort()).toEqual([...fields].sort());
    expect(await server.node.parts.store.push.listPushSubscriptions(tenant.id, { customerId: id, orderId: null })).toEqual([]);
  });

  it('with WEBHOOK_ALLOW_PRIVATE, an http endpoint on a loopback address is taken (a local push service)', async () => {
    const open = await startTestNode({ env: { REDIS_PREFIX: unique('push-private'), WEBHOOK_ALLOW_PRIVATE: 'true' } });
    try {
      const local = await createTenant(open.url);
      const api = client(open.url, await local.token('customer', 'c1'));
      expect((await api.post('/v1/push-subscriptions', subscription('http://127.0.0.1:9/push/1'))).status).toBe(201);
      expect((await api.post('/v1/push-subscriptions', subscription('https://10.0.0.7/push/1'))).status).toBe(201);
      expectError(await api.post('/v1/push-subscriptions', subscription('ftp://127.0.0.1/push/1')), 400, 'validation_failed');
    } finally {
      await open.close();
    }
  });

  it('at most 10 per customer and 10 per tracking link: 409 limit_reached; an endpoint held already is still renewed', async () => {
    const { api } = await customerClient();
    const order = await placeOrder(biz, { customer: { id: unique('cust') } });
    for (const holder of [api, trackerOf(order)]) {
      const bodies = Array.from({ length: 10 }, () => subscription());
      for (const body of bodies) expect((await holder.post('/v1/push-subscriptions', body)).status).toBe(201);
      const over = expectError(await holder.post('/v1/push-subscriptions', subscription()), 409, 'limit_reached');
      expect(over.details).toEqual({ limit: 10 });
      expect((await holder.post('/v1/push-subscriptions', bodies[3])).status).toBe(201);
    }
  });
});

describe('DELETE /v1/push-subscriptions/:id', () => {
  it('only its holder removes a subscription (204), once; anyone else: 404', async () => {
    const mine = await customerClient();
    const other = await customerClient();
    const order = await placeOrder(biz, { customer: { id: mine.id } });
    const otherOrder = await placeOrder(biz, { customer: { id: mine.id } });
    const own = (await mine.api.post('/v1/push-subscriptions', subscription())).body.id as string;
    const linked = (await trackerOf(order).post('/v1/push-subscriptions', subscription())).body.id as string;

    expectError(await other.api.delete(`/v1/push-subscriptions/${own}`), 404, 'not_found');
    expectError(await trackerOf(order).delete(`/v1/push-subscriptions/${own}`), 404, 'not_found');
    expectError(await trackerOf(otherOrder).delete(`/v1/push-subscriptions/${linked}`), 404, 'not_found');
    // The customer does not hold what a link of its order made.
    expectError(await mine.api.delete(`/v1/push-subscriptions/${linked}`), 404, 'not_found');
    expectError(await mine.api.delete('/v1/push-subscriptions/psb_unknown'), 404, 'not_found');

    expect((await mine.api.delete(`/v1/push-subscriptions/${own}`)).status).toBe(204);
    expectError(await mine.api.delete(`/v1/push-subscriptions/${own}`), 404, 'not_found');
    expect((await trackerOf(order).delete(`/v1/push-subscriptions/${linked}`)).status).toBe(204);
  });

  it('business, staff and courier: 403; no token: 401', async () => {
    for (const token of [tenant.apiKey, await tenant.token('staff', 's1'), await tenant.token('courier', 'k1')]) {
      expectError(await client(server.url, token).delete('/v1/push-subscriptions/psb_any'), 403, 'forbidden');
    }
    expectError(await client(server.url).delete('/v1/push-subscriptions/psb_any'), 401, 'unauthorized');
  });
});
