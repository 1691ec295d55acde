import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { createTenant } from '../../support/tenant';

describe('loyalty points', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('loyalty-smoke') } });
  });
  afterAll(() => server.close());

  it('accrues on delivery, reverses on return, and redeems without overdraft', async () => {
    const tenant = await createTenant(server.url);
    const biz = client(server.url, tenant.apiKey);
    const placed = await biz.post('/v1/orders', { customer: { id: 'c1' }, amount: { value: 12950, currency: 'HKD' } });
    const path = `/v1/orders/${placed.body.id}/status`;
    expect((await biz.post(path, { status: 'delivered' })).status).toBe(200);
    const afterDelivery = await biz.get('/v1/customers/c1/loyalty');
    expect(afterDelivery.body).toMatchObject({ customer_id: 'c1', balance: 129 });
    expect(afterDelivery.body.entries).toEqual([expect.objectContaining({ delta: 129, reason: 'accrual', order_id: placed.body.id })]);

    const redeemed = await biz.post('/v1/customers/c1/loyalty/redemptions', { points: 100, kind: 'discount', event_id: 'r1' });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body).toMatchObject({ delta: -100, reason: 'redemption' });
    const replay = await biz.post('/v1/customers/c1/loyalty/redemptions', { points: 100, kind: 'discount', event_id: 'r1' });
    expect(replay.body.id).toBe(redeemed.body.id);
    const over = await biz.post('/v1/customers/c1/loyalty/redemptions', { points: 30, kind: 'charity', event_id: 'r2' });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('insufficient_points');

    expect((await biz.post(path, { status: 'returned' })).status).toBe(200);
    const afterReturn = await biz.get('/v1/customers/c1/loyalty');
    expect(afterReturn.body.balance).toBe(0);
    expect(afterReturn.body.entries[2]).toMatchObject({ delta: -29, reason: 'reversal', shortfall: 100 });
  });
});
