/**
 * A cluster across machines: server processes with DATA_DIRs of their own and one PostgreSQL database (its own
 * schema per test file). What a shared SQLite file gave for free must now come from the database alone: one order's
 * events serialised across nodes, idempotency, redemptions that never overdraw, alerts sent once when a worker dies,
 * nothing acknowledged lost when a node dies, and live updates resumed on the other node.
 */
import { TrackingClient } from '../../../src/client/tracking-client';
import { deliveryLog, waitForLog } from '../../support/alerts';
import { burstEventIds, expectConsistentBurst, sendStatus, type StatusResult } from '../../support/burst';
import { processCluster } from '../../support/cluster-fixture';
import { expectError } from '../../support/expect-error';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { entriesOf, expectConsistentAccount, getAccount, redeem, tally } from '../../support/loyalty';
import type { NodeProcess } from '../../support/node-process';
import { notifyArea } from '../../support/notify-fixture';
import { listEvents, placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, nextConnection } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(90_000);

const schema = freshSchema('cluster');
const prefix = unique('pg-cluster');
let tenant: Tenant;

// The sockets go first, then the processes and their data directories, then the database's schema.
afterAll(() => closeAllSockets());
const cluster = processCluster({ per: 'file' });
afterAll(() => dropSchema(schema));

/** A node process on the shared database, with a DATA_DIR of its own (as on its own machine). */
function node(env: Record<string, string> = {}): Promise<NodeProcess> {
  return cluster.spawn({ dataDir: cluster.newDir(), env: { ...postgresEnv(schema), REDIS_PREFIX: prefix, ...env } });
}

describe('two nodes, one database', () => {
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    // Both start at once: the schema is created and migrated by one of them, the other waits for it.
    [a, b] = await Promise.all([node(), node()]);
    tenant = await createTenant(a.url, 'Across machines');
  });
  afterAll(async () => {
    await Promise.all([a, b].map((server) => server.stop('SIGTERM')));
  });

  it('applies 150 distinct events of a 200-post burst spread over both nodes exactly once, with contiguous seqs', async () => {
    const orderId = (await placeOrder(client(a.url, tenant.apiKey))).id;
    expect(await sendStatus(b.url, tenant.apiKey, orderId, 'to-transit')).toMatchObject({ status: 200, seq: 2 });
    const ids = burstEventIds('pg-hub', 150, 50, 20261201);
    const results: StatusResult[] = await Promise.all(
      ids.map((id, index) => sendStatus(index % 2 ? b.url : a.url, tenant.apiKey, orderId, id, 'in_transit', index % 2)),
    );
    const events = await listEvents(client(a.url, tenant.apiKey), orderId);
    expectConsistentBurst({ results, events, versionBefore: 2, distinct: 150, repeated: 50 });
  });

  it('answers the same Idempotency-Key and external_id with one order, whichever node gets them', async () => {
    const body = { external_id: 'pg-ext-1', customer: { id: 'c-idem' } };
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client(i % 2 ? b.url : a.url, tenant.apiKey).post('/v1/orders', body, { headers: { 'Idempotency-Key': 'pg-key-1' } }),
      ),
    );
    expect(new Set(answers.map((answer) => answer.body.id)).size).toBe(1);
    expect(tally(answers.map((answer) => String(answer.status)))).toEqual({ '201': 1, '200': 19 });
  });

  it('lets exactly as many racing redemptions through as the balance covers, on both nodes, never below zero', async () => {
    const customer = 'pg-saver';
    for (let i = 0; i < 5; i++) {
      const order = await placeOrder(client(i % 2 ? b.url : a.url, tenant.apiKey), { customer: { id: customer }, amount: { value: 10000, currency: 'USD' } });
      await postStatus(client(i % 2 ? a.url : b.url, tenant.apiKey), order.id, 'delivered');
    }
    expect((await getAccount(a.url, tenant.apiKey, customer)).balance).toBe(500);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        redeem(i % 2 ? b.url : a.url, tenant.apiKey, customer, { points: 30, kind: 'discount', event_id: `pg-race-${i}` }),
      ),
    );
    expect(tally(answers.map((answer) => (answer.status === 201 ? '201' : `${answer.status} ${answer.body?.error?.code}`)))).toEqual({
      '201': 16,
      '409 insufficient_points': 34,
    });
    for (const answer of answers.filter((response) => response.status !== 201)) expectError(answer, 409, 'insufficient_points');
    const account = await getAccount(b.url, tenant.apiKey, customer);
    expectConsistentAccount(account);
    expect(account.balance).toBe(20);
    expect(entriesOf(account, 'redemption')).toHaveLength(16);
  });

  it('resumes a live client on the other node with every event once, in order, when its node goes away', async () => {
    const orderId = (await placeOrder(client(a.url, tenant.apiKey))).id;
    const c = await node();
    const live = new TrackingClient({ urls: [c.url, b.url], token: tenant.apiKey, maxBackoffMs: 200 });
    const seen = Recorder.ofClient(live);
    try {
      await live.connect();
      await live.subscribe(orderId);
      expect((await sendStatus(a.url, tenant.apiKey, orderId, 'live-1', 'processing')).seq).toBe(2);
      await seen.untilSeq(orderId, 2);
      const moved = nextConnection(live);
      c.child.kill('SIGKILL');
      // Applied while the client has no node: it must get these from the store when it resubscribes on b.
      expect((await sendStatus(a.url, tenant.apiKey, orderId, 'live-2', 'shipped')).seq).toBe(3);
      expect((await sendStatus(b.url, tenant.apiKey, orderId, 'live-3', 'in_transit')).seq).toBe(4);
      expect(await moved).toBe(b.url);
      expect((await sendStatus(a.url, tenant.apiKey, orderId, 'live-4', 'in_transit')).seq).toBe(5);
      await seen.untilSeq(orderId, 5);
      expect(seen.seqs(orderId)).toEqual([2, 3, 4, 5]);
    } finally {
      live.close();
    }
  });
});

