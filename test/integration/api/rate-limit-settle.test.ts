/**
 * The request budgets' Redis side (src/http/rate-limit.ts), at the level of RateLimit itself: several instances
 * sharing one Redis stand for the nodes of a cluster. What is counted: budgets that hold across the nodes, the Redis
 * commands a request costs, what a node does alone while Redis is down, and the anonymous budgets per address.
 */
import Redis from 'ioredis';
import { RateLimit, type BudgetName, type Caller, type RateLimitVerdict } from '../../../src/http/rate-limit';
import { unique } from '../../support/ids';
import { openMonitor } from '../../support/redis-monitor';
import { type RedisServer, startRedis, stopAllRedis } from '../../support/redis-server';

const REDIS_URL = 'redis://127.0.0.1:6379';
const clients: Redis[] = [];

/** A node's fail-fast connection, as src/gateways/redis.ts makes it; resolves once it is ready. */
async function connect(url = REDIS_URL): Promise<Redis> {
  const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  clients.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

afterAll(async () => {
  for (const client of clients) client.disconnect();
  await stopAllRedis();
});

function tenant(tenantId: string): Caller {
  return { role: 'business', tenantId };
}

async function consume(limit: RateLimit, caller: Caller): Promise<RateLimitVerdict> {
  const verdict = await limit.consume(caller);
  if (!verdict) throw new Error('not limited');
  return verdict;
}

/** Counts the commands Redis runs on keys under `prefix` (MONITOR), up to a marker every earlier command precedes. */
async function commandsOn(prefix: string): Promise<{ settled(through: Redis): Promise<string[][]> }> {
  const { monitor } = await openMonitor(REDIS_URL);
  const seen: string[][] = [];
  let marked: (() => void) | undefined;
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((arg) => arg.startsWith(`${prefix}:marker`))) marked?.();
    else if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
  });
  return {
    // A connection answers in order: once the marker came back on it, every settle sent before on it was run.
    async settled(through) {
      const done = new Promise<void>((resolve) => (marked = resolve));
      await through.exists(`${prefix}:marker`);
      await done;
      monitor.disconnect();
      return seen;
    },
  };
}

