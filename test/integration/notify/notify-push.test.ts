/**
 * Web Push alerts (API.md "Web Push", "Notifications"): a customer's devices, and those subscribed through the order's
 * tracking link, get each alert as a VAPID-signed, aes128gcm-encrypted push message in the customer's language,
 * before email and SMS are tried. The local push service (test/support/push-service.ts) checks the VAPID JWT and
 * decrypts every message with the device's own keys. A push service's 404/410 removes the subscription and the alert
 * falls through; 429 and 5xx are retried like the other channels; no device ever gets an alert twice.
 */
import { deliveryLog } from '../../support/alerts';
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus, type PlacedOrder } from '../../support/orders';
import { startPushService, type PushDevice, type PushServiceStandIn } from '../../support/push-service';
import { createTenant, type Tenant } from '../../support/tenant';
import type { TestNode } from '../../support/node';

jest.setTimeout(30_000);

const ATTEMPTS = 3;
/** How the push service answers a device's message, by attempt; null: 201. */
const answers = new Map<string, (attempt: number) => number | null>();

const area = notifyArea('push');
let pushService: PushServiceStandIn;
let plainPushService: PushServiceStandIn;
let server: TestNode;
let tenant: Tenant;
let biz: Client;
let publicKey: string;

beforeAll(async () => {
  pushService = await startPushService({ respond: (device, attempt) => answers.get(device)?.(attempt) ?? null });
  plainPushService = await startPushService({ protocol: 'http' });
});
afterAll(async () => {
  await pushService.close();
  await plainPushService.close();
});

beforeEach(async () => {
  server = await area.startNode({ NOTIFY_ATTEMPTS: String(ATTEMPTS), WEBHOOK_ALLOW_PRIVATE: 'true' }, { pushCa: pushService.ca! });
  tenant = await createTenant(server.url);
  biz = client(server.url, tenant.apiKey);
  publicKey = (await client(server.url).get('/v1/push/public-key')).body.public_key;
});

/** A customer with an email address, its token's client, and an order for it that asks for email. */
async function customerWithOrder(): Promise<{ who: { id: string; email: string }; customer: Client; order: PlacedOrder }> {
  const id = unique('cust');
  const who = { id, email: `${id}@mail.example` };
  const customer = client(server.url, await tenant.token('customer', id));
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: { ...who, name: 'Wing' }, notify: { email: true, sms: false } });
  return { who, customer, order };
}

/** Subscribes a new device of the push service with `api` (a customer's or a tracking link's client). */
async function subscribe(api: Client, service = pushService): Promise<{ device: PushDevice; id: string }> {
  const device = service.device(publicKey);
  const response = await api.post('/v1/push-subscriptions', device.subscription);
  expect(response.status).toBe(201);
  return { device, id: response.body.id };
}

it('pushes the alert to the customer’s device, signed and encrypted, in its language; no email then', async () => {
  const { who, customer, order } = await customerWithOrder();
  expect((await biz.put(`/v1/customers/${who.id}/preferences`, { email: true, sms: false, locale: 'zh-HK' })).status).toBe(200);
  const { device } = await subscribe(customer);

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });

  const [message] = await pushService.waitForMessages(device.id);
  expect(message!.problem).toBeNull();
  expect(message!.status).toBe(201);
  const url = String(message!.payload!.url);
  expect(url).toMatch(new RegExp(`^${server.url}/track/${order.id}\\?token=[\\w.-]+$`));
  expect(message!.payload).toEqual({
    title: `訂單 ${order.external_id} 已寄出`,
    body: '正在運送途中，按此即時追蹤。',
    url,
    order_id: order.id,
    status: 'shipped',
  });
  expect(message!.claims).toMatchObject({ aud: pushService.url, sub: 'mailto:alerts@shop.example' });
  expect(message!.headers).toMatchObject({ encoding: 'aes128gcm', ttl: '86400', topic: expect.stringMatching(/^[\w-]{32}$/) });
  // The link in the push opens the order.
  const link = new URL(url);
  expect((await client(server.url, link.searchParams.get('token')!).get(`/v1/orders/${order.id}`)).status).toBe(200);

  expect(await deliveryLog(biz, order.id)).toEqual([{ channel: 'push', status: 'sent', seq, attempts: 1, at: expect.any(String) }]);
  expect(area.smtp.messagesTo(who.email)).toEqual([]);
});

it('reaches the devices subscribed through the tracking link too, and a browser subscribed both ways once', async () => {
  const { customer, order } = await customerWithOrder();
  const tracker = client(server.url, order.tracking_token);
  const own = await subscribe(customer);
  const shared = await subscribe(tracker);
  // The same browser (one endpoint) subscribed by the customer as well.
  expect((await customer.post('/v1/push-subscriptions', shared.device.subscription)).status).toBe(201);
  // Another order's link: not this order's alerts.
  const other = await placeOrder(biz, { customer: { id: unique('cust') } });
  const elsewhere = await subscribe(client(server.url, other.tracking_token));

  const { seq } = await postStatus(biz, order.id, 'out_for_delivery');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });
  const [first] = await pushService.waitForMessages(own.device.id);
  const [second] = await pushService.waitForMessages(shared.device.id);
  for (const message of [first!, second!]) expect(message).toMatchObject({ status: 201, problem: null, payload: { order_id: order.id, status: 'out_for_delivery' } });
  // English: no language chosen, none on the order, the tenant's default.
  expect(first!.payload!.title).toBe(`Order ${order.external_id} is out for delivery`);
  expect(pushService.messagesTo(shared.device.id)).toHaveLength(1);
  expect(pushService.messagesTo(elsewhere.device.id)).toEqual([]);
});

