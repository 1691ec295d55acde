/**
 * Taking credentials back (API.md "Identities and tokens") on a two-node cluster: `POST /v1/tokens/revoke` refuses
 * every token of the subject issued until then, at once on both nodes (HTTP 401, its live sockets cut, wherever they
 * are), while a token minted after it works and other subjects are untouched; `POST /v1/tenants/me/api-key` hands a
 * new key and the old one is refused at once on both nodes (no cache keeps it), its sockets cut. A node that missed
 * a revocation (cut off from Redis when it was announced) learns it from the store once it is back.
 */
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { liveCluster } from '../../support/live-fixture';
import { startTestNode, type TestNode } from '../../support/node';
import { dropPrefix, shardSubscribers } from '../../support/redis-keys';
import { closeAllSockets, connectSocket, handshake, type LiveSocket } from '../../support/sockets';
import { closeAllProxies, startTcpProxy } from '../../support/tcp-proxy';
import { createTenant, type Tenant } from '../../support/tenant';
import { removeDir, tempDir } from '../../support/temp-dir';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
let biz: Client;
liveCluster('revoke', { tenant: 'Acme', ready: (started) => ({ a, b, tenant, biz } = started) });

/** What a staff or business caller reads on `node` with `token`: the answer's status. */
const readOrders = async (node: TestNode, token: string) => (await client(node.url, token).get('/v1/orders')).status;

/** Resolves with the reason once the server disconnects the socket. */
const cut = (socket: LiveSocket) => new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

describe('POST /v1/tokens/revoke', () => {
  it("refuses the subject's earlier tokens on both nodes at once and cuts its socket on the other node; a token minted after works", async () => {
    const first = await tenant.token('staff', 'rv-s1');
    const second = await tenant.token('staff', 'rv-s1', 7200);
    const bystander = await tenant.token('staff', 'rv-s2');
    // Both nodes have taken the tokens, and hold sockets of them.
    for (const node of [a, b]) for (const token of [first, second, bystander]) expect(await readOrders(node, token)).toBe(200);
    const onB = await connectSocket(b.url, first);
    const onA = await connectSocket(a.url, second);
    const otherOnB = await connectSocket(b.url, bystander);
    const cutOnB = cut(onB);
    const cutOnA = cut(onA);

    const revoked = await biz.post('/v1/tokens/revoke', { role: 'staff', subject: 'rv-s1' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ role: 'staff', subject: 'rv-s1', revoked_before: expect.any(String) });

    // At once: no waiting for either node to catch up.
    for (const node of [a, b]) {
      for (const token of [first, second]) expectError(await client(node.url, token).get('/v1/orders'), 401, 'unauthorized');
      expect(await readOrders(node, bystander)).toBe(200);
    }
    expect(await cutOnB).toBe('io server disconnect');
    expect(await cutOnA).toBe('io server disconnect');
    expect(otherOnB.connected).toBe(true);
    expect(await handshake(b.url, first)).toBe('unauthorized');

    const fresh = await tenant.token('staff', 'rv-s1');
    for (const node of [a, b]) {
      expect(await readOrders(node, fresh)).toBe(200);
      expect(await handshake(node.url, fresh)).toBe('connected');
    }
  });

  it("refuses a customer's earlier token, not the same subject as a courier, nor another tenant's customer of that id", async () => {
    const other = await createTenant(a.url, 'Other');
    const customer = await tenant.token('customer', 'rv-c1');
    const courier = await tenant.token('courier', 'rv-c1');
    const elsewhere = await other.token('customer', 'rv-c1');
    expect((await biz.post('/v1/tokens/revoke', { role: 'customer', subject: 'rv-c1' })).status).toBe(200);
    expectError(await client(b.url, customer).get('/v1/customers/rv-c1/loyalty'), 401, 'unauthorized');
    expect((await client(b.url, elsewhere).get('/v1/customers/rv-c1/loyalty')).status).toBe(200);
    expect(await handshake(b.url, courier)).toBe('connected');
  });

  it('is for the business only, and checks its body', async () => {
    const staff = await tenant.token('staff', 'rv-s3');
    expectError(await client(a.url, staff).post('/v1/tokens/revoke', { role: 'staff', subject: 'rv-s3' }), 403, 'forbidden');
    expectError(await biz.post('/v1/tokens/revoke', { role: 'tracker', subject: 'x' }), 400, 'validation_failed');
    expectError(await biz.post('/v1/tokens/revoke', { role: 'staff' }), 400, 'validation_failed');
    expect(await readOrders(a, staff)).toBe(200);
  });
});