describe('budgets settled with Redis in batches', () => {
  it('holds one budget across two nodes: never short of it, never past it by more than the other node’s share', async () => {
    const prefix = unique('rl-two');
    const points = 100;
    const [a, b] = [await connect(), await connect()];
    const nodes = [a, b].map((redis) => new RateLimit({ redis, prefix, business: { points, durationSeconds: 60 } }));
    const caller = tenant('t1');
    // A steady start, one node after the other: all admitted.
    const steady: RateLimitVerdict[] = [];
    for (let i = 0; i < 60; i++) steady.push(await consume(nodes[i % 2]!, caller));
    expect(steady.every((verdict) => verdict.allowed)).toBe(true);
    // Then a flood over both nodes at once.
    const flood = await Promise.all(Array.from({ length: 300 }, (_, i) => consume(nodes[i % 2]!, caller)));
    const admitted = steady.length + flood.filter((verdict) => verdict.allowed).length;
    expect(admitted).toBeGreaterThanOrEqual(points);
    // The bound: points + (nodes − 1) × share × points; each node alone would have admitted 2 × points.
    expect(admitted).toBeLessThanOrEqual(points + points / 10);
    for (const node of nodes) {
      const refused = await consume(node, caller);
      expect(refused).toMatchObject({ allowed: false, limit: points, remaining: 0 });
      expect(refused.resetSeconds).toBeGreaterThanOrEqual(1);
      expect(refused.resetSeconds).toBeLessThanOrEqual(60);
    }
    // Another key of the same budget is untouched.
    expect(await consume(nodes[1]!, tenant('t2'))).toMatchObject({ allowed: true, remaining: points - 1 });
  });

  it('costs far less than one Redis command per request for a key at a steady rate, and none far below its budget', async () => {
    const prefix = unique('rl-cost');
    const redis = await connect();
    const limit = new RateLimit({ redis, prefix, business: { points: 1000, durationSeconds: 60 }, user: { points: 20_000, durationSeconds: 60 } });
    const commands = await commandsOn(prefix);
    const remaining: number[] = [];
    for (let i = 0; i < 500; i++) {
      const verdict = await consume(limit, tenant('steady'));
      expect(verdict.allowed).toBe(true);
      remaining.push(verdict.remaining);
    }
    // Half its budget: Remaining goes down one a request, as this node knows it.
    expect(remaining).toEqual(Array.from({ length: 500 }, (_, i) => 1000 - 1 - i));
    // A courier far below its budget: 200 positions, 20 keys.
    for (let i = 0; i < 200; i++) expect((await consume(limit, { role: 'courier', tenantId: 't', subject: `k${i % 20}` }))?.allowed).toBe(true);
    const seen = await commands.settled(redis);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(500 / 10);
    expect(seen.filter((args) => args.some((arg) => arg.includes(':rl:user:')))).toEqual([]);
  });

  it('decides requests in the node without waiting on Redis while the key is within its share', async () => {
    const prefix = unique('rl-local');
    const redis = await connect();
    const limit = new RateLimit({ redis, prefix, business: { points: 1000, durationSeconds: 60 } });
    // Within a tenth of the budget, a verdict is there before Redis could have answered anything.
    let decided = 0;
    const verdicts = Array.from({ length: 50 }, () => limit.consume(tenant('quick')).then(() => decided++));
    await redis.ping();
    expect(decided).toBe(50);
    await Promise.all(verdicts);
  });

  it('counts the requests refused by budget', async () => {
    const prefix = unique('rl-refused');
    const refused: BudgetName[] = [];
    const limit = new RateLimit({
      redis: await connect(),
      prefix,
      anonymous: { points: 2, durationSeconds: 60 },
      refused: { inc: ({ budget }) => refused.push(budget) },
    });
    const statuses: boolean[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await consume(limit, { role: 'anonymous', address: '198.51.100.7' })).allowed);
    expect(statuses).toEqual([true, true, false, false, false]);
    expect(refused).toEqual(['anonymous', 'anonymous', 'anonymous']);
  });

  it('keys anonymous budgets per client address (an IPv6 client by its /64), shared by the nodes', async () => {
    const prefix = unique('rl-anon');
    const [a, b] = [await connect(), await connect()];
    const nodes = [a, b].map((redis) => new RateLimit({ redis, prefix, anonymous: { points: 3, durationSeconds: 60 } }));
    const from = (address: string) => ({ role: 'anonymous', address }) as const;
    const first: boolean[] = [];
    for (let i = 0; i < 5; i++) first.push((await consume(nodes[i % 2]!, from('198.51.100.1'))).allowed);
    expect(first).toEqual([true, true, true, false, false]);
    expect(await consume(nodes[0]!, from('198.51.100.2'))).toMatchObject({ allowed: true, remaining: 2 });
    const v6: boolean[] = [];
    for (const [i, address] of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:db8:1:2::77', '2001:db8:1:2::1'].entries()) {
      v6.push((await consume(nodes[i % 2]!, from(address))).allowed);
    }
    expect(v6).toEqual([true, true, true, false]);
    expect((await consume(nodes[1]!, from('2001:db8:1:3::1'))).allowed).toBe(true);
  });
});

describe('budgets while Redis is down', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });

  it('holds each budget per node on its own while Redis is down, and the cluster count once it answers again', async () => {
    const prefix = unique('rl-down');
    const points = 5;
    const [a, b] = [await connect(server.url), await connect(server.url)];
    const nodes = [a, b].map((redis) => new RateLimit({ redis, prefix, business: { points, durationSeconds: 60 } }));
    expect(await consume(nodes[0]!, tenant('before'))).toMatchObject({ allowed: true, remaining: points - 1 });

    await server.stop();
    await Promise.all([a, b].map((client) => (client.status === 'ready' ? new Promise((resolve) => client.once('close', resolve)) : null)));
    const alone = async (node: RateLimit, key: string) => {
      const allowed: boolean[] = [];
      for (let i = 0; i < points + 3; i++) {
        const started = Date.now();
        allowed.push((await consume(node, tenant(key))).allowed);
        expect(Date.now() - started).toBeLessThan(100);
      }
      return allowed.filter(Boolean).length;
    };
    // Each node spends what it knows remained, on its own: node a its budget less the one request Redis counted,
    // node b (which never heard of the key) the whole of it.
    expect(await alone(nodes[0]!, 'before')).toBe(points - 1);
    expect(await alone(nodes[1]!, 'before')).toBe(points);
    expect(await alone(nodes[0]!, 'outage')).toBe(points);

    await server.start();
    await Promise.all([a, b].map((client) => (client.status === 'ready' ? null : new Promise((resolve) => client.once('ready', resolve)))));
    // A key new to both: one budget over both nodes again, request by request.
    const shared: boolean[] = [];
    for (let i = 0; i < points + 2; i++) shared.push((await consume(nodes[i % 2]!, tenant('after'))).allowed);
    expect(shared).toEqual([...Array(points).fill(true), false, false]);
  });
});
