/**
 * A worker dies in the middle of pushing (API.md "Notifications": no channel sends the same alert twice, also when a
 * worker dies mid-job), as notify-crash.test.ts does for email and SMS. An API-only node takes the subscriptions and
 * the status; a worker-only process started from the crash-after-send entry SIGKILLs itself as soon as a push service
 * took the alert for one of the customer's devices, before the delivery log says so. A second worker picks the job up
 * once its lock has run out: no device gets the alert again, and no other channel sends it.
 */
import { deliveryLog, waitForLog } from '../../support/alerts';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { startPushService, type PushServiceStandIn } from '../../support/push-service';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const LOCK_MS = '2000';

const area = notifyArea('push-crash');
let pushService: PushServiceStandIn;
let api: string;
let tenant: Tenant;
let biz: Client;

beforeAll(async () => {
  pushService = await startPushService();
});
afterAll(() => pushService.close());

beforeEach(async () => {
  api = (await area.startNode({ PROCESS_ROLE: 'api', WEBHOOK_ALLOW_PRIVATE: 'true' })).url;
  tenant = await createTenant(api);
  biz = client(api, tenant.apiKey);
});

/** Worker processes trust the push service's certificate as a deployment trusts its own CA (NODE_EXTRA_CA_CERTS). */
const workerEnv = (extra: Record<string, string> = {}) => ({
  NOTIFY_LOCK_MS: LOCK_MS,
  WEBHOOK_ALLOW_PRIVATE: 'true',
  NODE_EXTRA_CA_CERTS: pushService.caFile!,
  ...extra,
});

/** Whether a worker log line is about (order, seq). */
const about = (line: string, orderId: string, seq: number) => line.includes(`"order_id":"${orderId}"`) && line.includes(`"seq":${seq}`);

it('a worker killed right after a push service took the alert: no device gets it again, and no email goes', async () => {
  const id = unique('cust');
  const email = `${id}@mail.example`;
  const customer = client(api, await tenant.token('customer', id));
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: { id, email }, notify: { email: true, sms: false } });
  const publicKey = (await client(api).get('/v1/push/public-key')).body.public_key as string;
  const devices = [pushService.device(publicKey), pushService.device(publicKey)];
  for (const device of devices) expect((await customer.post('/v1/push-subscriptions', device.subscription)).status).toBe(201);

  const doomed = await area.spawnWorker(workerEnv({ CRASH_AFTER_SEND: 'push' }), 'test/support/entries/crash-after-send.ts');
  const { seq } = await postStatus(biz, order.id, 'shipped');
  expect(await doomed.exited).toEqual({ code: null, signal: 'SIGKILL' });
  const taken = () => pushService.messages.filter((message) => devices.some((device) => device.id === message.deviceId) && message.status === 201);
  expect(taken().length).toBeGreaterThanOrEqual(1);
  expect((await deliveryLog(biz, order.id)).filter((entry) => entry.status === 'sent')).toEqual([]);

  const rescuer = await area.spawnWorker(workerEnv());
  await rescuer.waitForLine((line) => line.includes('send was interrupted') && about(line, order.id, seq), 30_000);
  const log = await waitForLog(biz, order.id, (items) => items.some((entry) => entry.seq === seq && entry.status === 'sent'));
  expect(log.filter((entry) => entry.seq === seq)).toEqual([
    expect.objectContaining({ channel: 'push', status: 'sent', seq, reason: 'interrupted_not_resent' }),
  ]);
  for (const device of devices) expect(pushService.messagesTo(device.id).length).toBeLessThanOrEqual(1);
  expect(area.smtp.messagesTo(email)).toEqual([]);
  expect(rescuer.output.filter((line) => line.includes('"push sent"') && about(line, order.id, seq))).toEqual([]);

  // The rescuer is a working worker: the next alert reaches both devices, once each.
  const before = devices.map((device) => pushService.messagesTo(device.id).length);
  const { seq: next } = await postStatus(biz, order.id, 'delivered');
  await rescuer.waitForLine((line) => line.includes('"push sent"') && about(line, order.id, next), 20_000);
  for (const [index, device] of devices.entries()) {
    const messages = pushService.messagesTo(device.id);
    expect(messages).toHaveLength(before[index]! + 1);
    expect(messages.at(-1)).toMatchObject({ status: 201, problem: null, payload: { order_id: order.id, status: 'delivered' } });
  }
  expect((await deliveryLog(biz, order.id)).filter((entry) => entry.seq === next)).toEqual([
    expect.objectContaining({ channel: 'push', status: 'sent', attempts: 1 }),
  ]);
});
