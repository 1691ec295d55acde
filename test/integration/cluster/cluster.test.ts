import path from 'node:path';
import Database from 'better-sqlite3';
import { burstEventIds, expectConsistentBurst, sendStatus, type StatusResult } from '../../support/burst';
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import { parseJsonLine, type NodeProcess } from '../../support/node-process';
import { entriesOf, getAccount, setRate } from '../../support/loyalty';
import { listEvents, placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

describe('two server processes sharing one DATA_DIR', () => {
  let a: NodeProcess;
  let b: NodeProcess;
  let tenant: Tenant;

  // Both stopped cleanly before the fixture kills what is left and removes their data directory.
  afterAll(() => Promise.all([a, b].filter(Boolean).map((node) => node.stop('SIGTERM'))));
  const cluster = processCluster({ per: 'file' });

  beforeAll(async () => {
    // One after the other: starting them at the same moment on a fresh file is its own test below.
    a = await cluster.spawn();
    b = await cluster.spawn();
    tenant = await createTenant(a.url);
  });

  it('accepts a tenant created on node A on node B (API keys live in the shared store)', async () => {
    const minted = await client(b.url, tenant.apiKey).post('/v1/tokens', { role: 'staff', subject: 's1', ttl_s: 600 });
    expect(minted.status).toBe(201);
    // A token minted on B works on A: same JWT secret.
    const staffOnA = await client(a.url, minted.body.token).get('/v1/orders');
    expect(staffOnA.status).toBe(200);
  });

  it('an order placed on A is readable on B; a status posted on B is seen by A right after', async () => {
    const orderId = (await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c-cross' } })).id;
    const onB = await client(b.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
    expect(onB.status).toBe(200);
    expect(onB.body).toMatchObject({ id: orderId, status: 'placed', version: 1 });

    // A's actor for the order gets a cached state ...
    const onA = await sendStatus(a.url, tenant.apiKey, orderId, 'x-processing', 'processing');
    expect(onA).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });
    // ... that B's write makes stale.
    const shipped = await sendStatus(b.url, tenant.apiKey, orderId, 'x-shipped', 'shipped', 1);
    expect(shipped).toMatchObject({ status: 200, seq: 3, outcome: 'applied', version: 3 });

    const seenByA = await client(a.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
    expect(seenByA.status).toBe(200);
    expect(seenByA.body).toMatchObject({ status: 'shipped', version: 3 });
    expect(seenByA.body.history.map((e: { seq: number; status: string }) => [e.seq, e.status])).toEqual([
      [1, 'placed'],
      [2, 'processing'],
      [3, 'shipped'],
    ]);

    // A's actor still holds `processing`, from which `cancelled` is legal; the stored order (shipped) forbids it.
    const cancel = await sendStatus(a.url, tenant.apiKey, orderId, 'x-cancel', 'cancelled');
    expect(cancel.status).toBe(409);
    expect(cancel.error).toMatchObject({ error: { code: 'illegal_transition' } });

    // A's stale actor neither loses B's event nor reuses its seq.
    const next = await sendStatus(a.url, tenant.apiKey, orderId, 'x-transit', 'in_transit');
    expect(next).toMatchObject({ status: 200, seq: 4, outcome: 'applied', version: 4 });
    // B answers a repeat of A's event with A's seq, and records nothing.
    const repeat = await sendStatus(b.url, tenant.apiKey, orderId, 'x-processing', 'processing', 1);
    expect(repeat).toMatchObject({ status: 200, seq: 2, outcome: 'duplicate' });
    const events = await listEvents(client(b.url, tenant.apiKey), orderId);
    expect(events.map((e) => [e.seq, e.event_id])).toEqual([
      [1, expect.any(String)],
      [2, 'x-processing'],
      [3, 'x-shipped'],
      [4, 'x-transit'],
    ]);
  });

  it('books the points rate and loyalty basis changed on A from B\'s next accrual on, though B had them cached', async () => {
    const customer = 'c-terms';
    /** Places and delivers an order of `amount` through B and answers the points its accrual booked (0: none). */
    const deliveredOnB = async (amount: number): Promise<number> => {
      const biz = client(b.url, tenant.apiKey);
      const placed = await placeOrder(biz, { customer: { id: customer }, amount: { value: amount, currency: 'HKD' } });
      await postStatus(biz, placed.id, 'delivered');
      const account = await getAccount(b.url, tenant.apiKey, customer);
      return entriesOf(account, 'accrual').find((entry) => entry.order_id === placed.id)?.delta ?? 0;
    };
    // B reads the default rate (1) and keeps it for its time to live (30 s).
    expect(await deliveredOnB(10000)).toBe(100);
    await setRate(a.url, tenant.apiKey, 3);
    expect(await deliveredOnB(10000)).toBe(300);
    // Points on what was paid: an order delivered with nothing paid earns none.
    expect((await client(a.url, tenant.apiKey).put('/v1/tenants/me/settings', { loyalty_basis: 'paid' })).status).toBe(200);
    expect(await deliveredOnB(10000)).toBe(0);
    expect((await client(a.url, tenant.apiKey).put('/v1/tenants/me/settings', { loyalty_basis: 'amount' })).status).toBe(200);
    expect(await deliveredOnB(10000)).toBe(300);
  });

  it('refuses on B an assignment to a courier made inactive on A (409 courier_inactive), and takes it once active again', async () => {
    const biz = (url: string) => client(url, tenant.apiKey);
    expect((await biz(a.url).post('/v1/couriers', { id: 'k-resting', name: 'Resting' })).status).toBe(201);
    const order = await placeOrder(biz(b.url), { customer: { id: 'c-assign' } });
    expect((await biz(a.url).patch('/v1/couriers/k-resting', { active: false })).status).toBe(200);
    const refused = await biz(b.url).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k-resting' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'courier_inactive' } });
    expect((await biz(a.url).patch('/v1/couriers/k-resting', { active: true })).status).toBe(200);
    expect((await biz(b.url).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k-resting' })).status).toBe(200);
  });

  it('applies a 200-post burst split across both nodes exactly once: 150 events, gap-free, duplicates answered with the original seq', async () => {
    const orderId = (await placeOrder(client(a.url, tenant.apiKey), { customer: { id: 'c-burst' } })).id;
    const moved = await sendStatus(b.url, tenant.apiKey, orderId, 'to-transit', 'in_transit', 1);
    expect(moved).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });

    const ids = burstEventIds('hub', 150, 50, 777);
    const nodes = [a, b];
    // The plan itself: some repeated ids must go once to each node, or the test would not test the cluster.
    const nodesById = new Map<string, Set<number>>();
    ids.forEach((id, i) => nodesById.set(id, (nodesById.get(id) ?? new Set()).add(i % 2)));
    expect([...nodesById.values()].filter((set) => set.size === 2).length).toBeGreaterThanOrEqual(10);

    const results: StatusResult[] = await Promise.all(
      ids.map((id, i) => sendStatus(nodes[i % 2]!.url, tenant.apiKey, orderId, id, 'in_transit', i % 2)),
    );

    const [eventsOnA, eventsOnB] = await Promise.all([
      listEvents(client(a.url, tenant.apiKey), orderId),
      listEvents(client(b.url, tenant.apiKey), orderId),
    ]);
    expect(eventsOnB).toEqual(eventsOnA);
    expectConsistentBurst({ results, events: eventsOnA, versionBefore: 2, distinct: 150, repeated: 50 });
    // Both nodes did apply part of the burst.
    expect(new Set(results.filter((r) => r.outcome === 'applied').map((r) => r.node))).toEqual(new Set([0, 1]));

    for (const node of nodes) {
      const order = await client(node.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
      expect(order.body).toMatchObject({ status: 'in_transit', version: 152 });
    }
  });
});

describe('start-up while another node holds the shared database', () => {
  const cluster = processCluster({ per: 'test' });

  /*
   * Nodes started together on a fresh DATA_DIR overlap: one holds the write lock (switching the new file to
   * WAL, migrating) while the next one opens the file. The second must wait for the lock (its store tries again
   * until the busy timeout, 5 s), not die with "database is locked". Starting two processes at once hits that
   * window only now and then, so the other node is played here by a connection that holds the write lock of the
   * fresh file until the starting node is seen waiting for it: its test entry says so once the store's first try
   * has met the held lock. However slowly the node starts, it has had to wait before the lock is released.
   */
  it('waits for the write lock of a fresh shared database instead of failing to start', async () => {
    const holder = new Database(path.join(cluster.dataDir, 'tracking.db'));
    holder.exec('BEGIN IMMEDIATE');
    const release = (): void => {
      if (!holder.open) return;
      holder.exec('COMMIT');
      holder.close();
    };
    try {
      const starting = cluster.launch({ entry: 'test/support/entries/store-wait-reported.ts' });
      await starting.waitForLine((line) => parseJsonLine(line)?.store_waiting === true, 20_000);
      release();
      const started = await starting.ready.then(
        (node) => ({ node, error: null }),
        (error: unknown) => ({ node: null, error: String(error) }),
      );
      expect(started.error).toBeNull();
      const tenant = await createTenant(started.node!.url);
      const orderId = (await placeOrder(client(started.node!.url, tenant.apiKey))).id;
      expect((await client(started.node!.url, tenant.apiKey).get(`/v1/orders/${orderId}`)).status).toBe(200);
    } finally {
      release();
    }
  });
});
