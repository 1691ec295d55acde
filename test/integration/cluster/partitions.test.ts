/**
 * Partitions: three server processes, each on a host of its own (a network namespace with its own address), one
 * PostgreSQL database (through a proxy on the bridge) and one Redis. One node at a time is cut off — from Redis,
 * from the database, from its clients — without being killed, while status posts and subscribed sockets run over
 * the two others. For each cut: what the cut node answers (503 `unavailable` with Retry-After where it needs the
 * lost dependency, never a 500, never a wrong answer), that no acknowledged event is lost or applied twice, that its
 * live clients end with every event once and in order (moving to a healthy node when theirs stops answering), and
 * that it recovers by itself once the cut heals. The answers are printed as a table (README, "Operations").
 *
 * Cuts drop packets without a reset (test/support/netns.ts), as a real partition does: nothing fails at once, the
 * node only hears nothing back.
 */
import { sendStatus } from '../../support/burst';
import { processCluster } from '../../support/cluster-fixture';
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { createNetwork, type Host, netnsUnavailable, type Network } from '../../support/netns';
import type { NodeProcess } from '../../support/node-process';
import { listEvents, placeOrder } from '../../support/orders';
import { startPoster } from '../../support/poster';
import { dropSchema, freshSchema, POSTGRES_URL } from '../../support/postgres';
import { range } from '../../support/range';
import { Recorder } from '../../support/recorder';
import { type RedisServer, startRedis, stopAllRedis } from '../../support/redis-server';
import { closeAllSockets, emitAck, nextConnection, openSocket, subscribeOk, trackingClient } from '../../support/sockets';
import { closeAllProxies, startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';
import { createTenant, type Tenant } from '../../support/tenant';

const skipReason = netnsUnavailable();
if (skipReason) console.warn(`partition tests skipped: ${skipReason}`);
const describeNetns = skipReason ? describe.skip : describe;

jest.setTimeout(120_000);

/**
 * The latest a node cut from the database answers, as README ("Operations: partitions") and the PostgreSQL store
 * have it: a request that needs a new connection is refused after the pool's connect timeout (5 s), one whose first
 * statement went out on a connection opened before the cut after the client-side query timeout (`statement_timeout`
 * 10 s + 5 s = 15 s). Which of the two a request meets depends on how many idle connections the node held at the cut,
 * so any request, a socket subscription included, may be the one that waits 15 s.
 */
const STORE_GIVES_UP_MS = 15_000;
/**
 * How long a probe of the cut node waits for an answer: past {@link STORE_GIVES_UP_MS}, with room for a loaded
 * machine, so a node cut from the database is heard saying 503 (or refusing a subscription) rather than counted as
 * silent.
 */
const PROBE_MS = STORE_GIVES_UP_MS + 5000;

type Cut = 'redis' | 'database' | 'clients';

/** One request to the cut node and what came back. */
interface Answer {
  cut: Cut;
  request: string;
  /** HTTP status; for the socket probe 'handshake refused', 'ack ok' or 'ack refused'; 'no answer' within PROBE_MS. */
  status: number | 'handshake refused' | 'ack ok' | 'ack refused' | 'no answer';
  code: string | null;
  retryAfter: string | null;
  ms: number;
  body?: any;
  headers?: Headers;
}

/** What the cut node answered, by request. */
type Answers = Record<'healthz' | 'readyz' | 'post' | 'get' | 'events' | 'place' | 'socket', Answer>;

const observed: Answer[] = [];
const notes: string[] = [];

/** Sends one request to the cut node and records the answer. */
async function ask(cut: Cut, request: string, url: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const answer = await probe(cut, request, url, method, path, token, body);
  observed.push(answer);
  return answer;
}

async function probe(cut: Cut, request: string, url: string, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    const response = await fetch(url + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(PROBE_MS),
    });
    const text = await response.text();
    const parsed = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
    return {
      cut,
      request,
      status: response.status,
      code: parsed?.error?.code ?? null,
      retryAfter: response.headers.get('retry-after'),
      ms: Date.now() - started,
      body: parsed,
      headers: response.headers,
    };
  } catch {
    return { cut, request, status: 'no answer', code: null, retryAfter: null, ms: Date.now() - started };
  }
}

