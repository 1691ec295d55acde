/**
 * The effects-outbox sweep racing the live bookings it backs up: a start-up sweep (grace 0) on either node may
 * pick up an effect whose booking the order's actor is making at that moment. The ledger's unique keys must keep
 * one accrual and one reversal per order, each pushed to the customer once, and leave nothing owed.
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { entriesOf, expectConsistentAccount, getAccount, tally } from '../../support/loyalty';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket } from '../../support/sockets';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const ORDERS = 12;
const CUSTOMERS = ['sw-0', 'sw-1', 'sw-2'];

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
liveCluster('loyalty-sweep', { tenant: 'Sweep', ready: (started) => ({ a, b, tenant } = started) });

/** Runs grace-0 sweeps on both nodes back to back until `work` settles; returns its result and the sweep count. */
async function sweepingDuring<T>(work: Promise<T>): Promise<{ result: T; sweeps: number }> {
  let done = false;
  let sweeps = 0;
  const loops = [a, b].map(async (node) => {
    while (!done) {
      await node.node.parts.outbox.sweep('loyalty', 0);
      sweeps++;
      // An empty sweep settles in microtasks only: give HTTP and the actors their turn before the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
  try {
    return { result: await work, sweeps };
  } finally {
    done = true;
    await Promise.all(loops);
  }
}

const owedNow = () => a.node.parts.store.outbox.pendingEffects('loyalty', new Date(Date.now() + 60_000).toISOString(), 1000);

describe('loyalty sweep racing live bookings', () => {
  it('books and pushes each accrual and reversal once while both nodes sweep the outbox', async () => {
    const sockets = await Promise.all(CUSTOMERS.map(async (id) => connectSocket(a.url, await tenant.token('customer', id))));
    const logs = sockets.map(Recorder.of);
    const orders = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const customerId = CUSTOMERS[i % CUSTOMERS.length]!;
        const placed = await placeOrder(client(i % 2 ? b.url : a.url, tenant.apiKey), { customer: { id: customerId }, amount: { value: 1000 * (i + 1), currency: 'USD' } });
        // Every fourth order comes back after delivery (one per customer).
        return { id: placed.id, customerId, points: 10 * (i + 1), returned: i % 4 === 0 };
      }),
    );

    const post = (url: string, orderId: string, status: string) =>
      client(url, tenant.apiKey).post(`/v1/orders/${orderId}/status`, { status, event_id: `${orderId}-${status}` });
    const { result: answers, sweeps } = await sweepingDuring(
      Promise.all(
        orders.map(async (order, i) => {
          const [first, second] = i % 2 ? [a.url, b.url] : [b.url, a.url];
          const delivered = await Promise.all([post(first, order.id, 'delivered'), post(second, order.id, 'delivered')]);
          const returned = order.returned ? await Promise.all([post(second, order.id, 'returned'), post(first, order.id, 'returned')]) : [];
          return [...delivered, ...returned].map((response) => response.status);
        }),
      ),
    );
    expect(answers.flat().every((status) => status === 200)).toBe(true);
    expect(sweeps).toBeGreaterThan(0);

    // Whatever a sweep left half-way is finished by one more, and then nothing is owed.
    await Promise.all([a.node.parts.outbox.sweep('loyalty', 0), b.node.parts.outbox.sweep('loyalty', 0)]);
    expect((await owedNow()).filter((effect) => orders.some((order) => order.id === effect.orderId))).toEqual([]);

    for (const [c, customerId] of CUSTOMERS.entries()) {
      const mine = orders.filter((order) => order.customerId === customerId);
      const account = await getAccount(b.url, tenant.apiKey, customerId);
      expectConsistentAccount(account);
      expect(tally(entriesOf(account, 'accrual').map((entry) => `${entry.order_id} ${entry.delta}`))).toEqual(
        tally(mine.map((order) => `${order.id} ${order.points}`)),
      );
      expect(tally(entriesOf(account, 'reversal').map((entry) => `${entry.order_id} ${entry.delta}`))).toEqual(
        tally(mine.filter((order) => order.returned).map((order) => `${order.id} ${-order.points}`)),
      );
      const kept = mine.filter((order) => !order.returned).reduce((sum, order) => sum + order.points, 0);
      expect(account.balance).toBe(kept);

      // One push per booking: wait for the last balance, then count (a marker redemption proves nothing trails).
      const log = logs[c]!;
      const marker = await client(a.url, tenant.apiKey).post(`/v1/customers/${customerId}/loyalty/redemptions`, {
        points: 1,
        kind: 'discount',
        event_id: `${customerId}-marker`,
      });
      expect(marker.status).toBe(201);
      await log.until(
        (entry) => entry.event === 'loyalty_update' && entry.data.reason === 'redemption' && entry.data.balance === kept - 1,
        `marker of ${customerId}`,
      );
      const pushed = log.of('loyalty_update').filter((update) => update.reason !== 'redemption');
      expect(tally(pushed.map((update) => `${update.reason} ${update.order_id} ${update.delta}`))).toEqual(
        tally(account.entries.map((entry) => `${entry.reason} ${entry.order_id} ${entry.delta}`)),
      );
    }
  });
});
