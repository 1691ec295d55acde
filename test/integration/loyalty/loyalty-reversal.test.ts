/**
 * Reversal of accrued points when a delivered order comes back (`returned`): once, of what was accrued, never
 * taking the balance below zero (the rest is recorded as `shortfall`); no reversal for an order returned before
 * it was delivered. Two in-process nodes share one store, so racing returns are tried on both.
 */
import { type Client, client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { entriesOf, expectConsistentAccount, getAccount, redeem, tally } from '../../support/loyalty';
import type { TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import type { Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const HKD_129_50 = { value: 12950, currency: 'HKD' }; // 129 points at the default rate

let a: TestNode;
let b: TestNode;
let tenant: Tenant;
/** The tenant's business on node A and on node B. */
let onA: Client;
let onB: Client;
liveCluster('loyalty-reversal', {
  tenant: 'Returns',
  ready: (started) => {
    ({ a, b, tenant, biz: onA } = started);
    onB = client(b.url, tenant.apiKey);
  },
});

describe('loyalty reversal', () => {
  it('reverses the accrual of a delivered order that is returned, and the balance is back where it was', async () => {
    const kept = await placeOrder(onA, { customer: { id: 'rev-1' }, amount: { value: 5000, currency: 'USD' } });
    await postStatus(onA, kept.id, 'delivered');
    const order = await placeOrder(onA, { customer: { id: 'rev-1' }, amount: HKD_129_50 });
    await postStatus(onA, order.id, 'out_for_delivery');
    await postStatus(onB, order.id, 'delivered');
    expect((await getAccount(a.url, tenant.apiKey, 'rev-1')).balance).toBe(50 + 129);

    const returned = (await postStatus(onA, order.id, 'returned')).order;
    expect(returned.status).toBe('returned');
    const account = await getAccount(b.url, tenant.apiKey, 'rev-1');
    expectConsistentAccount(account);
    expect(account.balance).toBe(50);
    expect(account.entries.map((entry) => [entry.reason, entry.delta, entry.order_id])).toEqual([
      ['accrual', 50, kept.id],
      ['accrual', 129, order.id],
      ['reversal', -129, order.id],
    ]);
    const reversal = entriesOf(account, 'reversal')[0]!;
    // Nothing was missing: no shortfall on the wire.
    expect(reversal.shortfall).toBeUndefined();
    expect(reversal).toEqual({ id: expect.any(String), delta: -129, reason: 'reversal', order_id: order.id, at: expect.any(String) });
  });

  it('books one reversal when returns race on both nodes, with repeated and different event ids', async () => {
    const order = await placeOrder(onA, { customer: { id: 'rev-race' }, amount: HKD_129_50 });
    await postStatus(onB, order.id, 'delivered');
    const eventIds = ['ret-x', 'ret-x', 'ret-y', 'ret-y', 'ret-z', 'ret-x'].map((suffix) => `${order.id}-${suffix}`);
    const answers = await Promise.all(
      eventIds.map((eventId, i) =>
        client(i % 2 ? b.url : a.url, tenant.apiKey).post(`/v1/orders/${order.id}/status`, { status: 'returned', event_id: eventId }),
      ),
    );
    expect(answers.filter((answer) => answer.headers.get('event-outcome') === 'applied')).toHaveLength(1);
    expect(answers.every((answer) => answer.status === 200 || answer.body?.error?.code === 'illegal_transition')).toBe(true);
    const account = await getAccount(a.url, tenant.apiKey, 'rev-race');
    expectConsistentAccount(account);
    expect(account.entries.map((entry) => [entry.reason, entry.delta])).toEqual([
      ['accrual', 129],
      ['reversal', -129],
    ]);
    expect(account.balance).toBe(0);
  });

  it('books nothing for an order returned before it was delivered', async () => {
    const shipped = await placeOrder(onA, { customer: { id: 'rev-undelivered' }, amount: HKD_129_50 });
    await postStatus(onA, shipped.id, 'shipped');
    await postStatus(onB, shipped.id, 'returned');

    const failed = await placeOrder(onB, { customer: { id: 'rev-undelivered' }, amount: HKD_129_50 });
    await postStatus(onB, failed.id, 'out_for_delivery');
    await postStatus(onA, failed.id, 'failed_attempt');
    await postStatus(onA, failed.id, 'returned');

    const held = await placeOrder(onA, { customer: { id: 'rev-undelivered' }, amount: HKD_129_50 });
    await postStatus(onA, held.id, 'in_transit');
    await postStatus(onA, held.id, 'on_hold');
    await postStatus(onB, held.id, 'returned');

    for (const node of [a, b]) {
      expect(await getAccount(node.url, tenant.apiKey, 'rev-undelivered')).toEqual({
        customer_id: 'rev-undelivered',
        balance: 0,
        entries: [],
      });
    }
    // The store's outbox has nothing left owed for these orders either.
    const owed = await a.node.parts.store.outbox.pendingEffects('loyalty', new Date(Date.now() + 60_000).toISOString(), 1000);
    expect(owed.filter((effect) => [shipped.id, failed.id, held.id].includes(effect.orderId))).toEqual([]);
  });

  it('records the shortfall when points were redeemed in between, and never goes below zero', async () => {
    const order = await placeOrder(onA, { customer: { id: 'rev-short' }, amount: HKD_129_50 });
    await postStatus(onA, order.id, 'delivered');
    const spent = await redeem(b.url, tenant.apiKey, 'rev-short', { points: 100, kind: 'charity', event_id: 'short-1' });
    expect(spent.status).toBe(201);

    await postStatus(onB, order.id, 'returned');
    const account = await getAccount(a.url, tenant.apiKey, 'rev-short');
    expectConsistentAccount(account);
    expect(account.balance).toBe(0);
    expect(account.entries.map((entry) => [entry.reason, entry.delta, entry.shortfall])).toEqual([
      ['accrual', 129, undefined],
      ['redemption', -100, undefined],
      // 129 owed back, 29 left to take: 100 short.
      ['reversal', -29, 100],
    ]);
    expect(entriesOf(account, 'reversal')[0]!.order_id).toBe(order.id);

    // The shortfall is recorded, not carried as debt: the next order's points are spendable in full.
    const next = await placeOrder(onB, { customer: { id: 'rev-short' }, amount: { value: 4000, currency: 'USD' } });
    await postStatus(onA, next.id, 'delivered');
    const after = await getAccount(b.url, tenant.apiKey, 'rev-short');
    expectConsistentAccount(after);
    expect(after.balance).toBe(40);
  });

  it('reverses with nothing to take when everything was spent: delta 0, the whole accrual short', async () => {
    const order = await placeOrder(onA, { customer: { id: 'rev-zero' }, amount: { value: 3000, currency: 'USD' } });
    await postStatus(onA, order.id, 'delivered');
    expect((await redeem(a.url, tenant.apiKey, 'rev-zero', { points: 30, kind: 'discount', event_id: 'zero-1' })).status).toBe(201);
    await postStatus(onB, order.id, 'returned');
    const account = await getAccount(a.url, tenant.apiKey, 'rev-zero');
    expectConsistentAccount(account);
    expect(account.balance).toBe(0);
    const reversals = entriesOf(account, 'reversal');
    expect(reversals).toHaveLength(1);
    expect(reversals[0]).toMatchObject({ order_id: order.id, shortfall: 30 });
    expect(Math.abs(reversals[0]!.delta)).toBe(0);
  });

  it('accrues on a courier delivered scan like on a status post, and a repeated scan books nothing more', async () => {
    const order = await placeOrder(onA, { customer: { id: 'rev-scan' }, amount: { value: 2500, currency: 'EUR' } });
    expect((await client(a.url, tenant.apiKey).post(`/v1/orders/${order.id}/assign`, { courier_id: 'k1' })).status).toBe(200);
    const courier = await tenant.token('courier', 'k1');
    const scan = { event_id: `${order.id}-scan-delivered`, order_id: order.id, type: 'delivered', occurred_at: new Date().toISOString() };
    const outcomes = await Promise.all(
      [a, b, a].map(async (node) => {
        const response = await client(node.url, courier).post('/v1/scans', { scans: [scan] });
        expect(response.status).toBe(200);
        return response.body.results[0].outcome as string;
      }),
    );
    expect(tally(outcomes)).toEqual({ applied: 1, duplicate: 2 });
    const account = await getAccount(b.url, tenant.apiKey, 'rev-scan');
    expect(account.entries.map((entry) => [entry.reason, entry.delta, entry.order_id])).toEqual([['accrual', 25, order.id]]);
  });
});