it('a subscription its push service says is gone (410) is removed, and email takes the alert', async () => {
  const { who, customer, order } = await customerWithOrder();
  const { device, id } = await subscribe(customer);
  answers.set(device.id, () => 410);

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
  expect(pushService.messagesTo(device.id).map((message) => message.status)).toEqual([410]);
  await area.smtp.waitForMessagesTo(who.email, 1);
  expect(await deliveryLog(biz, order.id)).toEqual([
    { channel: 'push', status: 'failed', seq, attempts: 1, reason: 'subscription_gone', error: 'push 410', at: expect.any(String) },
    { channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) },
  ]);

  // Gone for good: the next alert goes straight to email, and the subscription is no longer there to remove.
  const { seq: next } = await postStatus(biz, order.id, 'delivered');
  expect(await area.alerts.outcome(order.id, next)).toEqual({ kind: 'sent', channel: 'email' });
  expect(pushService.messagesTo(device.id)).toHaveLength(1);
  expectError(await customer.delete(`/v1/push-subscriptions/${id}`), 404, 'not_found');
});

it('a 404 is gone too, while a device that takes the alert keeps its subscription', async () => {
  const { customer, order } = await customerWithOrder();
  const lost = await subscribe(customer);
  const kept = await subscribe(customer);
  answers.set(lost.device.id, () => 404);

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });
  await expect(server.node.parts.store.push.alertPushSubscriptions(tenant.id, order.customer.id, order.id)).resolves.toEqual([
    expect.objectContaining({ id: kept.id }),
  ]);
  expect(pushService.messagesTo(kept.device.id).map((message) => message.status)).toEqual([201]);
});

it('a 429 is retried with backoff and the alert is delivered once', async () => {
  const { who, customer, order } = await customerWithOrder();
  const { device } = await subscribe(customer);
  answers.set(device.id, (attempt) => (attempt === 1 ? 429 : null));

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });
  expect(pushService.messagesTo(device.id).map((message) => message.status)).toEqual([429, 201]);
  expect(await deliveryLog(biz, order.id)).toEqual([{ channel: 'push', status: 'sent', seq, attempts: 2, at: expect.any(String) }]);
  expect(area.smtp.messagesTo(who.email)).toEqual([]);
});

it('a push service failing (500) on every attempt: the attempts run out, then email takes the alert', async () => {
  const { who, customer, order } = await customerWithOrder();
  const { device } = await subscribe(customer);
  answers.set(device.id, () => 500);

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
  expect(pushService.messagesTo(device.id).map((message) => message.status)).toEqual(Array(ATTEMPTS).fill(500));
  await area.smtp.waitForMessagesTo(who.email, 1);
  expect(await deliveryLog(biz, order.id)).toEqual([
    { channel: 'push', status: 'failed', seq, attempts: ATTEMPTS, reason: 'retries_exhausted', error: 'push 500', at: expect.any(String) },
    { channel: 'email', status: 'sent', seq, attempts: 1, at: expect.any(String) },
  ]);
});

it('a customer who turned push off gets email; turning it on again pushes', async () => {
  const { who, customer, order } = await customerWithOrder();
  const { device } = await subscribe(customer);
  expect((await biz.put(`/v1/customers/${who.id}/preferences`, { email: true, sms: false, push: false })).body).toMatchObject({ push: false });

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'email' });
  expect(pushService.messagesTo(device.id)).toEqual([]);

  expect((await customer.put(`/v1/customers/${who.id}/preferences`, { email: true, sms: false, push: true })).body).toMatchObject({ push: true });
  const { seq: next } = await postStatus(biz, order.id, 'delivered');
  expect(await area.alerts.outcome(order.id, next)).toEqual({ kind: 'sent', channel: 'push' });
  expect(pushService.messagesTo(device.id)).toEqual([expect.objectContaining({ status: 201, payload: expect.objectContaining({ status: 'delivered' }) })]);
});

it('a renewed tracking link stops the pushes its earlier link subscribed', async () => {
  const order = await placeOrder(biz, { customer: { id: unique('cust') } });
  const before = await subscribe(client(server.url, order.tracking_token));
  const renewed = (await biz.post(`/v1/orders/${order.id}/tracking-token`)).body.tracking_token as string;
  const after = await subscribe(client(server.url, renewed));

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });
  expect(pushService.messagesTo(after.device.id)).toHaveLength(1);
  expect(pushService.messagesTo(before.device.id)).toEqual([]);
  // The old link's subscription is gone from the store as well.
  expect((await server.node.parts.store.push.alertPushSubscriptions(tenant.id, order.customer.id, order.id)).map((s) => s.id)).toEqual([after.id]);
});

it('with WEBHOOK_ALLOW_PRIVATE an http push service (a local one) gets the same signed, encrypted message', async () => {
  const { customer, order } = await customerWithOrder();
  const { device } = await subscribe(customer, plainPushService);
  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'sent', channel: 'push' });
  const [message] = await plainPushService.waitForMessages(device.id);
  expect(message).toMatchObject({ status: 201, problem: null, claims: { aud: plainPushService.url }, payload: { order_id: order.id, status: 'shipped' } });
});

it('erasing the customer removes its subscriptions, its tracking links’ too; later alerts push nothing', async () => {
  const { who, customer, order } = await customerWithOrder();
  const own = await subscribe(customer);
  const linked = await subscribe(client(server.url, order.tracking_token));
  expect((await biz.delete(`/v1/customers/${who.id}/personal-data`)).status).toBe(200);
  expect(await server.node.parts.store.push.alertPushSubscriptions(tenant.id, who.id, order.id)).toEqual([]);

  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await area.alerts.outcome(order.id, seq)).toEqual({ kind: 'skipped', reason: 'erased' });
  expect(pushService.messagesTo(own.device.id)).toEqual([]);
  expect(pushService.messagesTo(linked.device.id)).toEqual([]);
});