/** A socket handshake and subscription on the cut node: what a new live client gets there. */
async function askSocket(cut: Cut, url: string, token: string, orderId: string): Promise<Answer> {
  const started = Date.now();
  const socket = openSocket(url, token);
  const record = (status: Answer['status'], code: string | null): Answer => {
    const answer: Answer = { cut, request: 'socket connect + subscribe', status, code, retryAfter: null, ms: Date.now() - started };
    observed.push(answer);
    socket.close();
    return answer;
  };
  const connected = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('no answer'), PROBE_MS);
    const settle = (outcome: string): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    socket.once('connect', () => settle('connected'));
    socket.once('connect_error', (error: Error) => settle(error.message));
  });
  // The server refuses a handshake in its own words (API.md "Live updates"); anything else is the client giving up.
  if (['unauthorized', 'unavailable', 'rate_limited'].includes(connected)) return record('handshake refused', connected);
  if (connected !== 'connected') return record('no answer', connected === 'no answer' ? null : `connect_error ${connected}`);
  try {
    const ack = await emitAck(socket, 'subscribe', { order_id: orderId }, Math.max(1, PROBE_MS - (Date.now() - started)));
    return record(ack?.ok ? 'ack ok' : 'ack refused', ack?.ok ? null : (ack?.error?.code ?? null));
  } catch {
    return record('no answer', 'connected, no subscribe ack');
  }
}

