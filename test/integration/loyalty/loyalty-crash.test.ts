/**
 * A crash between an order's event and its points: a node started from the crash-before-booking entry SIGKILLs
 * itself after the `delivered` (or `returned`) event is durable and before the booking. The event must survive, the
 * effects outbox must still owe the booking, and a restarted node must book it exactly once.
 */
import { createSqliteStore } from '../../../src/store/sqlite/create-store';
import { processCluster } from '../../support/cluster-fixture';
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { type Account, expectConsistentAccount, getAccount } from '../../support/loyalty';
import type { NodeProcess } from '../../support/node-process';
import { placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const CUSTOMER = 'crashy';
// A start-up sweep books what was owed at once; a little slack for a loaded machine.
const RECOVERY_DEADLINE_MS = 20_000;

describe('loyalty booking across a crash', () => {
  // The nodes of both tests, one after the other, on one data directory.
  const cluster = processCluster({ per: 'file' });
  const env = { REDIS_PREFIX: unique('loyalty-crash') };
  const spawnFaulty = () => cluster.spawn({ env, entry: 'test/support/entries/crash-before-booking.ts' });
  let tenant: Tenant;
  let orderId: string;

  /** Posts `status` to a node that dies of it; returns once the process has ended, with how it ended. */
  async function postAndDie(node: NodeProcess, status: string) {
    const answer = await client(node.url, tenant.apiKey)
      .post(`/v1/orders/${orderId}/status`, { status, event_id: `${orderId}-${status}` })
      .then(
        (response) => `answered ${response.status} ${JSON.stringify(response.body)}`,
        () => 'no answer',
      );
    const exit = await node.exited;
    return { answer, exit };
  }

  /** What the store holds while no node runs: owed loyalty effects of the order, and the account. */
  async function inStore(): Promise<{ owed: number[]; account: { balance: number; keys: string[] } }> {
    const store = createSqliteStore({ dataDir: cluster.dataDir });
    await store.lifecycle.init();
    try {
      const owed = await store.outbox.pendingEffects('loyalty', new Date(Date.now() + 60_000).toISOString(), 1000);
      const account = await store.loyalty.getLoyalty(tenant.id, CUSTOMER);
      return {
        owed: owed.filter((effect) => effect.orderId === orderId).map((effect) => effect.seq),
        account: { balance: account.balance, keys: account.entries.map((entry) => entry.unique_key) },
      };
    } finally {
      await store.lifecycle.close();
    }
  }

  /** Starts a healthy node and waits (deadline-bounded) until the account has `entries` entries. */
  async function recover(entries: number): Promise<{ node: NodeProcess; account: Account }> {
    const node = await cluster.spawn({ env });
    let account: Account | null = null;
    await eventually(
      async () => {
        account = await getAccount(node.url, tenant.apiKey, CUSTOMER);
        return account.entries.length >= entries;
      },
      `${entries} loyalty entries after the restart`,
      RECOVERY_DEADLINE_MS,
      100,
    );
    return { node, account: account! };
  }

  it('keeps the delivered event and books its accrual exactly once after a restart', async () => {
    const crashing = await spawnFaulty();
    tenant = await createTenant(crashing.url, 'Crash');
    orderId = (await placeOrder(client(crashing.url, tenant.apiKey), { customer: { id: CUSTOMER }, amount: { value: 12950, currency: 'HKD' } })).id;

    const { answer, exit } = await postAndDie(crashing, 'delivered');
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(answer).toBe('no answer');
    // Killed between the two: the event's outbox row is there, the points are not.
    expect(await inStore()).toEqual({ owed: [2], account: { balance: 0, keys: [] } });

    const { node, account } = await recover(1);
    const order = await client(node.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
    expect(order.body).toMatchObject({ status: 'delivered', version: 2 });
    expect(order.body.history.map((event: { seq: number; status: string }) => [event.seq, event.status])).toEqual([
      [1, 'placed'],
      [2, 'delivered'],
    ]);
    expectConsistentAccount(account);
    expect(account.entries.map((entry) => [entry.reason, entry.delta, entry.order_id])).toEqual([['accrual', 129, orderId]]);
    expect(account.balance).toBe(129);

    // A repeat of the delivered post on the recovered node is a duplicate and books nothing more.
    const repeat = await client(node.url, tenant.apiKey).post(`/v1/orders/${orderId}/status`, {
      status: 'delivered',
      event_id: `${orderId}-delivered`,
    });
    expect([repeat.status, repeat.headers.get('event-outcome')]).toEqual([200, 'duplicate']);
    expect(await node.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // Nothing is owed any more; a second restart finds the one accrual and adds none.
    expect(await inStore()).toEqual({ owed: [], account: { balance: 129, keys: [`accrual:${orderId}`] } });
    const again = await cluster.spawn({ env });
    const reread = await getAccount(again.url, tenant.apiKey, CUSTOMER);
    expect(reread).toEqual(account);
    expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect((await inStore()).account.keys).toEqual([`accrual:${orderId}`]);
  });

  it('keeps the returned event and books its reversal exactly once after a restart', async () => {
    // A node with the fault starts cleanly: its start-up sweep finds nothing owed (else it would kill itself).
    const crashing = await spawnFaulty();
    const { answer, exit } = await postAndDie(crashing, 'returned');
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(answer).toBe('no answer');
    expect(await inStore()).toEqual({ owed: [3], account: { balance: 129, keys: [`accrual:${orderId}`] } });

    const { node, account } = await recover(2);
    expect((await client(node.url, tenant.apiKey).get(`/v1/orders/${orderId}`)).body).toMatchObject({ status: 'returned', version: 3 });
    expectConsistentAccount(account);
    expect(account.entries.map((entry) => [entry.reason, entry.delta, entry.order_id])).toEqual([
      ['accrual', 129, orderId],
      ['reversal', -129, orderId],
    ]);
    expect(account.balance).toBe(0);
    expect(await node.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    expect(await inStore()).toEqual({
      owed: [],
      account: { balance: 0, keys: [`accrual:${orderId}`, `reversal:${orderId}`] },
    });
    const again = await cluster.spawn({ env });
    expect(await getAccount(again.url, tenant.apiKey, CUSTOMER)).toEqual(account);
    expect(await again.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
