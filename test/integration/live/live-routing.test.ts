/**
 * Who receives what across two nodes sharing a DATA_DIR and REDIS_PREFIX: order subscribers, the tenant feed
 * of staff and business sockets (no subscription needed), tenant isolation, and loyalty updates per customer.
 */
import type { LoyaltyEvent } from '../../../src/actors/event-bus';
import { client } from '../../support/http';
import { liveCluster } from '../../support/live-fixture';
import type { TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let a: TestNode;
let b: TestNode;
let acme: Tenant;
let other: Tenant;
liveCluster('routing', {
  tenant: 'Acme',
  ready: async (started) => {
    ({ a, b, tenant: acme } = started);
    other = await createTenant(b.url, 'Other');
  },
});

const isUpdate = (orderId: string, seq: number) => (e: { event: string; data: any }) =>
  e.event === 'order_status_update' && e.data.order_id === orderId && e.data.seq === seq;

describe('order events across nodes', () => {
  it('an event posted on node B reaches subscribers on node A and B, and the tenant feed on both nodes', async () => {
    const order = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c1' } });
    const customer = await connectSocket(a.url, await acme.token('customer', 'c1'));
    const tracker = await connectSocket(b.url, order.tracking_token);
    const staff = await connectSocket(a.url, await acme.token('staff', 's1'));
    const business = await connectSocket(b.url, acme.apiKey);
    const logs = [customer, tracker, staff, business].map(Recorder.of);
    await subscribeOk(customer, order.id);
    await subscribeOk(tracker, order.id);

    const { version } = (await postStatus(client(b.url, acme.apiKey), order.id, 'processing')).order;
    expect(version).toBe(2);
    const arrived = await Promise.all(logs.map((log) => log.until(isUpdate(order.id, 2), 'seq 2')));
    for (const entry of arrived) {
      expect(entry.data).toEqual({
        order_id: order.id,
        seq: 2,
        status: 'processing',
        type: 'status',
        scan_type: null,
        occurred_at: expect.any(String),
        location: null,
      });
    }
    // A second event, posted on A, reaches all four as well; each got each event once.
    await postStatus(client(a.url, acme.apiKey), order.id, 'shipped');
    await Promise.all(logs.map((log) => log.until(isUpdate(order.id, 3), 'seq 3')));
    for (const log of logs) expect(log.seqs(order.id)).toEqual([2, 3]);
  });

  it('a staff socket that also subscribed gets each event once (feed and subscription do not double up)', async () => {
    const order = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c1' } });
    const staffA = await connectSocket(a.url, await acme.token('staff', 's1'));
    const businessB = await connectSocket(b.url, acme.apiKey);
    const logs = [staffA, businessB].map(Recorder.of);
    await subscribeOk(staffA, order.id);
    await subscribeOk(businessB, order.id);
    for (let i = 0; i < 6; i++) await postStatus(client(i % 2 ? a.url : b.url, acme.apiKey), order.id, 'in_transit');
    await Promise.all(logs.map((log) => log.untilSeq(order.id, 7)));
    // A marker on another order of the tenant, arriving later through the feed, shows nothing more came.
    // One marker per node, so each node's publisher sent its marker after anything it sent before.
    const marker = await placeOrder(client(b.url, acme.apiKey), { customer: { id: 'c9' } });
    await postStatus(client(a.url, acme.apiKey), marker.id, 'processing');
    await postStatus(client(b.url, acme.apiKey), marker.id, 'shipped');
    await Promise.all(logs.map((log) => log.untilSeq(marker.id, 3)));
    for (const log of logs) expect(log.seqs(order.id)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('a customer socket gets only the orders it subscribed to, not the tenant feed', async () => {
    const mine = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c2' } });
    const theirs = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c3' } });
    const alsoMine = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c2' } });
    const socket = await connectSocket(a.url, await acme.token('customer', 'c2'));
    const staff = await connectSocket(a.url, await acme.token('staff', 's1'));
    const log = Recorder.of(socket);
    const staffLog = Recorder.of(staff);
    await subscribeOk(socket, mine.id);
    await postStatus(client(b.url, acme.apiKey), theirs.id, 'processing');
    await postStatus(client(b.url, acme.apiKey), alsoMine.id, 'processing');
    // The tenant feed has reached node A (a socket there in the tenant room got both) ...
    await staffLog.untilSeq(theirs.id, 2);
    await staffLog.untilSeq(alsoMine.id, 2);
    // ... and the customer's socket, on the same node, got neither before its own order's event.
    await postStatus(client(b.url, acme.apiKey), mine.id, 'processing');
    expect(await log.untilSeq(mine.id, 2)).toEqual([]);
  });

  it("another tenant's staff and business sockets get none of this tenant's events", async () => {
    const order = await placeOrder(client(a.url, acme.apiKey), { customer: { id: 'c1' } });
    const markerOrder = await placeOrder(client(b.url, other.apiKey), { customer: { id: 'c1' } });
    const ownStaff = await connectSocket(a.url, await acme.token('staff', 's1'));
    const otherStaff = await connectSocket(a.url, await other.token('staff', 's1'));
    const otherBusiness = await connectSocket(b.url, other.apiKey);
    const own = Recorder.of(ownStaff);
    const strangers = [otherStaff, otherBusiness].map(Recorder.of);

    await postStatus(client(b.url, acme.apiKey), order.id, 'processing');
    await postStatus(client(a.url, acme.apiKey), order.id, 'shipped');
    await own.untilSeq(order.id, 3);
    // The marker, in the other tenant, is published after this tenant's events reached its own staff.
    await postStatus(client(b.url, other.apiKey), markerOrder.id, 'processing');
    for (const log of strangers) {
      expect(await log.untilSeq(markerOrder.id, 2)).toEqual([]);
      expect(log.seqs(order.id)).toEqual([]);
    }
    expect(own.seqs(markerOrder.id)).toEqual([]);
  });
});

describe('loyalty updates', () => {
  const update = (customerId: string, balance: number) => ({
    customer_id: customerId,
    balance,
    delta: 10,
    reason: 'accrual' as const,
    order_id: 'ord_loyal',
  });
  /** A booking of 10 points on the node's bus, as the loyalty service publishes it: `update` on the wire. */
  const booked = (tenant: Tenant, customerId: string, balance: number): LoyaltyEvent => ({
    tenantId: tenant.id,
    balance,
    entry: {
      id: `pts_${customerId}_${balance}`,
      tenant_id: tenant.id,
      customer_id: customerId,
      unique_key: `accrual:ord_loyal:${balance}`,
      delta: 10,
      reason: 'accrual',
      order_id: 'ord_loyal',
      kind: null,
      shortfall: 0,
      request_hash: null,
      at: new Date().toISOString(),
    },
  });

  it("reach the customer's sockets on every node, and no other customer or tenant", async () => {
    const c1OnA = await connectSocket(a.url, await acme.token('customer', 'c1'));
    const c1OnB = await connectSocket(b.url, await acme.token('customer', 'c1'));
    const c2OnA = await connectSocket(a.url, await acme.token('customer', 'c2'));
    const otherC1 = await connectSocket(a.url, await other.token('customer', 'c1'));
    const staff = await connectSocket(a.url, await acme.token('staff', 's1'));
    const [logC1A, logC1B, logC2, logOther, logStaff] = [c1OnA, c1OnB, c2OnA, otherC1, staff].map(Recorder.of) as [
      Recorder,
      Recorder,
      Recorder,
      Recorder,
      Recorder,
    ];

    // Pushed from node B: the socket on A gets it through the adapter.
    b.node.parts.bus.emit('loyalty', booked(acme, 'c1', 10));
    const isLoyalty = (customerId: string, balance: number) => (e: { event: string; data: any }) =>
      e.event === 'loyalty_update' && e.data.customer_id === customerId && e.data.balance === balance;
    for (const log of [logC1A, logC1B]) {
      const entry = await log.until(isLoyalty('c1', 10), 'loyalty of c1');
      expect(entry.data).toEqual(update('c1', 10));
    }

    // Markers for the others, pushed after: each gets its own and nothing before it.
    b.node.parts.bus.emit('loyalty', booked(acme, 'c2', 20));
    b.node.parts.bus.emit('loyalty', booked(other, 'c1', 30));
    expect(await logC2.until(isLoyalty('c2', 20), 'loyalty of c2').then(() => logC2.of('loyalty_update'))).toEqual([update('c2', 20)]);
    expect(await logOther.until(isLoyalty('c1', 30), 'loyalty of other c1').then(() => logOther.of('loyalty_update'))).toEqual([
      update('c1', 30),
    ]);
    // Staff are not a customer account.
    b.node.parts.bus.emit('loyalty', booked(acme, 's1', 40));
    a.node.parts.bus.emit('loyalty', booked(acme, 'c1', 50));
    await logC1A.until(isLoyalty('c1', 50), 'second loyalty of c1');
    expect(logStaff.of('loyalty_update')).toEqual([]);
    expect(logC1A.of('loyalty_update')).toEqual([update('c1', 10), update('c1', 50)]);
  });
});
