/**
 * Order rules probed over HTTP (API.md "Orders", "Couriers"): late events never move the status even after an
 * event without a time; a late pickup still assigns the courier; a customer learns nothing of others' external
 * ids; answers carry the stored position.
 */
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';
import { iso } from '../../support/time';

jest.setTimeout(30_000);

let server: TestNode;
let tenant: Tenant;
let biz: Client;

tenantNode((started) => ({ server, tenant, biz } = started));

async function status(orderId: string, body: Record<string, unknown>) {
  const response = await biz.post(`/v1/orders/${orderId}/status`, body);
  expect(response.status).toBe(200);
  return { outcome: response.headers.get('event-outcome'), seq: response.headers.get('event-seq'), order: response.body };
}

it('an event older than the newest applied one is late, also after an event sent without a time', async () => {
  const order = await placeOrder(biz, {});
  expect((await status(order.id, { status: 'shipped', occurred_at: iso(4 * 60_000) })).outcome).toBe('applied');
  // No time: it occurs now, which is before the +4 min event; the newest time stays +4 min.
  expect((await status(order.id, { status: 'in_transit' })).outcome).toBe('applied');
  const late = await status(order.id, { status: 'in_transit', occurred_at: iso(60_000) });
  expect(late).toMatchObject({ outcome: 'late', seq: null, order: { version: 3 } });
});

describe("a courier's offline backlog", () => {
  it('a late pickup of an unassigned order assigns it, so the later scans of the batch are the courier\'s', async () => {
    const order = await placeOrder(biz, {});
    // The business marked it shipped just now; the courier's scans were taken earlier, offline.
    await status(order.id, { status: 'shipped' });
    const courier = client(server.url, await tenant.token('courier', 'k1'));
    const response = await courier.post('/v1/scans', {
      scans: [
        { event_id: 'bk-1', order_id: order.id, type: 'pickup', occurred_at: iso(-10 * 60_000) },
        { event_id: 'bk-2', order_id: order.id, type: 'hub_in', occurred_at: iso(-5 * 60_000) },
        { event_id: 'bk-3', order_id: order.id, type: 'out_for_delivery', occurred_at: iso(0) },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.results.map((result: { outcome: string }) => result.outcome)).toEqual(['late', 'late', 'applied']);
    const after = (await biz.get(`/v1/orders/${order.id}`)).body;
    expect(after).toMatchObject({ courier_id: 'k1', status: 'out_for_delivery', version: 3 });
    expect((await courier.get(`/v1/orders/${order.id}`)).status).toBe(200);
  });

  it('a late pickup of an order another courier has is still refused', async () => {
    const order = await placeOrder(biz, {});
    await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k9' });
    await status(order.id, { status: 'shipped' });
    const courier = client(server.url, await tenant.token('courier', 'k2'));
    const response = await courier.post('/v1/scans', {
      scans: [{ event_id: 'bk-9', order_id: order.id, type: 'pickup', occurred_at: iso(-10 * 60_000) }],
    });
    expect(response.body.results).toEqual([
      { event_id: 'bk-9', outcome: 'rejected', error: { code: 'not_found', message: expect.any(String) } },
    ]);
    expect((await biz.get(`/v1/orders/${order.id}`)).body.courier_id).toBe('k9');
  });
});

describe('external ids placed by customers', () => {
  it("a customer using another customer's external id gets an order of its own, learning nothing", async () => {
    const ada = client(server.url, await tenant.token('customer', 'ada'));
    const bob = client(server.url, await tenant.token('customer', 'bob'));
    const first = await ada.post('/v1/orders', { external_id: 'my-ref-1', customer: { id: 'ada' } });
    expect(first.status).toBe(201);
    const other = await bob.post('/v1/orders', { external_id: 'my-ref-1', customer: { id: 'bob' } });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect(other.body.customer.id).toBe('bob');
    // A repeat by the same customer is its own original.
    const again = await ada.post('/v1/orders', { external_id: 'my-ref-1', customer: { id: 'ada' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it("the business's external ids and a customer's live side by side", async () => {
    const shop = await biz.post('/v1/orders', { external_id: 'shop-77', customer: { id: 'cy' } });
    expect(shop.status).toBe(201);
    const cy = client(server.url, await tenant.token('customer', 'cy'));
    const own = await cy.post('/v1/orders', { external_id: 'shop-77', customer: { id: 'cy' } });
    expect(own.status).toBe(201);
    expect(own.body.id).not.toBe(shop.body.id);
    const repeat = await biz.post('/v1/orders', { external_id: 'shop-77', customer: { id: 'cy' } });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(shop.body.id);
  });

  it('a customer still cannot place for someone else', async () => {
    const ada = client(server.url, await tenant.token('customer', 'ada'));
    expectError(await ada.post('/v1/orders', { customer: { id: 'bob' } }), 403, 'forbidden');
  });
});

it("a status answer carries the order's latest stored position, not the one it had when its actor loaded", async () => {
  const order = await placeOrder(biz, {});
  await biz.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k5' });
  await status(order.id, { status: 'shipped' });
  const courier = client(server.url, await tenant.token('courier', 'k5'));
  expect((await courier.post('/v1/couriers/me/location', { lat: 22.28, lng: 114.16 })).status).toBe(204);
  // Positions are written in coalesced batches (every 2 s): wait until GET shows it.
  await eventually(
    async () => (await biz.get(`/v1/orders/${order.id}`)).body.last_location?.lat === 22.28,
    'the position stored',
  );
  const answer = await status(order.id, { status: 'in_transit' });
  expect(answer.order.last_location).toMatchObject({ lat: 22.28, lng: 114.16 });
});
