import { burstEventIds, expectConsistentBurst, sendStatus, type StatusResult } from '../../support/burst';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { listEvents, placeOrder } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

describe('concurrent status posts on one node', () => {
  let server: TestNode;
  let tenant: Tenant;

  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('concurrency') } });
    tenant = await createTenant(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('applies 150 distinct events of a 200-post burst on one order exactly once, gap-free, duplicates answered with the original seq', async () => {
    const orderId = (await placeOrder(client(server.url, tenant.apiKey))).id;
    const moved = await sendStatus(server.url, tenant.apiKey, orderId, 'to-transit');
    expect(moved).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });

    const ids = burstEventIds('hub', 150, 50, 20240601);
    expect(ids).toHaveLength(200);
    const results: StatusResult[] = await Promise.all(ids.map((id) => sendStatus(server.url, tenant.apiKey, orderId, id)));

    const events = await listEvents(client(server.url, tenant.apiKey), orderId);
    expectConsistentBurst({ results, events, versionBefore: 2, distinct: 150, repeated: 50 });

    const order = await client(server.url, tenant.apiKey).get(`/v1/orders/${orderId}`);
    expect(order.status).toBe(200);
    expect(order.body).toMatchObject({ status: 'in_transit', version: 152 });
    expect(order.body.history).toHaveLength(152);
  });

  it('repeating an event id after the burst records nothing and answers with the original seq', async () => {
    const orderId = (await placeOrder(client(server.url, tenant.apiKey))).id;
    const first = await sendStatus(server.url, tenant.apiKey, orderId, 'once', 'shipped');
    expect(first).toMatchObject({ status: 200, seq: 2, outcome: 'applied' });
    // Push the original out of the actor's recent-event memory, so the store has to answer the repeat.
    const burst = Array.from({ length: 200 }, (_, i) => `later-${i}`);
    const results = await Promise.all(burst.map((id) => sendStatus(server.url, tenant.apiKey, orderId, id)));
    expect(results.every((r) => r.status === 200 && r.outcome === 'applied')).toBe(true);

    const again = await sendStatus(server.url, tenant.apiKey, orderId, 'once', 'shipped');
    expect(again).toMatchObject({ status: 200, seq: 2, outcome: 'duplicate', version: 202 });
    const events = await listEvents(client(server.url, tenant.apiKey), orderId);
    expect(events).toHaveLength(202);
    expect(events.filter((e) => e.event_id === 'once')).toHaveLength(1);
  });

  it('serves parallel posts across 100 orders (one each)', async () => {
    const orderIds = await Promise.all(
      Array.from({ length: 100 }, (_, i) => placeOrder(client(server.url, tenant.apiKey), { customer: { id: `cust-${i}` }, external_id: `bulk-${i}` }).then((order) => order.id)),
    );
    expect(new Set(orderIds).size).toBe(100);

    const started = Date.now();
    const results = await Promise.all(
      orderIds.map((orderId, i) => sendStatus(server.url, tenant.apiKey, orderId, `bulk-evt-${i}`, 'shipped')),
    );
    const elapsedMs = Date.now() - started;

    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.every((r) => r.seq === 2 && r.outcome === 'applied' && r.version === 2)).toBe(true);
    // Each order holds exactly its own event.
    const logs = await Promise.all(orderIds.map((orderId) => listEvents(client(server.url, tenant.apiKey), orderId)));
    logs.forEach((events, i) => {
      expect(events.map((e) => [e.seq, e.status])).toEqual([
        [1, 'placed'],
        [2, 'shipped'],
      ]);
      expect(events[1]!.event_id).toBe(`bulk-evt-${i}`);
    });
    // Group commit: 100 orders' writes should not cost 100 sequential transactions' worth of time.
    expect(elapsedMs).toBeLessThan(10_000);
  });
});
