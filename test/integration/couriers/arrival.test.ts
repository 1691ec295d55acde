/**
 * Arrival (API.md): a courier driving a recorded round toward an order's destination gives the order a live ETA
 * (`eta_update` to its watchers, kept on the order) and, the first time it comes within the tenant's arrival
 * radius, one `arriving` alert: over the socket when the order is watched, otherwise by email. Never twice: not
 * with GPS jitter across the radius, not with pings alternating between two nodes, not with two nodes getting
 * positions inside the radius at the same moment.
 */
import { deliveryLog } from '../../support/alerts';
import { courierClient, outForDelivery } from '../../support/arrival';
import { ARRIVAL_TRACK, jitterAcrossRadius, trackPositions } from '../../support/arrival-track';
import { client, type Client } from '../../support/http';
import type { TestNode } from '../../support/node';
import { notifyArea } from '../../support/notify-fixture';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, connectSocket, subscribeOk } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

const RADIUS_M = 300;
const ARRIVING_SUBJECT = /almost there/;

// Two nodes on one data directory and prefix, both running alert workers.
const area = notifyArea('arrival', { per: 'file' });
let a: TestNode;
let b: TestNode;
let tenant: Tenant;
let api: Client;

beforeAll(async () => {
  a = await area.startNode();
  b = await area.startNode();
  tenant = await createTenant(a.url);
  api = client(a.url, tenant.apiKey);
  const settings = await api.put('/v1/tenants/me/settings', { arrival_radius_m: RADIUS_M });
  expect(settings.status).toBe(200);
});

afterEach(() => closeAllSockets());

const arrivingEmails = (to: string) => area.smtp.messagesTo(to).filter((message) => ARRIVING_SUBJECT.test(message.subject));

async function arrivingLog(orderId: string) {
  return (await deliveryLog(api, orderId)).filter((entry) => (entry as { kind?: string }).kind === 'arriving');
}

it('pushes decreasing ETAs to the watcher, keeps the ETA on the order, and sends one arriving alert over the socket', async () => {
  const delivery = await outForDelivery(api);
  const watcher = await connectSocket(a.url, delivery.trackingToken);
  const log = Recorder.of(watcher);
  const subscribed = await subscribeOk(watcher, delivery.orderId);
  expect(subscribed.order).toMatchObject({ eta: null, arriving_at: null });
  const courier = await courierClient(tenant, delivery.courierId, [a.url]);

  const drivenFrom = Date.now();
  for (const position of trackPositions(drivenFrom)) await courier.report(position);

  expect(await area.alerts.arriving(delivery.orderId)).toEqual({ kind: 'sent', channel: 'websocket' });
  // The job finishes once the notice is written to the socket; the watcher reads it a moment later.
  const isNotice = (entry: { event: string; data: any }) => entry.event === 'order_arriving' && entry.data?.order_id === delivery.orderId;
  await log.until(isNotice, 'the order_arriving notice');
  const notices = log.of('order_arriving').filter((notice) => notice.order_id === delivery.orderId);
  expect(notices).toEqual([{ order_id: delivery.orderId, arriving_at: expect.any(String) }]);

  const etas = log.of('eta_update').filter((update) => update.order_id === delivery.orderId);
  expect(etas.length).toBeGreaterThanOrEqual(3);
  const times = etas.map((update) => Date.parse(update.eta));
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThan(times[i - 1]!);
  // Never before the time it was estimated at, and each push moved by a minute or more.
  expect(times.at(-1)!).toBeGreaterThanOrEqual(drivenFrom);
  for (let i = 1; i < times.length; i++) expect(times[i - 1]! - times[i]!).toBeGreaterThanOrEqual(60_000);

  await a.node.parts.couriers!.flush();
  const order = (await api.get(`/v1/orders/${delivery.orderId}`)).body;
  expect(order.eta).toBe(etas.at(-1).eta);
  expect(order.arriving_at).toBe(notices[0].arriving_at);
  // The ETA is no event: the version is still the out_for_delivery one.
  expect(order.version).toBe(subscribed.order.version);

  expect(await arrivingLog(delivery.orderId)).toEqual([expect.objectContaining({ channel: 'websocket', status: 'sent', kind: 'arriving' })]);
  expect(arrivingEmails(delivery.email)).toEqual([]);
  // Still one notice after the reads above (a second one would have had their time to arrive).
  expect(log.of('order_arriving').filter((notice) => notice.order_id === delivery.orderId)).toHaveLength(1);
});

