import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Database from 'better-sqlite3';
import jwt from 'jsonwebtoken';
import { sendStatus } from '../../support/burst';
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import { type NodeProcess, parseJsonLine, runUntilExit, spawnNode } from '../../support/node-process';
import { ADMIN_TOKEN, JWT_SECRET } from '../../support/node-settings';
import { listEvents, placeOrder } from '../../support/orders';
import { range } from '../../support/range';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

interface InFlight {
  eventId: string;
  /** Resolves once the server has answered `100 Continue`: it has parsed the headers and handed the request to the app. */
  accepted: Promise<void>;
  /** Writes the body; resolves once it has been handed to the socket. */
  sendBody(): Promise<void>;
  response: Promise<{ status: number; seq: string | undefined; outcome: string | undefined; body: string }>;
}

/**
 * Starts a status POST in two steps: the headers with `Expect: 100-continue` now, the body on `sendBody()`.
 * Once `accepted` resolves the request is in the server's hands, not merely in a socket backlog.
 */
function startPost(url: string, apiKey: string, orderId: string, eventId: string, agent: http.Agent | false): InFlight {
  const body = JSON.stringify({ status: 'in_transit', event_id: eventId });
  let req!: http.ClientRequest;
  let markAccepted!: () => void;
  let failAccepted!: (error: unknown) => void;
  const accepted = new Promise<void>((resolve, reject) => {
    markAccepted = resolve;
    failAccepted = reject;
  });
  const response = new Promise<Awaited<InFlight['response']>>((resolve, reject) => {
    req = http.request(
      `${url}/v1/orders/${orderId}/status`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${apiKey}`,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          expect: '100-continue',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            seq: res.headers['event-seq'] as string | undefined,
            outcome: res.headers['event-outcome'] as string | undefined,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      failAccepted(error);
      reject(error);
    });
    req.on('continue', () => markAccepted());
    req.flushHeaders();
  });
  // Both are awaited by the test; keep an early rejection of one from being reported as unhandled meanwhile.
  accepted.catch(() => {});
  response.catch(() => {});
  const sendBody = (): Promise<void> => new Promise<void>((resolve) => req.end(body, () => resolve()));
  return { eventId, accepted, sendBody, response };
}

describe('process lifecycle', () => {
  const agents: Array<http.Agent | false> = [];
  // The clients' connections go first, then the processes and their directories.
  afterEach(() => {
    for (const agent of agents.splice(0)) if (agent) agent.destroy();
  });
  const cluster = processCluster({ per: 'test' });
  const newDir = () => cluster.newDir();

  it.each([
    ['one connection per request', false],
    ['keep-alive connections', true],
  ])('on SIGTERM finishes the requests in flight (%s), exits 0 within seconds, and keeps what it acknowledged', async (_, keepAlive) => {
    const agent = keepAlive ? new http.Agent({ keepAlive: true }) : false;
    agents.push(agent);
    const dataDir = newDir();
    const node = await spawnNode(dataDir);
    const tenant = await createTenant(node.url);
    const orderId = (await placeOrder(client(node.url, tenant.apiKey))).id;
    expect(await sendStatus(node.url, tenant.apiKey, orderId, 'to-transit')).toMatchObject({ status: 200, seq: 2 });

    // 50 posts on one order: its actor applies them one by one, so many are still being worked on at SIGTERM.
    const posts = range(1, 50).map((n) => startPost(node.url, tenant.apiKey, orderId, `hub-${n}`, agent));
    let answeredBeforeSignal = 0;
    for (const post of posts) void post.response.then(() => answeredBeforeSignal++, () => {});
    await Promise.all(posts.map((post) => post.accepted));
    // Half are complete requests when the signal comes; the other half still wait for their body.
    const early = posts.slice(0, 25);
    const late = posts.slice(25);
    await Promise.all(early.map((post) => post.sendBody()));
    const answered = answeredBeforeSignal;
    const signalledAt = Date.now();
    node.child.kill('SIGTERM');
    // Once the node says it is shutting down it has stopped listening; only then do the late bodies go out.
    await node.waitForLine((line) => parseJsonLine(line)?.msg === 'shutting down');
    await Promise.all(late.map((post) => post.sendBody()));

    const settled = await Promise.allSettled(posts.map((post) => post.response));
    const exit = await node.exited;
    const exitMs = Date.now() - signalledAt;

    expect(answered).toBeLessThan(50); // the signal did arrive with requests in flight
    const failed = settled.flatMap((s, i): Array<Record<string, unknown>> =>
      s.status === 'rejected'
        ? [{ eventId: posts[i]!.eventId, error: String(s.reason) }]
        : s.value.status !== 200
          ? [{ eventId: posts[i]!.eventId, status: s.value.status, body: s.value.body }]
          : [],
    );
    expect(failed).toEqual([]);
    const acks = settled.map((s, i) => {
      const value = (s as PromiseFulfilledResult<Awaited<InFlight['response']>>).value;
      return { eventId: posts[i]!.eventId, seq: Number(value.seq), outcome: value.outcome };
    });
    expect(acks.every((ack) => ack.outcome === 'applied')).toBe(true);
    expect(acks.map((ack) => ack.seq).sort((x, y) => x - y)).toEqual(range(1, 50).map((n) => n + 2));

    const restarted = await spawnNode(dataDir);
    const events = await listEvents(client(restarted.url, tenant.apiKey), orderId);
    expect(events.map((e) => e.seq)).toEqual(range(1, 52));
    const seqById = new Map(events.map((e) => [e.event_id, e.seq]));
    expect(acks.filter((ack) => seqById.get(ack.eventId) !== ack.seq)).toEqual([]);
    await restarted.stop('SIGTERM');

    // A clean shutdown, not the shutdown timeout (SHUTDOWN_TIMEOUT_MS, 10 s, exits 1 with "shutdown timed out").
    const tail = node.output.slice(-3).join('\n');
    expect({ ...exit, exitMs: exitMs < 5_000 ? 'under 5 s' : `${exitMs} ms`, tail }).toEqual({
      code: 0,
      signal: null,
      exitMs: 'under 5 s',
      tail: expect.stringContaining('"msg":"stopped"'),
    });
  });

  it('exits 0 promptly on SIGTERM while a client holds an idle keep-alive connection', async () => {
    const node = await spawnNode(newDir());
    // A keep-alive connection that sits idle (server keep-alive timeout is 65 s).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const status = await new Promise<number>((resolve, reject) => {
        http
          .get(`${node.url}/healthz`, { agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          })
          .on('error', reject);
      });
      expect(status).toBe(200);
      const signalledAt = Date.now();
      node.child.kill('SIGTERM');
      expect(await node.exited).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(5_000);
    } finally {
      agent.destroy();
    }
  });

  it.each([
    ['PORT', 'notaport'],
    ['PORT', '70000'],
    ['ADMIN_TOKEN', 'short-token'],
    ['JWT_SECRET', 'a-secret-that-is-too-short'],
    ['REDIS_URL', 'localhost:6379'],
    ['DATABASE_URL', 'mysql://db/tracking'],
  ])('refuses to start with a bad %s (%s): exit code 1, one stderr line naming it, nothing started', async (variable, value) => {
    const parent = newDir();
    const dataDir = path.join(parent, 'data'); // does not exist yet: start-up must not create it
    const run = await runUntilExit(dataDir, { [variable]: value });

    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.listened).toBe(false);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(new RegExp(`\\b${variable}\\b`));
    if (variable === 'ADMIN_TOKEN' || variable === 'JWT_SECRET') expect(run.stderr[0]).not.toContain(value);
    expect(run.stdout.filter((line) => /listening|url/i.test(line))).toEqual([]);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'both networked stores',
      { DATABASE_URL: 'postgres://127.0.0.1/tracking', MONGODB_URI: 'mongodb://127.0.0.1/tracking' },
      /\bDATABASE_URL\b.*\bMONGODB_URI\b/,
    ],
    ['a PostgreSQL schema that is not an identifier', { DATABASE_URL: 'postgres://127.0.0.1/test', DATABASE_SCHEMA: 'a-b' }, /\bDATABASE_SCHEMA\b/],
  ])('refuses to start with %s: exit code 1, one stderr line, nothing started', async (_, env, line) => {
    const dataDir = path.join(newDir(), 'data');
    const run = await runUntilExit(dataDir, env);
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.listened).toBe(false);
    expect(run.stderr).toHaveLength(1);
    expect(run.stderr[0]).toMatch(line);
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('refuses to start, in one line, when the PostgreSQL store cannot be reached', async () => {
    const run = await runUntilExit(newDir(), { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/test' });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    expect(run.listened).toBe(false);
    expect(run.stderr.filter((line) => line.startsWith('start-up failed at store'))).toHaveLength(1);
  });

  it('without ADMIN_TOKEN, prints a generated admin token that creates tenants', async () => {
    const node = await spawnNode(newDir(), { env: { ADMIN_TOKEN: '' } });
    // The token is logged after the listening line; wait for it to come out.
    await node.waitForLine((line) => typeof parseJsonLine(line)?.admin_token === 'string');
    const tokens = node.output
      .map(parseJsonLine)
      .map((entry) => entry?.admin_token)
      .filter((token): token is string => typeof token === 'string');
    expect(tokens).toHaveLength(1);
    const adminToken = tokens[0]!;
    expect(adminToken).not.toBe(ADMIN_TOKEN);
    expect(adminToken.length).toBeGreaterThanOrEqual(16);

    const created = await client(node.url, adminToken).post('/v1/tenants', { name: 'Generated' });
    expect(created.status).toBe(201);
    expect(typeof created.body.api_key).toBe('string');
    const business = await client(node.url, created.body.api_key).get('/v1/orders');
    expect(business.status).toBe(200);
    // The test suite's fixed token is not an admin token of this node.
    const refused = await client(node.url, ADMIN_TOKEN).post('/v1/tenants', { name: 'Nope' });
    expect(refused.status).toBe(401);
  });

  it("without JWT_SECRET, keeps a generated secret in DATA_DIR so nodes sharing it accept each other's tokens", async () => {
    const dataDir = newDir();
    // The database file already in WAL mode, so the only race here is the secret file's (starting together on a
    // fresh database file is covered in cluster.test.ts).
    const db = new Database(path.join(dataDir, 'tracking.db'));
    db.pragma('journal_mode = WAL');
    db.close();
    // Started together: both race to create the secret file.
    const [a, b] = await Promise.all([
      spawnNode(dataDir, { env: { JWT_SECRET: '' } }),
      spawnNode(dataDir, { env: { JWT_SECRET: '' } }),
    ]);
    const secretFile = path.join(dataDir, 'jwt-secret');
    expect(fs.existsSync(secretFile)).toBe(true);
    expect(fs.readFileSync(secretFile, 'utf8').trim().length).toBeGreaterThanOrEqual(32);
    expect(fs.statSync(secretFile).mode & 0o077).toBe(0); // a secret: not readable by group or others

    const tenant = await createTenant(a.url);
    const customerFromA = await tenant.token('customer', 'cust-1');
    const placedOnB = await client(b.url, customerFromA).post('/v1/orders', { customer: { id: 'cust-1' } });
    expect(placedOnB.status).toBe(201);
    const orderId = placedOnB.body.id as string;

    const staffFromB = await (async () => {
      const minted = await client(b.url, tenant.apiKey).post('/v1/tokens', { role: 'staff', subject: 's1', ttl_s: 600 });
      expect(minted.status).toBe(201);
      return minted.body.token as string;
    })();
    expect((await client(a.url, staffFromB).get(`/v1/orders/${orderId}`)).status).toBe(200);
    // The tracking link minted by B opens the order on A.
    expect((await client(a.url, placedOnB.body.tracking_token).get(`/v1/orders/${orderId}`)).status).toBe(200);
    // The same claims signed with another secret (the suite's fixed one) are refused by both.
    const forged = jwt.sign({ tid: tenant.id, role: 'staff', sub: 's1' }, JWT_SECRET, {
      algorithm: 'HS256',
      issuer: 'order-tracking',
      expiresIn: 600,
    });
    for (const node of [a, b]) expect((await client(node.url, forged).get(`/v1/orders/${orderId}`)).status).toBe(401);

    // The secret outlives the processes: a node restarted on the same DATA_DIR accepts tokens minted before.
    await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
    const c: NodeProcess = await spawnNode(dataDir, { env: { JWT_SECRET: '' } });
    expect((await client(c.url, customerFromA).get(`/v1/orders/${orderId}`)).status).toBe(200);
    await c.stop('SIGTERM');
  });
});
