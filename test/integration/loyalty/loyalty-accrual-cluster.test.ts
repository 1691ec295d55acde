/**
 * Accrual across two server processes sharing one DATA_DIR and REDIS_PREFIX: each delivered order earns its
 * points exactly once, however many `delivered` posts (same or different event ids) race on both nodes, at the
 * tenant's rate, per currency (minor digits), and nothing for an order without an amount.
 */
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { entriesOf, expectConsistentAccount, getAccount, type Money, setRate, tally } from '../../support/loyalty';
import type { NodeProcess } from '../../support/node-process';
import { placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const RATE = 2.5;
// Points at RATE, worked out by hand: floor(whole units × 2.5), whole units = floor(value / 10^(minor digits)).
const KINDS: Array<{ amount?: Money; points: number }> = [
  { amount: { value: 12950, currency: 'HKD' }, points: 322 }, // 129 whole units × 2.5 = 322.5
  { amount: { value: 1999, currency: 'JPY' }, points: 4997 }, // no minor unit: 1999 × 2.5 = 4997.5
  { points: 0 }, // no amount, no points, no entry
  { amount: { value: 10000, currency: 'HKD' }, points: 250 }, // 100.00 × 2.5
  { amount: { value: 12345, currency: 'KWD' }, points: 30 }, // three minor digits: 12 whole units × 2.5 = 30
];
const ORDERS = 20;
const CUSTOMERS = 4;
// Per order: three posts of one event id, two of another, one of a third; alternately on node A and node B.
const EVENT_SUFFIXES = ['a', 'a', 'a', 'b', 'b', 'c'];

describe('loyalty accrual on two processes sharing a store', () => {
  let nodes: NodeProcess[] = [];
  let tenant: Tenant;

  // Both stopped cleanly before the fixture kills what is left and removes their data directory.
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGTERM')));
    nodes = [];
  });
  const cluster = processCluster({ per: 'file' });

  beforeAll(async () => {
    const env = { REDIS_PREFIX: unique('loyalty-accrual') };
    // One after the other: a fresh file's schema is created by the first.
    nodes.push(await cluster.spawn({ env }));
    nodes.push(await cluster.spawn({ env }));
    tenant = await createTenant(nodes[0]!.url, 'Accrual');
  });

  it('books one accrual per delivered order at the tenant rate, under duplicated and concurrent delivered posts', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    // The rate is set on A and read from the shared store by B.
    await setRate(a.url, tenant.apiKey, RATE);

    const orders = await Promise.all(
      Array.from({ length: ORDERS }, async (_, i) => {
        const kind = KINDS[i % KINDS.length]!;
        const customerId = `cust-${i % CUSTOMERS}`;
        const placed = await placeOrder(client(nodes[i % 2]!.url, tenant.apiKey), { customer: { id: customerId }, amount: kind.amount });
        return { id: placed.id, customerId, points: kind.points };
      }),
    );

    const posts = orders.flatMap((order) =>
      EVENT_SUFFIXES.map((suffix, j) => ({ order, eventId: `${order.id}-delivered-${suffix}`, url: j % 2 ? b.url : a.url })),
    );
    const answers = await Promise.all(
      posts.map(async (post) => {
        const response = await client(post.url, tenant.apiKey).post(`/v1/orders/${post.order.id}/status`, {
          status: 'delivered',
          event_id: post.eventId,
        });
        return {
          orderId: post.order.id,
          eventId: post.eventId,
          status: response.status,
          outcome: response.headers.get('event-outcome'),
          seq: response.headers.get('event-seq'),
          code: response.status === 200 ? null : (response.body?.error?.code as string),
        };
      }),
    );

    for (const order of orders) {
      const mine = answers.filter((answer) => answer.orderId === order.id);
      // One event id won; its repeats are duplicates of it, the other ids are illegal (delivered → delivered).
      const applied = mine.filter((answer) => answer.outcome === 'applied');
      expect(applied).toHaveLength(1);
      const winner = applied[0]!.eventId;
      expect(mine.filter((answer) => answer.eventId === winner).map((answer) => [answer.status, answer.seq])).toEqual(
        mine.filter((answer) => answer.eventId === winner).map(() => [200, '2']),
      );
      expect(tally(mine.filter((answer) => answer.eventId !== winner).map((answer) => `${answer.status} ${answer.code}`))).toEqual(
        { '409 illegal_transition': mine.filter((answer) => answer.eventId !== winner).length },
      );
    }

    // Every 200 above came after its event was durable and (for the applying node) after the booking: read at once.
    for (let c = 0; c < CUSTOMERS; c++) {
      const customerId = `cust-${c}`;
      const mine = orders.filter((order) => order.customerId === customerId);
      const earning = mine.filter((order) => order.points > 0);
      for (const node of nodes) {
        const account = await getAccount(node.url, tenant.apiKey, customerId);
        expectConsistentAccount(account);
        expect(account.customer_id).toBe(customerId);
        expect(account.entries).toHaveLength(earning.length);
        const accruals = entriesOf(account, 'accrual');
        expect(tally(accruals.map((entry) => entry.order_id))).toEqual(tally(earning.map((order) => order.id)));
        expect(Object.fromEntries(accruals.map((entry) => [entry.order_id, entry.delta]))).toEqual(
          Object.fromEntries(earning.map((order) => [order.id, order.points])),
        );
        expect(account.balance).toBe(earning.reduce((total, order) => total + order.points, 0));
      }
      // The order without an amount is delivered but earned nothing.
      const free = mine.filter((order) => order.points === 0);
      for (const order of free) {
        const read = await client(a.url, tenant.apiKey).get(`/v1/orders/${order.id}`);
        expect(read.body.status).toBe('delivered');
      }
    }

    // Late repeats of every winning post, on the other node: duplicates, and still one accrual per order.
    const repeats = await Promise.all(
      answers
        .filter((answer) => answer.outcome === 'applied')
        .map((answer, i) =>
          client(nodes[i % 2]!.url, tenant.apiKey).post(`/v1/orders/${answer.orderId}/status`, {
            status: 'delivered',
            event_id: answer.eventId,
          }),
        ),
    );
    expect(tally(repeats.map((response) => `${response.status} ${response.headers.get('event-outcome')}`))).toEqual({
      '200 duplicate': ORDERS,
    });
    const total = orders.reduce((sum, order) => sum + order.points, 0);
    let seen = 0;
    for (let c = 0; c < CUSTOMERS; c++) {
      const account = await getAccount(b.url, tenant.apiKey, `cust-${c}`);
      expectConsistentAccount(account);
      seen += account.balance;
    }
    expect(seen).toBe(total);
  });

  it('counts whole units exactly: 100.00 USD at rate 1.13 earns 113 points, not 112', async () => {
    const [a, b] = nodes as [NodeProcess, NodeProcess];
    const exact = await createTenant(a.url, 'Exact rate');
    await setRate(b.url, exact.apiKey, 1.13);
    const placed = await placeOrder(client(a.url, exact.apiKey), { customer: { id: 'precise' }, amount: { value: 10000, currency: 'USD' } });
    expect((await client(b.url, exact.apiKey).post(`/v1/orders/${placed.id}/status`, { status: 'delivered' })).status).toBe(200);
    const account = await getAccount(a.url, exact.apiKey, 'precise');
    // floor(100 × 1.13) = 113. A float product (10000 × 1.13 = 11299.999999999998) floored after dividing by 100
    // loses a point.
    expect(account.entries.map((entry) => [entry.reason, entry.delta])).toEqual([['accrual', 113]]);
    expect(account.balance).toBe(113);
  });
});