it('emails one arriving alert to a customer nobody watches, however the fixes jitter across the radius', async () => {
  const delivery = await outForDelivery(api);
  const courier = await courierClient(tenant, delivery.courierId, [a.url]);

  for (const position of jitterAcrossRadius(RADIUS_M, 12, Date.now())) await courier.report(position);
  expect(await area.alerts.arriving(delivery.orderId)).toEqual({ kind: 'sent', channel: 'email' });
  const [email] = await area.smtp.waitForMessagesTo(delivery.email, 2);
  expect(email).toBeDefined();
  // More jitter and the way to the door claim nothing more.
  for (const position of jitterAcrossRadius(RADIUS_M, 6, Date.now())) await courier.report(position);
  await courier.report({ lat: ARRIVAL_TRACK.at(-1)!.lat, lng: ARRIVAL_TRACK.at(-1)!.lng });

  expect(await a.node.parts.store.arrival.claimArrival(delivery.orderId, new Date().toISOString())).toEqual({ claimed: false });
  expect(area.alerts.arrivingOf(delivery.orderId)).toHaveLength(1);
  expect(arrivingEmails(delivery.email)).toHaveLength(1);
  expect(await arrivingLog(delivery.orderId)).toEqual([
    expect.objectContaining({ channel: 'email', status: 'sent', kind: 'arriving' }),
  ]);
});

it('sends one arriving alert when pings alternate between two nodes and two nodes get fixes inside the radius at once', async () => {
  const delivery = await outForDelivery(api);
  const courier = await courierClient(tenant, delivery.courierId, [a.url, b.url]);
  const [toA, toB] = courier.clients as [Client, Client];
  const positions = trackPositions(Date.now());
  const outside = positions.filter((_, index) => index < positions.length - 5);
  const inside = positions.slice(positions.length - 5);

  for (const position of outside) await courier.report(position);
  // The first fixes inside the radius reach both nodes at the same moment.
  await Promise.all([courier.report(inside[0]!, toA), courier.report(inside[1]!, toB)]);
  for (const position of inside.slice(2)) await courier.report(position);
  for (const position of jitterAcrossRadius(RADIUS_M, 6, Date.now())) await courier.report(position);

  expect(await area.alerts.arriving(delivery.orderId)).toEqual({ kind: 'sent', channel: 'email' });
  expect(await b.node.parts.store.arrival.claimArrival(delivery.orderId, new Date().toISOString())).toEqual({ claimed: false });
  expect(await a.node.parts.store.outbox.pendingEffects('arriving', new Date(Date.now() + 60_000).toISOString(), 100)).toEqual([]);
  expect(area.alerts.arrivingOf(delivery.orderId)).toHaveLength(1);
  expect(arrivingEmails(delivery.email)).toHaveLength(1);
  expect(await arrivingLog(delivery.orderId)).toEqual([expect.objectContaining({ channel: 'email', status: 'sent', kind: 'arriving' })]);
});

it('sends the alert of a claim whose node died before queuing it: the outbox row the claim wrote is swept', async () => {
  const delivery = await outForDelivery(api);
  // The claim as a node makes it, without that node living on to queue the alert (no `arriving` event here).
  const claimedAt = new Date(Date.now() - 5000).toISOString();
  expect(await a.node.parts.store.arrival.claimArrival(delivery.orderId, claimedAt)).toMatchObject({ claimed: true });

  await b.node.parts.outbox.sweep('arriving');
  expect(await area.alerts.arriving(delivery.orderId)).toEqual({ kind: 'sent', channel: 'email' });
  expect(arrivingEmails(delivery.email)).toHaveLength(1);
  expect(await a.node.parts.store.outbox.pendingEffects('arriving', new Date(Date.now() + 60_000).toISOString(), 100)).toEqual([]);
  expect((await api.get(`/v1/orders/${delivery.orderId}`)).body.arriving_at).toBe(claimedAt);
});
