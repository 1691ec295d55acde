import { client } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';
import { createTenant } from '../../support/tenant';

// Also with the embedded store on its own thread (STORE_THREAD=true): the same answers through the thread.
describe.each([
  ['in-process store', {}],
  ['store on its own thread', { STORE_THREAD: 'true' }],
])('order lifecycle over HTTP (%s)', (_name, env: Record<string, string>) => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env });
  });
  afterAll(() => server.close());

  it('places an order, moves it along the main path and returns its history', async () => {
    const tenant = await createTenant(server.url);
    const business = client(server.url, tenant.apiKey);
    const placed = await business.post('/v1/orders', {
      external_id: 'shop-1',
      customer: { id: 'c1', name: 'Ada Lovelace', email: 'ada@example.com' },
      amount: { value: 12900, currency: 'HKD' },
    });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ status: 'placed', version: 1, tenant_id: tenant.id, courier_id: null });
    expect(typeof placed.body.tracking_token).toBe('string');
    const id = placed.body.id as string;

    const shipped = await business.post(`/v1/orders/${id}/status`, { status: 'shipped', event_id: 'e1' });
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ status: 'shipped', version: 2 });
    expect(shipped.headers.get('event-seq')).toBe('2');

    const got = await business.get(`/v1/orders/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.history.map((e: { status: string; seq: number }) => [e.status, e.seq])).toEqual([
      ['placed', 1],
      ['shipped', 2],
    ]);

    // The store's commits are counted whichever thread runs them.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/^store_write_batch_duration_seconds_count (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
  });
});
