/**
 * The payment report over HTTP (API.md "Payments": `GET /v1/reports/payments`), on the embedded store and on
 * PostgreSQL: the cash each courier is still to collect and has collected, as cash-on-delivery orders are placed,
 * assigned, collected and cancelled; providers and unmatched transactions (none can be made before providers exist);
 * who may read it, tenants, and bad ranges.
 */
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { assignCourier, placeOrder, postStatus } from '../../support/orders';
import { dropSchema, sqliteAndPostgres } from '../../support/postgres';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const HKD = (value: number) => ({ value, currency: 'HKD' });
const USD = (value: number) => ({ value, currency: 'USD' });
const HOUR_MS = 3600_000;

describe.each(sqliteAndPostgres('payrep'))('GET /v1/reports/payments on %s', (_store, storeEnv) => {
  let server: TestNode;
  let schema: string | null;
  let tenant: Tenant;
  let biz: Client;

  beforeAll(async () => {
    const chosen = storeEnv();
    schema = chosen.schema;
    server = await startTestNode({ env: { ...chosen.env, REDIS_PREFIX: unique('payrep') } });
    tenant = await createTenant(server.url, 'Harbour Goods');
    biz = client(server.url, tenant.apiKey);
  });

  afterAll(async () => {
    await server?.close();
    if (schema) await dropSchema(schema);
  });

  /** The report over the hour around now (the transactions recorded in these tests fall in it). */
  async function report(api: Client = biz, range = { from: new Date(Date.now() - HOUR_MS), to: new Date(Date.now() + HOUR_MS) }) {
    const query = `from=${encodeURIComponent(range.from.toISOString())}&to=${encodeURIComponent(range.to.toISOString())}`;
    const response = await api.get(`/v1/reports/payments?${query}`);
    expect(response.status).toBe(200);
    return response.body as { by_provider: unknown[]; cash: Array<Record<string, unknown>>; unmatched: number };
  }

  /** A cash-on-delivery order of `amount` assigned to `courierId`. */
  async function cashOrder(courierId: string, amount: { value: number; currency: string }): Promise<string> {
    const { id } = await placeOrder(biz, { amount, payment: { method: 'cash' } });
    await assignCourier(biz, id, courierId);
    return id;
  }

  it('follows the cash a courier is to collect and has collected, per currency; providers and unmatched are empty', async () => {
    expect(await report()).toEqual({ by_provider: [], cash: [], unmatched: 0 });

    const k1 = unique('k1');
    const k2 = unique('k2');
    const first = await cashOrder(k1, HKD(12900));
    const second = await cashOrder(k1, HKD(5000));
    await cashOrder(k1, USD(2000));
    const cancelled = await cashOrder(k2, HKD(9900));
    await placeOrder(biz, { amount: HKD(4000), payment: { method: 'cash' } }); // nobody's yet
    await assignCourier(biz, (await placeOrder(biz, { amount: HKD(100) })).id, k2); // not cash
    const byCourier = (body: Awaited<ReturnType<typeof report>>) => body.cash.filter((row) => row.courier_id === k1 || row.courier_id === k2);

    expect(byCourier(await report())).toEqual([
      { courier_id: k1, currency: 'HKD', due: 17900, collected: 0 },
      { courier_id: k1, currency: 'USD', due: 2000, collected: 0 },
      { courier_id: k2, currency: 'HKD', due: 9900, collected: 0 },
    ]);

    // The courier collects one order's cash on the doorstep; the business records the other's by hand.
    const courier = client(server.url, await tenant.token('courier', k1));
    await postStatus(biz, first, 'out_for_delivery');
    expect((await courier.post(`/v1/orders/${first}/payments`, { event_id: 'cash-1', kind: 'cod_collected', amount: HKD(12900) })).status).toBe(201);
    expect((await biz.post(`/v1/orders/${second}/payments`, { event_id: 'cash-2', kind: 'cod_collected', amount: HKD(4500) })).status).toBe(201);
    await postStatus(biz, cancelled, 'cancelled');

    expect(byCourier(await report())).toEqual([
      { courier_id: k1, currency: 'HKD', due: 0, collected: 17400 },
      { courier_id: k1, currency: 'USD', due: 2000, collected: 0 },
    ]);
    // A range the collections fall outside: what is due stays (it is as of now), nothing collected.
    const lastWeek = { from: new Date(Date.now() - 8 * 24 * HOUR_MS), to: new Date(Date.now() - 7 * 24 * HOUR_MS) };
    expect(byCourier(await report(biz, lastWeek))).toEqual([{ courier_id: k1, currency: 'USD', due: 2000, collected: 0 }]);

    // Staff read it too; another tenant sees none of it.
    const staff = client(server.url, await tenant.token('staff', 'desk'));
    expect(byCourier(await report(staff))).toEqual(byCourier(await report()));
    const other = await createTenant(server.url, 'Elsewhere');
    expect(await report(client(server.url, other.apiKey))).toEqual({ by_provider: [], cash: [], unmatched: 0 });
  });

  it('is for the business and staff only', async () => {
    const range = `from=${encodeURIComponent(new Date(Date.now() - HOUR_MS).toISOString())}&to=${encodeURIComponent(new Date().toISOString())}`;
    for (const role of ['courier', 'customer'] as const) {
      const outsider = client(server.url, await tenant.token(role, unique(role)));
      expectError(await outsider.get(`/v1/reports/payments?${range}`), 403, 'forbidden');
    }
    expectError(await client(server.url).get(`/v1/reports/payments?${range}`), 401, 'unauthorized');
  });

  it.each([
    ['from missing', 'to=2024-01-02T00:00:00Z', 'from'],
    ['from after to', 'from=2024-01-03T00:00:00Z&to=2024-01-02T00:00:00Z', 'to'],
    ['more than 366 days', 'from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00.001Z', 'to'],
    ['an unknown parameter', 'from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&courier_id=k1', 'query'],
  ])('a bad range (%s) is a 400 naming the field', async (_case, query, field) => {
    const error = expectError(await biz.get(`/v1/reports/payments?${query}`), 400, 'validation_failed');
    expect(JSON.stringify(error.details)).toContain(field);
  });
});
