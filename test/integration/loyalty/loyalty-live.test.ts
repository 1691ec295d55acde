/**
 * `loyalty_update` over Socket.IO: every booking (accrual, redemption, reversal) reaches each socket of that
 * customer, on both nodes of a cluster, once, with the balance after it; replays and duplicate posts push
 * nothing; no other customer, and no same-named customer of another tenant, receives it (markers prove absence).
 */
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import { redeem } from '../../support/loyalty';
import type { TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { type Received, Recorder } from '../../support/recorder';
import { connectSocket } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let acme: Tenant;
let rival: Tenant;
liveCluster('loyalty-live', {
  tenant: 'Acme',
  ready: async (started) => {
    ({ a, b, tenant: acme } = started);
    rival = await createTenant(b.url, 'Rival');
  },
});

interface Update {
  customer_id: string;
  balance: number;
  delta: number;
  reason: 'accrual' | 'reversal' | 'redemption';
  order_id: string | null;
}

const loyaltyMatching = (expected: Update) => (entry: Received) =>
  entry.event === 'loyalty_update' &&
  entry.data?.customer_id === expected.customer_id &&
  entry.data.reason === expected.reason &&
  entry.data.balance === expected.balance &&
  entry.data.delta === expected.delta;

/** Waits until every recorder has received `expected`, and checks the payload is exactly it. */
async function expectPushed(recorders: Recorder[], expected: Update): Promise<void> {
  for (const recorder of recorders) {
    const entry = await recorder.until(loyaltyMatching(expected), `loyalty_update ${JSON.stringify(expected)}`);
    expect(entry.data).toEqual(expected);
  }
}

describe('loyalty_update', () => {
  it('pushes accrual, redemption and reversal to both of the customer’s sockets, once each, and to nobody else', async () => {
    const fanOnA = await connectSocket(a.url, await acme.token('customer', 'fan'));
    const fanOnB = await connectSocket(b.url, await acme.token('customer', 'fan'));
    const neighbour = await connectSocket(a.url, await acme.token('customer', 'neighbour'));
    const rivalFan = await connectSocket(b.url, await rival.token('customer', 'fan'));
    const [logFanA, logFanB, logNeighbour, logRivalFan] = [fanOnA, fanOnB, neighbour, rivalFan].map(Recorder.of) as [
      Recorder,
      Recorder,
      Recorder,
      Recorder,
    ];
    const fan = [logFanA, logFanB];

    const big = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'fan' }, amount: { value: 12950, currency: 'HKD' } });
    const small = await placeOrder(client(b.url, acme.apiKey), { customer: { id: 'fan' }, amount: { value: 5000, currency: 'USD' } });

    // Accrual, booked on B: the same delivered event posted on both nodes is pushed once.
    const delivered = { status: 'delivered', event_id: `${big.id}-delivered` };
    const posts = await Promise.all([b, a].map((node) => client(node.url, acme.apiKey).post(`/v1/orders/${big.id}/status`, delivered)));
    expect(posts.map((post) => post.status)).toEqual([200, 200]);
    const accrual: Update = { customer_id: 'fan', balance: 129, delta: 129, reason: 'accrual', order_id: big.id };
    await expectPushed(fan, accrual);

    // A second accrual, booked on A.
    await postStatus(client(a.url, acme.apiKey), small.id, 'delivered');
    const second: Update = { customer_id: 'fan', balance: 179, delta: 50, reason: 'accrual', order_id: small.id };
    await expectPushed(fan, second);

    // Redemption on B by the customer itself; its replay on A pushes nothing.
    const spend = { points: 30, kind: 'discount', event_id: 'live-spend' };
    expect((await redeem(b.url, await acme.token('customer', 'fan'), 'fan', spend)).status).toBe(201);
    const redemption: Update = { customer_id: 'fan', balance: 149, delta: -30, reason: 'redemption', order_id: null };
    await expectPushed(fan, redemption);
    expect((await redeem(a.url, acme.apiKey, 'fan', spend)).status).toBe(200);

    // Reversal of the big order, returned on A; a repeat of the return pushes nothing.
    await postStatus(client(a.url, acme.apiKey), big.id, 'returned', { event_id: `${big.id}-returned` });
    const reversal: Update = { customer_id: 'fan', balance: 20, delta: -129, reason: 'reversal', order_id: big.id };
    await expectPushed(fan, reversal);
    const repeat = await client(b.url, acme.apiKey).post(`/v1/orders/${big.id}/status`, { status: 'returned', event_id: `${big.id}-returned` });
    expect(repeat.headers.get('event-outcome')).toBe('duplicate');

    // Markers, each booked after everything above: a socket that got nothing before its own marker got nothing.
    const theirs = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'neighbour' }, amount: { value: 1000, currency: 'USD' } });
    await postStatus(client(b.url, acme.apiKey), theirs.id, 'delivered');
    const neighbourMarker: Update = { customer_id: 'neighbour', balance: 10, delta: 10, reason: 'accrual', order_id: theirs.id };
    await expectPushed([logNeighbour], neighbourMarker);
    expect(logNeighbour.of('loyalty_update')).toEqual([neighbourMarker]);

    const rivals = await placeOrder(client(b.url, rival.apiKey), { customer: { id: 'fan' }, amount: { value: 700, currency: 'USD' } });
    await postStatus(client(a.url, rival.apiKey), rivals.id, 'delivered');
    const rivalMarker: Update = { customer_id: 'fan', balance: 7, delta: 7, reason: 'accrual', order_id: rivals.id };
    await expectPushed([logRivalFan], rivalMarker);
    expect(logRivalFan.of('loyalty_update')).toEqual([rivalMarker]);

    // The fan's own marker, last: the fan's sockets got the four bookings, in order, once each, and no marker of
    // the neighbour or of the other tenant's customer of the same id.
    expect((await redeem(a.url, acme.apiKey, 'fan', { points: 1, kind: 'charity', event_id: 'live-marker' })).status).toBe(201);
    const fanMarker: Update = { customer_id: 'fan', balance: 19, delta: -1, reason: 'redemption', order_id: null };
    await expectPushed(fan, fanMarker);
    for (const log of fan) expect(log.of('loyalty_update')).toEqual([accrual, second, redemption, reversal, fanMarker]);
  });

  it('pushes the shortfall reversal with what was actually taken, and the balance floor of zero', async () => {
    const socket = await connectSocket(b.url, await acme.token('customer', 'spender'));
    const log = Recorder.of(socket);
    const order = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'spender' }, amount: { value: 4200, currency: 'EUR' } });
    await postStatus(client(a.url, acme.apiKey), order.id, 'delivered');
    await expectPushed([log], { customer_id: 'spender', balance: 42, delta: 42, reason: 'accrual', order_id: order.id });
    expect((await redeem(b.url, acme.apiKey, 'spender', { points: 40, kind: 'charity', event_id: 'sp-1' })).status).toBe(201);
    await expectPushed([log], { customer_id: 'spender', balance: 2, delta: -40, reason: 'redemption', order_id: null });
    await postStatus(client(b.url, acme.apiKey), order.id, 'returned');
    const reversal: Update = { customer_id: 'spender', balance: 0, delta: -2, reason: 'reversal', order_id: order.id };
    await expectPushed([log], reversal);
    expect(log.of('loyalty_update').map((update: Update) => update.reason)).toEqual(['accrual', 'redemption', 'reversal']);
  });
});