describe('a node killed in the middle of a burst', () => {
  it('loses no acknowledged event: the survivor and a restarted node see every one, with gap-free logs', async () => {
    const [a, b] = await Promise.all([node(), node()]);
    const orders = await Promise.all(Array.from({ length: 10 }, (_, i) => placeOrder(client(a.url, tenant.apiKey), { customer: { id: `burst-${i}` } }).then((order) => order.id)));
    const acknowledged: StatusResult[] = [];
    let killed = false;
    const queue = orders.flatMap((orderId) => Array.from({ length: 20 }, (_, n) => ({ orderId, eventId: `${orderId}-k-${n}` })));
    // Ten in flight, spread over both nodes; a is killed as soon as 60 answers have come back.
    await Promise.all(
      Array.from({ length: 10 }, async (_, lane) => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const target = lane % 2 === 0 && !killed ? a : b;
          const result = await sendStatus(target.url, tenant.apiKey, next.orderId, next.eventId, 'in_transit').catch(() => null);
          if (result?.status === 200) acknowledged.push(result);
          if (!killed && acknowledged.length >= 60) {
            killed = true;
            a.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(killed).toBe(true);
    expect((await a.exited).signal).toBe('SIGKILL');
    const restarted = await node();
    for (const server of [b, restarted]) {
      for (const orderId of orders) {
        const events = await listEvents(client(server.url, tenant.apiKey), orderId);
        expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
        const stored = new Map(events.map((event) => [event.event_id, event.seq]));
        for (const ack of acknowledged.filter((result) => result.eventId.startsWith(`${orderId}-k-`))) {
          expect(stored.get(ack.eventId)).toBe(ack.seq);
        }
      }
    }
    await Promise.all([b, restarted].map((server) => server.stop('SIGTERM')));
  });
});

describe('a worker killed right after the SMTP server took an alert', () => {
  const area = notifyArea('pg-crash');

  it('is sent once: the next worker finds the claim in the database and does not send again', async () => {
    const api = await node({ ...area.env(), PROCESS_ROLE: 'api' });
    const workerDir = cluster.newDir();
    const workerEnv = { ...postgresEnv(schema), ...area.env(), NOTIFY_LOCK_MS: '2000' };
    const doomed = await cluster.spawnWorker({
      dataDir: workerDir,
      env: { ...workerEnv, CRASH_AFTER_SEND: 'email' },
      entry: 'test/support/entries/crash-after-send.ts',
    });
    const biz = client(api.url, tenant.apiKey);
    const placed = await biz.post('/v1/orders', { customer: { id: 'pg-alert', email: 'pg-alert@mail.example' }, notify: { email: true } });
    expect(placed.status).toBe(201);
    expect((await biz.post(`/v1/orders/${placed.body.id}/status`, { status: 'shipped' })).status).toBe(200);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    expect(await area.smtp.waitForMessagesTo('pg-alert@mail.example', 1)).toHaveLength(1);

    const next = await cluster.spawnWorker({ dataDir: workerDir, env: workerEnv });
    const log = await waitForLog(biz, placed.body.id, (items) => items.some((item) => item.channel === 'email' && item.status === 'sent'));
    expect(log.filter((item) => item.channel === 'email')).toEqual([
      expect.objectContaining({ status: 'sent', reason: 'interrupted_not_resent', seq: 2 }),
    ]);
    expect(area.smtp.messages.filter((message) => message.to.includes('pg-alert@mail.example'))).toHaveLength(1);
    expect(await deliveryLog(biz, placed.body.id)).toEqual(log);
    next.child.kill('SIGTERM');
    await api.stop('SIGTERM');
  });
});
