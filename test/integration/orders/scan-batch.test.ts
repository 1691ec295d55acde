import { expectError } from '../../support/expect-error';
import { client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';
import { iso } from '../../support/time';

type Ev = { seq: number | null; event_id: string; status: string; scan_type: string | null; applied: boolean };

describe('POST /v1/scans: one bad scan does not fail the others', () => {
  let server: TestNode;
  let tenant: Tenant;
  let biz: Client;
  let courier: Client;
  let courierId: string;

  tenantNode(async (started) => {
    ({ server, tenant, biz } = started);
    courierId = unique('k');
    courier = client(server.url, await tenant.token('courier', courierId));
  });

  async function assignedOrder(): Promise<string> {
    const { id } = await placeOrder(biz);
    expect((await biz.post(`/v1/orders/${id}/assign`, { courier_id: courierId })).status).toBe(200);
    return id;
  }
  const rejected = (eventId: string | null, path: string) => ({
    event_id: eventId,
    outcome: 'rejected',
    error: {
      code: 'validation_failed',
      message: expect.any(String),
      details: [expect.objectContaining({ path, message: expect.any(String) })],
    },
  });

  it('each item gets its own outcome, in input order, and the good scans are applied', async () => {
    const [a, b] = [await assignedOrder(), await assignedOrder()];
    const scans = [
      { event_id: 'sb-1', order_id: a, type: 'pickup', occurred_at: iso() },
      { event_id: 'sb-2', order_id: a, type: 'teleport', occurred_at: iso() },
      { event_id: 'sb-3', order_id: b, type: 'pickup', occurred_at: iso(10 * 60_000) },
      { order_id: b, type: 'hub_in', occurred_at: iso() },
      42,
      { event_id: 'sb-4', order_id: a, type: 'hub_in', occurred_at: iso() },
      { event_id: 'sb-5', order_id: b, type: 'pickup', occurred_at: iso() },
      { event_id: 7, order_id: b, type: 'hub_in' },
    ];
    const res = await courier.post('/v1/scans', { scans });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { event_id: 'sb-1', outcome: 'applied', seq: 2 },
      rejected('sb-2', 'type'),
      rejected('sb-3', 'occurred_at'),
      rejected(null, 'event_id'),
      rejected(null, ''),
      { event_id: 'sb-4', outcome: 'applied', seq: 3 },
      { event_id: 'sb-5', outcome: 'applied', seq: 2 },
      {
        event_id: null,
        outcome: 'rejected',
        error: expect.objectContaining({
          code: 'validation_failed',
          details: expect.arrayContaining([expect.objectContaining({ path: 'event_id' }), expect.objectContaining({ path: 'occurred_at' })]),
        }),
      },
    ]);
    // The far-future scan's message says why.
    expect(res.body.results[2].error.details[0].message).toMatch(/future/);

    const orderA = (await biz.get(`/v1/orders/${a}`)).body;
    expect(orderA).toMatchObject({ status: 'in_transit', version: 3 });
    expect(orderA.history.map((e: Ev) => [e.event_id, e.seq, e.scan_type])).toEqual([
      [`placed-${a}`, 1, null],
      ['sb-1', 2, 'pickup'],
      ['sb-4', 3, 'hub_in'],
    ]);
    const orderB = (await biz.get(`/v1/orders/${b}`)).body;
    expect(orderB).toMatchObject({ status: 'shipped', version: 2 });
    expect(orderB.history.map((e: Ev) => e.event_id)).toEqual([`placed-${b}`, 'sb-5']);
  });

  it('a batch of only bad scans answers 200 with every item rejected and changes nothing', async () => {
    const id = await assignedOrder();
    const res = await courier.post('/v1/scans', {
      scans: [
        { event_id: 'nb-1', order_id: { $ne: null }, type: 'pickup', occurred_at: iso() },
        { event_id: 'nb-2', order_id: id, type: 'pickup', occurred_at: iso(), extra: true },
        null,
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([rejected('nb-1', 'order_id'), rejected('nb-2', ''), rejected(null, '')]);
    expect((await biz.get(`/v1/orders/${id}`)).body).toMatchObject({ status: 'placed', version: 1 });
  });

  it('a body that is not a scan list at all is still a 400', async () => {
    const id = await assignedOrder();
    const one = { event_id: unique('e'), order_id: id, type: 'pickup', occurred_at: iso() };
    const many = Array.from({ length: 501 }, (_, i) => ({ ...one, event_id: `many-${i}` }));
    for (const body of [[one], 'scans', null, {}, { scans: 'all' }, { scans: one }, { scans: [] }, { scans: many }, { scans: [one], extra: 1 }]) {
      expectError(await courier.post('/v1/scans', body), 400, 'validation_failed');
    }
    expect((await biz.get(`/v1/orders/${id}`)).body).toMatchObject({ status: 'placed', version: 1 });
  });

  it('the OpenAPI document still describes each item as a scan, and rejections with details', async () => {
    const doc = (await request(server.url, 'GET', '/openapi.json')).body;
    const op = doc.paths['/v1/scans'].post;
    const item = op.requestBody.content['application/json'].schema.properties.scans.items;
    expect(item.required).toEqual(expect.arrayContaining(['event_id', 'order_id', 'type', 'occurred_at']));
    const result = op.responses['200'].content['application/json'].schema.properties.results.items;
    expect(result.properties.error.properties.details).toBeDefined();
  });
});
