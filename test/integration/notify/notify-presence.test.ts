/**
 * Socket first (API.md "Notifications", "Live updates"): a customer watching the order on any node is reached
 * over the socket and gets no email or SMS. Two nodes share DATA_DIR and REDIS_PREFIX; the worker runs on node A
 * (PROCESS_ROLE=all) where the status is posted, the watcher sits on node B (PROCESS_ROLE=api), so the presence
 * check has to ask across the cluster. A staff socket watching the order does not count as the customer.
 */
import type { Socket } from 'socket.io-client';
import { deliveryLog } from '../../support/alerts';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { placeOrder, postStatus } from '../../support/orders';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(30_000);

// The watchers go first, then the two nodes of each test.
afterEach(() => closeAllSockets());
const area = notifyArea('presence', { twilio: true });
let a: TestNode;
let b: TestNode;
let tenant: Tenant;
let biz: Client;

beforeEach(async () => {
  a = await area.startNode({ PROCESS_ROLE: 'all' });
  b = await area.startNode({ PROCESS_ROLE: 'api' });
  tenant = await createTenant(a.url);
  biz = client(a.url, tenant.apiKey);
});

async function newOrder() {
  const id = unique('cust');
  const who = { id, name: 'Mei', email: `${id}@mail.example`, phone: '+15550007001' };
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: who, notify: { email: true, sms: true } });
  return { who, order };
}

/** Posts `shipped` on node A and resolves with the alert's outcome and the delivery log. */
async function shipOnA(orderId: string) {
  const { seq } = await postStatus(biz, orderId, 'shipped');
  const outcome = await area.alerts.outcome(orderId, seq);
  return { seq, outcome, log: await deliveryLog(biz, orderId) };
}

/** A socket on node B with `token`, subscribed to the order; resolves once the subscription is acknowledged. */
async function watchOnB(token: string, orderId: string): Promise<Socket> {
  const socket = await connectSocket(b.url, token);
  await subscribeOk(socket, orderId);
  return socket;
}

const updatesOf = (socket: Socket, orderId: string) =>
  new Promise<{ seq: number; status: string }>((resolve) =>
    socket.on('order_status_update', (update: { order_id: string; seq: number; status: string }) => {
      if (update.order_id === orderId) resolve(update);
    }),
  );

it('a customer socket watching on the other node: logged websocket sent, no email, no SMS', async () => {
  const { who, order } = await newOrder();
  const socket = await watchOnB(await tenant.token('customer', who.id), order.id);
  const pushed = updatesOf(socket, order.id);

  const { seq, outcome, log } = await shipOnA(order.id);

  expect(outcome).toEqual({ kind: 'sent', channel: 'websocket' });
  expect(await pushed).toMatchObject({ seq, status: 'shipped' });
  expect(log).toEqual([{ channel: 'websocket', status: 'sent', seq, attempts: 1, at: expect.any(String) }]);
  expect(area.smtp.messagesTo(who.email)).toEqual([]);
  expect(area.smtp.rcpts.filter((r) => r.address === who.email)).toEqual([]);
  expect(area.twilio.requests.filter((r) => r.to === who.phone)).toEqual([]);
  expect(area.alerts.processedOf(order.id).map((p) => p.seq)).toEqual([seq]);
});

it("the order's tracking-link socket counts as the customer watching", async () => {
  const { who, order } = await newOrder();
  const socket = await watchOnB(order.tracking_token, order.id);
  const pushed = updatesOf(socket, order.id);

  const { seq, outcome, log } = await shipOnA(order.id);

  expect(outcome).toEqual({ kind: 'sent', channel: 'websocket' });
  expect(await pushed).toMatchObject({ seq, status: 'shipped' });
  expect(log).toEqual([expect.objectContaining({ channel: 'websocket', status: 'sent', seq })]);
  expect(area.smtp.messagesTo(who.email)).toEqual([]);
  expect(area.twilio.requests.filter((r) => r.to === who.phone)).toEqual([]);
});

it('a staff socket watching the order does not count: the customer is emailed', async () => {
  const { who, order } = await newOrder();
  const socket = await watchOnB(await tenant.token('staff', unique('staff')), order.id);
  const pushed = updatesOf(socket, order.id);

  const { seq, outcome, log } = await shipOnA(order.id);

  expect(outcome).toEqual({ kind: 'sent', channel: 'email' });
  expect(await pushed).toMatchObject({ seq, status: 'shipped' }); // staff saw it live, but is not the customer
  expect(area.smtp.messagesTo(who.email)).toHaveLength(1);
  expect(area.twilio.requests.filter((r) => r.to === who.phone)).toEqual([]);
  expect(log).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', seq, attempts: 1 })]);
});

it("another customer's socket, or a watcher that has left, does not count", async () => {
  const { who, order } = await newOrder();
  // Another customer of the tenant, watching an order of their own on node B.
  const other = await newOrder();
  await watchOnB(await tenant.token('customer', other.who.id), other.order.id);
  // The customer watched, then closed the socket before the order shipped.
  const gone = await watchOnB(await tenant.token('customer', who.id), order.id);
  const serverSide = b.node.parts.io.of('/').sockets.get(gone.id!);
  expect(serverSide).toBeDefined();
  const left = new Promise<void>((resolve) => serverSide!.once('disconnect', () => resolve()));
  gone.close();
  await left; // node B has taken the socket out of its rooms

  const { outcome } = await shipOnA(order.id);

  expect(outcome).toEqual({ kind: 'sent', channel: 'email' });
  expect(area.smtp.messagesTo(who.email)).toHaveLength(1);
});
