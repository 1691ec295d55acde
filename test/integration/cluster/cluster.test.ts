import path from 'node:path';
import Database from 'better-sqlite3';
import {
  burstEventIds,
  expectConsistentBurst,
  killAllServers,
  listEvents,
  placeOrder,
  postStatus,
  spawnServer,
  type ServerProcess,
  type StatusResult,
} from '../support/cluster';
import { client } from '../support/http';
import { createTenant, removeDir, tempDir, type Tenant } from '../support/node';
import { stopProcess } from '../support/process';

jest.setTimeout(60_000);

describe('two server processes sharing one DATA_DIR', () => {
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let tenant: Tenant;

  beforeAll(async () => {
    dataDir = tempDir('tracking-cluster-');
    // One after the other: starting them at the same moment on a fresh file is its own test below.
    a = await spawnServer(dataDir);
    b = await spawnServer(dataDir);
    tenant = await createTenant(a.url);
  });
  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((node) => stopProcess(node, 'SIGTERM')));
    await killAllServers();
    if (dataDir) removeDir(dataDir);
  });

  it('accepts a tenant created on node A on node B (API keys live in the shared store)', async () => {
    const minted = await client(b.url, tenant.apiKey).post('/v1/tokens', { role: 'staff', subject: 's1', ttl_s: 600 });
    expect(minted.status).toBe(201);
    // A token minted on B works on A: same JWT secret.
    const staffOnA = await client(a.url, minted.body.token).get('/v1/orders');
    expect(staffOnA.status).toBe(200);
  });

  it('an order placed on A is readable on B; a status posted on B is seen by A right after', async () => {
    const orderId = await placeOrder(a.url, tenant.apiKey, 'c-cross');
    const onB = await client(b.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
    expect(onB.status).toBe(200);
    expect(onB.body).toMatchObject({ id: orderId, status: 'placed', version: 1 });

    // A's actor for the order gets a cached state ...
    const onA = await postStatus(a.url, tenant.apiKey, orderId, 'x-processing', 'processing');
    expect(onA).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });
    // ... that B's write makes stale.
    const shipped = await postStatus(b.url, tenant.apiKey, orderId, 'x-shipped', 'shipped', 1);
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
    const cancel = await postStatus(a.url, tenant.apiKey, orderId, 'x-cancel', 'cancelled');
    expect(cancel.status).toBe(409);
    expect(cancel.error).toMatchObject({ error: { code: 'illegal_transition' } });

    // A's stale actor neither loses B's event nor reuses its seq.
    const next = await postStatus(a.url, tenant.apiKey, orderId, 'x-transit', 'in_transit');
    expect(next).toMatchObject({ status: 200, seq: 4, outcome: 'applied', version: 4 });
    // B answers a repeat of A's event with A's seq, and records nothing.
    const repeat = await postStatus(b.url, tenant.apiKey, orderId, 'x-processing', 'processing', 1);
    expect(repeat).toMatchObject({ status: 200, seq: 2, outcome: 'duplicate' });
    const events = await listEvents(b.url, tenant.apiKey, orderId);
    expect(events.map((e) => [e.seq, e.event_id])).toEqual([
      [1, expect.any(String)],
      [2, 'x-processing'],
      [3, 'x-shipped'],
      [4, 'x-transit'],
    ]);
  });

  it('applies a 200-post burst split across both nodes exactly once: 150 events, gap-free, duplicates answered with the original seq', async () => {
    const orderId = await placeOrder(a.url, tenant.apiKey, 'c-burst');
    const moved = await postStatus(b.url, tenant.apiKey, orderId, 'to-transit', 'in_transit', 1);
    expect(moved).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });

    const ids = burstEventIds('hub', 150, 50, 777);
    const nodes = [a, b];
    // The plan itself: some repeated ids must go once to each node, or the test would not test the cluster.
    const nodesById = new Map<string, Set<number>>();
    ids.forEach((id, i) => nodesById.set(id, (nodesById.get(id) ?? new Set()).add(i % 2)));
    expect([...nodesById.values()].filter((set) => set.size === 2).length).toBeGreaterThanOrEqual(10);

    const results: StatusResult[] = await Promise.all(
      ids.map((id, i) => postStatus(nodes[i % 2]!.url, tenant.apiKey, orderId, id, 'in_transit', i % 2)),
    );

    const [eventsOnA, eventsOnB] = await Promise.all([
      listEvents(a.url, tenant.apiKey, orderId),
      listEvents(b.url, tenant.apiKey, orderId),
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
  const dirs: string[] = [];
  afterEach(async () => {
    await killAllServers();
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  /*
   * Nodes started together on a fresh DATA_DIR overlap: one holds the write lock (switching the new file to
   * WAL, migrating) while the next one opens the file. The second must wait for the lock (SQLite busy timeout,
   * 5 s), not die with "database is locked". Starting two processes at once hits that window only now and
   * then, so the other node is played here by a connection that holds the write lock of the fresh file for
   * 2.5 s: longer than a node takes to reach its store (about 1 s), well under the busy timeout.
   */
  it('waits for the write lock of a fresh shared database instead of failing to start', async () => {
    const dataDir = tempDir('tracking-cluster-lock-');
    dirs.push(dataDir);
    const holder = new Database(path.join(dataDir, 'tracking.db'));
    holder.exec('BEGIN IMMEDIATE');
    const release = (): void => {
      if (!holder.open) return;
      holder.exec('COMMIT');
      holder.close();
    };
    const timer = setTimeout(release, 2_500);
    try {
      const started = await spawnServer(dataDir).then(
        (node) => ({ node, error: null }),
        (error: unknown) => ({ node: null, error: String(error) }),
      );
      expect(started.error).toBeNull();
      const tenant = await createTenant(started.node!.url);
      const orderId = await placeOrder(started.node!.url, tenant.apiKey);
      expect((await client(started.node!.url, tenant.apiKey).get(`/v1/orders/${orderId}`)).status).toBe(200);
    } finally {
      clearTimeout(timer);
      release();
    }
  });
});
