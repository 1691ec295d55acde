/**
 * Push subscriptions are personal data (API.md "Privacy"), swept by retention as the orders they serve: with
 * `retention_days` set, a sweep removes the subscriptions the tracking links of the orders it erases made, and a
 * customer's own subscriptions its browser has not posted again since the retention's cutoff (as confirmations are
 * asked for again). Subscriptions of active orders, and those renewed since, stay.
 */
import { createECDH } from 'node:crypto';
import { eventually } from '../../support/eventually';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

const DAY_MS = 86_400_000;

let server: TestNode;
let tenant: Tenant;
let biz: Client;
let clock = Date.now();

beforeAll(async () => {
  server = await startTestNode({ env: { REDIS_PREFIX: unique('push-retain') }, retention: { now: () => new Date(clock), intervalMs: 0 } });
  tenant = await createTenant(server.url);
  biz = client(server.url, tenant.apiKey);
});
afterAll(() => server.close());

/** Subscribes a browser of its own (at a public push service's address) for `api`; resolves with its id. */
async function subscribe(api: Client): Promise<string> {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: Buffer.alloc(16, 3).toString('base64url') };
  const response = await api.post('/v1/push-subscriptions', { endpoint: `https://93.184.216.34/push/${unique('ep')}`, keys });
  expect(response.status).toBe(201);
  return response.body.id as string;
}

it('removes the links’ subscriptions of swept orders and customers’ own ones not renewed since the cutoff', async () => {
  expect((await biz.put('/v1/tenants/me/settings', { retention_days: 30 })).status).toBe(200);
  const customerId = unique('cust');
  const customer = client(server.url, await tenant.token('customer', customerId));
  await subscribe(customer); // its own, posted before the cutoff
  const delivered = await placeOrder(biz, { customer: { id: customerId, name: 'Mei' } });
  const active = await placeOrder(biz, { customer: { id: customerId, name: 'Mei' } });
  await subscribe(client(server.url, delivered.tracking_token));
  const activeLink = await subscribe(client(server.url, active.tracking_token));
  await postStatus(biz, delivered.id, 'delivered');
  const deliveredAt = Date.parse((await biz.get(`/v1/orders/${delivered.id}`)).body.updated_at);
  await eventually(() => Date.now() > deliveredAt + 1, 'the clock past the delivery', 1000, 1);
  const renewedOwn = await subscribe(customer);

  clock = deliveredAt + 30 * DAY_MS + 1;
  expect(await server.node.parts.retention.sweep()).toBe(1);

  const left = async (orderId: string) =>
    (await server.node.parts.store.push.alertPushSubscriptions(tenant.id, customerId, orderId)).map((subscription) => subscription.id).sort();
  expect(await left(delivered.id)).toEqual([renewedOwn]);
  expect(await left(active.id)).toEqual([renewedOwn, activeLink].sort());
});
