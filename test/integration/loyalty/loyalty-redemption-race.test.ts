/**
 * Redemptions racing on two server processes that share one store: the balance never goes below zero, exactly
 * as many succeed as the balance covers, replays of an event_id return the first entry (on either node), and the
 * kept balance equals the one rebuilt from the ledger (checked through the store once the processes are gone).
 */
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import { processCluster } from '../../support/cluster-fixture';
import { expectError } from '../../support/expect-error';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { entriesOf, expectConsistentAccount, getAccount, redeem, tally } from '../../support/loyalty';
import type { NodeProcess } from '../../support/node-process';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const CUSTOMER = 'saver';
const REDEMPTIONS = 50;
const POINTS_EACH = 30;
// Rounds of 25 redemptions racing the readers; enough for hundreds of reads.
const ROUNDS = 24;

describe('concurrent redemptions on two processes', () => {
  let nodes: NodeProcess[] = [];
  let tenant: Tenant;
  let customerToken: string;

  // Both stopped cleanly before the fixture kills what is left and removes their data directory.
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
    nodes = [];
  });
  const cluster = processCluster({ per: 'file' });

  beforeAll(async () => {
    const env = { REDIS_PREFIX: unique('loyalty-redeem') };
    nodes.push(await cluster.spawn({ env }));
    nodes.push(await cluster.spawn({ env }));
    tenant = await createTenant(nodes[0]!.url, 'Redeem');
    customerToken = await tenant.token('customer', CUSTOMER);
  });

  it('lets exactly as many of 50 racing redemptions through as the balance covers, never below zero', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    // Balance 500: five delivered orders of 100.00 USD at the default rate, delivered on alternate nodes.
    for (let i = 0; i < 5; i++) {
      const order = await placeOrder(client(nodes[i % 2]!.url, tenant.apiKey), { customer: { id: CUSTOMER }, amount: { value: 10000, currency: 'USD' } });
      await postStatus(client(nodes[(i + 1) % 2]!.url, tenant.apiKey), order.id, 'delivered');
    }
    expect((await getAccount(a.url, tenant.apiKey, CUSTOMER)).balance).toBe(500);

    // 50 × 30 against 500: 16 fit (480), 34 must be refused. Alternate nodes, and business key / customer token.
    const requests = Array.from({ length: REDEMPTIONS }, (_, i) => ({
      url: i % 2 ? b.url : a.url,
      token: i % 4 < 2 ? tenant.apiKey : customerToken,
      body: { points: POINTS_EACH, kind: i % 3 ? 'discount' : 'charity', event_id: `race-${i}` },
    }));
    const answers = await Promise.all(requests.map((request) => redeem(request.url, request.token, CUSTOMER, request.body)));
    const codes = answers.map((answer) => (answer.status === 201 ? '201' : `${answer.status} ${answer.body?.error?.code}`));
    expect(tally(codes)).toEqual({ '201': 16, '409 insufficient_points': 34 });
    for (const answer of answers.filter((response) => response.status !== 201)) expectError(answer, 409, 'insufficient_points');

    const account = await getAccount(b.url, tenant.apiKey, CUSTOMER);
    expectConsistentAccount(account);
    expect(account.balance).toBe(500 - 16 * POINTS_EACH);
    const redemptions = entriesOf(account, 'redemption');
    // The ledger holds exactly the 16 accepted redemptions, as they were answered.
    const accepted = answers.filter((answer) => answer.status === 201).map((answer) => answer.body);
    expect(redemptions.map((entry) => entry.id).sort()).toEqual(accepted.map((entry) => entry.id).sort());
    for (const entry of accepted) {
      expect(entry).toEqual({ id: expect.any(String), delta: -POINTS_EACH, reason: 'redemption', kind: expect.stringMatching(/^(discount|charity)$/), at: expect.any(String) });
    }
    expect(entriesOf(account, 'accrual')).toHaveLength(5);
    expect(account.entries).toHaveLength(5 + 16);
  });

  it('answers concurrent replays of one event_id on both nodes with the first entry, once booked', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const before = await getAccount(a.url, tenant.apiKey, CUSTOMER);
    const body = { points: 5, kind: 'discount', event_id: 'same-everywhere' };
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => redeem(i % 2 ? b.url : a.url, i % 3 ? tenant.apiKey : customerToken, CUSTOMER, body)),
    );
    expect(tally(answers.map((answer) => `${answer.status} ${answer.headers.get('idempotent-replayed')}`))).toEqual({
      '201 null': 1,
      '200 true': 7,
    });
    const first = answers.find((answer) => answer.status === 201)!.body;
    expect(first).toMatchObject({ delta: -5, reason: 'redemption', kind: 'discount' });
    for (const answer of answers) expect(answer.body).toEqual(first);

    const after = await getAccount(b.url, tenant.apiKey, CUSTOMER);
    expectConsistentAccount(after);
    expect(after.balance).toBe(before.balance - 5);
    expect(after.entries.filter((entry) => entry.id === first.id)).toHaveLength(1);

    // The same event_id with another body is a conflict, on either node, and books nothing.
    expectError(await redeem(a.url, tenant.apiKey, CUSTOMER, { ...body, points: 6 }), 409, 'idempotency_conflict');
    expectError(await redeem(b.url, customerToken, CUSTOMER, { ...body, kind: 'charity' }), 409, 'idempotency_conflict');
    // Non-positive or fractional points, an unknown kind, a missing event_id: 400, nothing booked.
    for (const bad of [
      { points: 0, kind: 'discount', event_id: 'bad-0' },
      { points: -10, kind: 'discount', event_id: 'bad-neg' },
      { points: 1.5, kind: 'discount', event_id: 'bad-frac' },
      { points: '5', kind: 'discount', event_id: 'bad-string' },
      { points: 5, kind: 'cash', event_id: 'bad-kind' },
      { points: 5, kind: 'discount' },
    ]) {
      expectError(await redeem(a.url, tenant.apiKey, CUSTOMER, bad), 400, 'validation_failed');
    }
    expect(await getAccount(a.url, tenant.apiKey, CUSTOMER)).toEqual(after);

    // Spend the rest; a replay of the earlier redemption still answers with its entry, not insufficient_points.
    const rest = await redeem(b.url, customerToken, CUSTOMER, { points: after.balance, kind: 'charity', event_id: 'the-rest' });
    expect(rest.status).toBe(201);
    const replay = await redeem(a.url, tenant.apiKey, CUSTOMER, body);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(first);
    expectError(await redeem(a.url, customerToken, CUSTOMER, { points: 1, kind: 'discount', event_id: 'one-more' }), 409, 'insufficient_points');
    const empty = await getAccount(a.url, tenant.apiKey, CUSTOMER);
    expectConsistentAccount(empty);
    expect(empty.balance).toBe(0);
  });

  it('answers every read during racing bookings from one snapshot: balance = sum of the entries it lists', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const reader = 'reader';
    const order = await placeOrder(client(a.url, tenant.apiKey), { customer: { id: reader }, amount: { value: 100_000, currency: 'USD' } });
    await postStatus(client(a.url, tenant.apiKey), order.id, 'delivered');
    // Bookings committed by process B while process A answers reads of the same account: a read that takes the
    // balance and the entries from two different moments shows a balance its entries do not add up to.
    let torn: { balance: number; sumOfEntries: number; entries: number } | null = null;
    let reads = 0;
    let writing = true;
    const readers = Array.from({ length: 4 }, async () => {
      while (writing && !torn) {
        const account = await getAccount(a.url, tenant.apiKey, reader);
        reads++;
        const sum = account.entries.reduce((total, entry) => total + entry.delta, 0);
        if (sum !== account.balance) torn = { balance: account.balance, sumOfEntries: sum, entries: account.entries.length };
      }
    });
    const refused: unknown[] = [];
    try {
      for (let round = 0; round < ROUNDS && !torn; round++) {
        const answers = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            redeem(b.url, tenant.apiKey, reader, { points: 1, kind: 'discount', event_id: `read-${round}-${i}` }),
          ),
        );
        refused.push(...answers.filter((answer) => answer.status !== 201).map((answer) => answer.body));
      }
    } finally {
      writing = false;
      await Promise.all(readers);
    }
    expect(refused).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBeNull();
  });

  it('keeps a balance the ledger rebuilds to (checked in the store after both processes stopped)', async () => {
    const seen = await getAccount(nodes[0]!.url, tenant.apiKey, CUSTOMER);
    const exits = await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
    nodes = [];

    const store = createSqliteStore({ dataDir: cluster.dataDir });
    await store.lifecycle.init();
    try {
      const kept = await store.loyalty.getLoyalty(tenant.id, CUSTOMER);
      expect(kept.balance).toBe(seen.balance);
      expect(kept.entries.map((entry) => entry.id)).toEqual(seen.entries.map((entry) => entry.id));
      const sum = kept.entries.reduce((total, entry) => total + entry.delta, 0);
      expect(await store.loyalty.rebuildBalance(tenant.id, CUSTOMER)).toBe(kept.balance);
      expect(sum).toBe(kept.balance);
      // Rebuilding changed nothing.
      expect((await store.loyalty.getLoyalty(tenant.id, CUSTOMER)).balance).toBe(kept.balance);
    } finally {
      await store.lifecycle.close();
    }
  });
});