describeNetns('a node cut off from one dependency while two others carry the load', () => {
  let network: Network;
  let redis: RedisServer;
  let database: TcpProxy;
  let redisAddress: string;
  let databaseAddress: string;
  const hosts: Host[] = [];
  const nodes: NodeProcess[] = [];
  const schema = freshSchema('partition');
  const prefix = unique('partition');
  let tenant: Tenant;

  // The clients go first, then the node processes and their directories, then what the nodes used.
  afterAll(() => closeAllSockets());
  const cluster = processCluster({ per: 'file' });

  beforeAll(async () => {
    network = await createNetwork();
    redisAddress = await network.addService();
    databaseAddress = await network.addService();
    redis = await startRedis({ host: redisAddress });
    database = await startTcpProxy(Number(new URL(POSTGRES_URL).port || 5432), { host: databaseAddress });
    const databaseUrl = new URL(POSTGRES_URL);
    databaseUrl.hostname = databaseAddress;
    databaseUrl.port = String(database.port);
    for (let i = 0; i < 3; i++) hosts.push(await network.addHost());
    const env = (host: Host) => ({
      HOST: host.address,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DATABASE_URL: databaseUrl.toString(),
      DATABASE_SCHEMA: schema,
      // A shorter heartbeat than the default 25 s + 20 s: clients of a node that goes silent move within ~10 s.
      LIVE_PING_INTERVAL_MS: '5000',
      LIVE_PING_TIMEOUT_MS: '5000',
    });
    // The first node creates and migrates the schema; the others then start side by side.
    const start = (host: Host) => cluster.spawn({ dataDir: cluster.newDir(), env: env(host), startTimeoutMs: 30_000, netns: host.ns });
    nodes.push(await start(hosts[0]!));
    nodes.push(...(await Promise.all([start(hosts[1]!), start(hosts[2]!)])));
    tenant = await createTenant(nodes[0]!.url, 'Partitioned');
  }, 90_000);

  afterAll(async () => {
    await stopAllRedis();
    await closeAllProxies();
    await network?.destroy();
    await dropSchema(schema);
    if (observed.length > 0) {
      const rows = observed.map(
        (answer) =>
          `| ${answer.cut} | ${answer.request} | ${answer.status}${answer.code ? ` ${answer.code}` : ''}${answer.retryAfter ? ` (Retry-After ${answer.retryAfter})` : ''} | ${answer.ms} ms |`,
      );
      console.log(['| cut | request to the cut node | answer | time |', '|---|---|---|---|', ...rows, '', ...notes].join('\n'));
    }
  }, 60_000);

  /**
   * Runs one cut of node `index` while load runs over the two others, and checks everything the issue asks. The
   * expectations of what the cut node answers are `expectAnswers`'s; the rest holds for every cut.
   */
  async function partition(cut: Cut, index: number, expectAnswers: (answers: Answers) => void): Promise<void> {
    const cutNode = nodes[index]!;
    const host = hosts[index]!;
    const healthy = nodes.filter((_, i) => i !== index);
    const peer = cut === 'redis' ? redisAddress : cut === 'database' ? databaseAddress : network.gateway;
    const order = await placeOrder(client(healthy[0]!.url, tenant.apiKey), { customer: { id: `partition-${cut}` } });

    // A raw socket on a healthy node: what the server itself sends, duplicates included if it sent any.
    const watcher = openSocket(healthy[1]!.url, order.tracking_token);
    await new Promise<void>((resolve) => watcher.once('connect', () => resolve()));
    const watched = Recorder.of(watcher);
    const watchedFrom = (await subscribeOk(watcher, order.id)).order.version;
    // The product's client, on the node about to be cut, with the healthy nodes next in its list.
    const tracker = trackingClient({
      urls: [cutNode.url, ...healthy.map((node) => node.url)],
      token: order.tracking_token,
      socket: { transports: ['websocket'] },
      maxBackoffMs: 500,
    });
    const tracked = Recorder.ofClient(tracker);
    await tracker.connect();
    expect(tracker.url).toBe(cutNode.url);
    const trackedFrom = (await tracker.subscribe(order.id)).version;

    const load = startPoster(
      healthy.map((node) => node.url),
      tenant.apiKey,
      order.id,
      { eventIds: `${cut}-load` },
    );
    try {
      await tracked.until((entry) => entry.event === 'update' && entry.data.seq >= 6, 'events before the cut');

      await host.cut(peer);
      const cutAt = Date.now();
      const moved = nextConnection(tracker);
      const atCut = load.last();
      // What the cut node answers, everything at once (each waits up to PROBE_MS).
      const probeEventId = `${cut}-probe`;
      const [healthz, readyz, post, get, events, place, socket] = await Promise.all([
        ask(cut, 'GET /healthz', cutNode.url, 'GET', '/healthz'),
        ask(cut, 'GET /readyz', cutNode.url, 'GET', '/readyz'),
        ask(cut, 'POST status', cutNode.url, 'POST', `/v1/orders/${order.id}/status`, tenant.apiKey, { status: 'in_transit', event_id: probeEventId }),
        ask(cut, 'GET order', cutNode.url, 'GET', `/v1/orders/${order.id}`, tenant.apiKey),
        ask(cut, 'GET events', cutNode.url, 'GET', `/v1/orders/${order.id}/events?since_seq=0&limit=1000`, tenant.apiKey),
        ask(cut, 'POST order', cutNode.url, 'POST', '/v1/orders', tenant.apiKey, { customer: { id: `partition-${cut}-new` } }),
        askSocket(cut, cutNode.url, order.tracking_token, order.id),
      ]);
      const answers: Answers = { healthz, readyz, post, get, events, place, socket };
      // Never an internal error: a 5xx is a 503 `unavailable` that says when to come back.
      for (const answer of Object.values(answers)) {
        expect(typeof answer.status === 'number' && answer.status >= 500 && answer.status !== 503).toBe(false);
        if (answer.status === 503) {
          expect(answer.code).toBe('unavailable');
          expect(answer.retryAfter).not.toBeNull();
        }
      }
      expectAnswers(answers);
      // The healthy nodes carried on: their watcher kept receiving while the node was cut.
      await watched.until((entry) => entry.data?.seq >= atCut + 10, 'events on a healthy node during the cut');

      // The tracker on the cut node: it either keeps receiving there (the node still hears of every event) or, when
      // the node stops answering, moves on to a healthy one.
      const target = load.last() + 5;
      const trackerOutcome = await Promise.race([
        tracked.until((entry) => entry.event === 'update' && entry.data.seq >= target, 'events on the cut node', 60_000).then(() => 'kept receiving on the cut node'),
        moved.then((url) => `moved to ${url === healthy[0]!.url || url === healthy[1]!.url ? 'a healthy node' : url} after ${Date.now() - cutAt} ms`),
      ]);
      notes.push(`${cut} cut: the subscribed TrackingClient on the cut node ${trackerOutcome}.`);
      if (cut === 'clients') expect(trackerOutcome).toMatch(/^moved to a healthy node/);

      await host.heal(peer);
      const healedAt = Date.now();
      // Recovers by itself: ready again, serves requests, and its sockets get events again.
      await eventually(async () => (await probe(cut, 'GET /readyz', cutNode.url, 'GET', '/readyz')).status === 200, 'ready after the heal', 40_000, 250);
      notes.push(`${cut} cut: /readyz answered 200 again ${Date.now() - healedAt} ms after the heal.`);
      const after = await sendStatus(cutNode.url, tenant.apiKey, order.id, `${cut}-after-heal`, 'in_transit');
      expect(after.status).toBe(200);
      const fresh = openSocket(cutNode.url, order.tracking_token);
      await new Promise<void>((resolve) => fresh.once('connect', () => resolve()));
      const freshly = Recorder.of(fresh);
      const freshFrom = (await subscribeOk(fresh, order.id)).order.version;
      await freshly.untilSeq(order.id, freshFrom + 3, 20_000);

      await load.stop();
      expect(load.failures).toEqual([]);
      const final = await sendStatus(healthy[0]!.url, tenant.apiKey, order.id, `${cut}-final`, 'in_transit');
      expect(final.status).toBe(200);
      const last = final.seq!;
      await Promise.all([watched.untilSeq(order.id, last, 30_000), tracked.untilSeq(order.id, last, 30_000), freshly.untilSeq(order.id, last, 30_000)]);

      // The log: gap-free, each event once; every acknowledged event at the seq its answer named; nothing in it that
      // was not asked for (a probe the cut node did not acknowledge may have been applied, nothing else).
      const log = await listEvents(client(healthy[0]!.url, tenant.apiKey), order.id);
      expect(log.map((event) => event.seq)).toEqual(range(1, log.length));
      expect(new Set(log.map((event) => event.event_id)).size).toBe(log.length);
      const seqOf = new Map(log.map((event) => [event.event_id, event.seq]));
      const acknowledged = [...load.acknowledged, after, final, ...(post.status === 200 ? [{ eventId: probeEventId, seq: Number(post.headers?.get('event-seq')) }] : [])];
      for (const ack of acknowledged) expect({ eventId: ack.eventId, seq: seqOf.get(ack.eventId) }).toEqual({ eventId: ack.eventId, seq: ack.seq });
      const asked = new Set([...acknowledged.map((ack) => ack.eventId), probeEventId]);
      expect(log.slice(1).filter((event) => !asked.has(event.event_id))).toEqual([]);
      if (post.status !== 200) notes.push(`${cut} cut: the status post the cut node did not acknowledge was ${seqOf.has(probeEventId) ? 'applied' : 'not applied'}.`);
      // What the cut node did answer was true: its order and log are a prefix of the final log.
      const prefixOf = (items: Array<{ seq: number | null; event_id: string }>) =>
        items.flatMap((event) => (event.seq === null ? [] : [[event.seq, event.event_id] as const])).sort((a, b) => a[0] - b[0]);
      if (get.status === 200) {
        // The history is in `occurred_at` order; as a set it is the log up to the order's version at least (it is
        // read after the order, so events applied meanwhile by the healthy nodes may be in it too).
        const history = prefixOf(get.body.history);
        expect(history.length).toBeGreaterThanOrEqual(get.body.version);
        expect(history).toEqual(prefixOf(log.slice(0, history.length)));
      }
      if (events.status === 200) {
        const partial = prefixOf(events.body.items);
        expect(partial).toEqual(prefixOf(log.slice(0, partial.length)));
      }

      // Live: every event once, in order, on the healthy node's raw socket, on the tracker wherever it went, and on the
      // socket opened on the healed node.
      expect(watched.seqs(order.id)).toEqual(range(watchedFrom + 1, last));
      expect(tracked.seqs(order.id)).toEqual(range(trackedFrom + 1, last));
      expect(freshly.seqs(order.id)).toEqual(range(freshFrom + 1, last));
    } finally {
      // A failed check must not leave the next cut with a node still cut, or the load running.
      await host.heal(peer);
      await load.stop();
      tracker.close();
      watcher.close();
    }
  }

  it('from Redis: serves what needs only the store, says 503 on /readyz, and picks pushes up again', async () => {
    await partition('redis', 0, (answers) => {
      expect(answers.healthz.status).toBe(200);
      expect(answers.readyz.status).toBe(503);
      // The store is reachable: status posts, reads and placements are served (rate limits then count per node).
      expect(answers.post.status).toBe(200);
      expect(answers.get.status).toBe(200);
      expect(answers.events.status).toBe(200);
      expect(answers.place.status).toBe(201);
    });
  });

  it('from the database: answers 503 unavailable with Retry-After to everything that needs it, and recovers', async () => {
    await partition('database', 1, (answers) => {
      expect(answers.healthz.status).toBe(200);
      expect(answers.readyz.status).toBe(503);
      // Everything that needs the store is refused `unavailable` within STORE_GIVES_UP_MS (PROBE_MS waits past it):
      // after the pool's connect timeout on a new connection, or after the client-side query timeout on one opened
      // before the cut (the server's own `statement_timeout` cannot reach the node).
      for (const answer of [answers.post, answers.get, answers.events, answers.place]) {
        expect({ request: answer.request, answer: `${answer.status} ${answer.code}` }).toEqual({ request: answer.request, answer: '503 unavailable' });
      }
      // A tracking link is checked against its order at the handshake (a renewed or erased link is refused there),
      // so the store's absence is heard there, as API.md says: `connect_error` "unavailable", retry.
      expect(`${answers.socket.status} ${answers.socket.code}`).toBe('handshake refused unavailable');
    });
  });

  it('from its clients: they move to a healthy node and resume gap-free; the node serves again after the heal', async () => {
    await partition('clients', 2, (answers) => {
      for (const answer of Object.values(answers)) expect({ request: answer.request, status: answer.status }).toEqual({ request: answer.request, status: 'no answer' });
    });
  });
});