describe('POST /v1/tenants/me/api-key', () => {
  it('hands a new key; the old one is refused at once on both nodes and its socket cut, the new one works', async () => {
    const rotating = await createTenant(a.url, 'Rotating');
    // Both nodes have the old key in their caches, and a socket of it is open on the other node.
    for (const node of [a, b]) expect(await readOrders(node, rotating.apiKey)).toBe(200);
    const onB = await connectSocket(b.url, rotating.apiKey);
    const cutOnB = cut(onB);
    const bystander = await connectSocket(b.url, tenant.apiKey);

    const rotated = await client(a.url, rotating.apiKey).post('/v1/tenants/me/api-key');
    expect(rotated.status).toBe(201);
    expect(rotated.body).toEqual({ api_key: expect.stringMatching(/^ak_/) });
    const newKey = rotated.body.api_key as string;

    for (const node of [a, b]) {
      expectError(await client(node.url, rotating.apiKey).get('/v1/orders'), 401, 'unauthorized');
      expect(await readOrders(node, newKey)).toBe(200);
      expect(await readOrders(node, tenant.apiKey)).toBe(200);
    }
    expect(await cutOnB).toBe('io server disconnect');
    expect(bystander.connected).toBe(true);
    expect(await handshake(b.url, rotating.apiKey)).toBe('unauthorized');
    expect(await handshake(b.url, newKey)).toBe('connected');
    // Tokens the business minted with its old key stay valid: they are signed, not tied to the key.
    const minted = await client(a.url, newKey).post('/v1/tokens', { role: 'staff', subject: 'rot-s1' });
    expect(minted.status).toBe(201);
  });

  it('is for the business only', async () => {
    const staff = await tenant.token('staff', 'rot-s2');
    expectError(await client(a.url, staff).post('/v1/tenants/me/api-key'), 403, 'forbidden');
  });
});

describe('a node that missed the revocation', () => {
  const LOCAL_REDIS = 'redis://127.0.0.1:6379';
  afterEach(async () => {
    closeAllSockets();
    await closeAllProxies();
  });

  it('refuses the token and cuts its socket once its Redis connection is back (it reads the revocations again)', async () => {
    const prefix = unique('revoke-missed');
    const dataDir = tempDir();
    const proxy = await startTcpProxy(6379);
    const first = await startTestNode({ dataDir, env: { REDIS_PREFIX: prefix } });
    // Node two hears the other nodes through the proxy, which the test cuts.
    const second = await startTestNode({
      dataDir,
      env: { REDIS_PREFIX: prefix },
      redisUrlFor: (connection) => (connection === 'adapter-subscriber' ? proxy.url('redis') : LOCAL_REDIS),
    });
    try {
      const acme = await createTenant(first.url);
      const token = await acme.token('staff', 'missed-s1');
      const socket = await connectSocket(second.url, token);
      const cutSocket = cut(socket);
      const serverChannel = `${prefix}:sio#/#`;
      proxy.cut();
      await eventually(async () => (await shardSubscribers(LOCAL_REDIS, [serverChannel]))?.[0] === 1, 'node two off the adapter channel');

      expect((await client(first.url, acme.apiKey).post('/v1/tokens/revoke', { role: 'staff', subject: 'missed-s1' })).status).toBe(200);
      expect(await readOrders(first, token)).toBe(401);
      // Node two did not hear it.
      expect(await readOrders(second, token)).toBe(200);

      proxy.heal();
      await eventually(async () => (await readOrders(second, token)) === 401, 'node two refusing the revoked token');
      expect(await cutSocket).toBe('io server disconnect');
    } finally {
      await second.close({ keepData: true });
      await first.close({ keepData: true });
      removeDir(dataDir);
      await dropPrefix(prefix);
    }
  });
});
