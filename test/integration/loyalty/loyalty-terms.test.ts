/**
 * The tenant's points rate and `loyalty_basis` are kept by each node for a while once read; a change made through a
 * node applies to that node's next accrual at once, on both kinds of store.
 */
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { entriesOf, getAccount, setRate } from '../../support/loyalty';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, sqliteAndPostgres } from '../../support/postgres';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const HKD = (value: number) => ({ value, currency: 'HKD' });

describe.each(sqliteAndPostgres('loyterms'))('loyalty terms on %s', (_store, storeEnv) => {
  let server: TestNode;
  let schema: string | null;

  beforeAll(async () => {
    const chosen = storeEnv();
    schema = chosen.schema;
    server = await startTestNode({ env: { ...chosen.env, REDIS_PREFIX: unique('loyterms') } });
  });
  afterAll(async () => {
    await server?.close();
    if (schema) await dropSchema(schema);
  });

  /** Places an order of `amount` for `customerId`, delivers it, and answers the points its accrual booked (0: none). */
  async function deliveredPoints(apiKey: string, customerId: string, amount: number): Promise<number> {
    const biz = client(server.url, apiKey);
    const placed = await placeOrder(biz, { customer: { id: customerId }, amount: HKD(amount) });
    await postStatus(biz, placed.id, 'delivered');
    const account = await getAccount(server.url, apiKey, customerId);
    return entriesOf(account, 'accrual').find((entry) => entry.order_id === placed.id)?.delta ?? 0;
  }

  it('applies a points rate set on this node to its next accrual at once', async () => {
    const tenant = await createTenant(server.url, unique('rate'));
    const customer = unique('cust');
    // The first accrual reads the default rate (1) and keeps it.
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(100);
    await setRate(server.url, tenant.apiKey, 3);
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(300);
    await setRate(server.url, tenant.apiKey, 0.5);
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(50);
    expect((await getAccount(server.url, tenant.apiKey, customer)).balance).toBe(450);
  });

  it('applies a loyalty_basis set on this node to its next accrual at once', async () => {
    const tenant = await createTenant(server.url, unique('basis'));
    const customer = unique('cust');
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(100);
    // Points on what was paid: an order delivered with nothing paid earns none.
    const put = await client(server.url, tenant.apiKey).put('/v1/tenants/me/settings', { loyalty_basis: 'paid' });
    expect(put.status).toBe(200);
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(0);
    expect((await client(server.url, tenant.apiKey).put('/v1/tenants/me/settings', { loyalty_basis: 'amount' })).status).toBe(200);
    expect(await deliveredPoints(tenant.apiKey, customer, 10000)).toBe(100);
  });
});
