/**
 * Each node keeps the tenants' webhook endpoints it fans out to (API.md "Webhooks"): a tenant without endpoints costs
 * no read of them per applied event, and a change of a tenant's endpoints made on one node is heard by every other
 * before it is answered, so what is applied anywhere after the answer goes to the endpoints as they are now. Two
 * in-process nodes sharing one store and one Redis, a real receiver.
 */
import type { Node } from '../../../src/node';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startPair, type TestPair } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropPrefix } from '../../support/redis-keys';
import { createTenant, type Tenant } from '../../support/tenant';
import { type Receiver, registerWebhook, startReceiver } from '../../support/webhooks';

jest.setTimeout(60_000);

let pair: TestPair;
let prefix: string;
let receiver: Receiver;

/** What `node` records for one order from now on: the effects each commit owed, by seq, and the webhook rows it cleared. */
interface Watch {
  owed: Map<number, readonly string[]>;
  cleared: number[];
  /** Resolves once the `webhook` row of event `seq` was cleared (its messages made and queued). */
  fannedOut(seq: number): Promise<void>;
}

function watch(node: Node, orderId: string): Watch {
  const owed = new Map<number, readonly string[]>();
  const cleared: number[] = [];
  const waiting = new Map<number, () => void>();
  const { orders, outbox } = node.parts.store;
  const commit = orders.commitEvent.bind(orders);
  const clear = outbox.clearEffect.bind(outbox);
  jest.spyOn(orders, 'commitEvent').mockImplementation((input) => {
    if (input.orderId === orderId && input.event.seq !== null) owed.set(input.event.seq, input.effects ?? []);
    return commit(input);
  });
  jest.spyOn(outbox, 'clearEffect').mockImplementation((kind, id, seq) => {
    if (kind === 'webhook' && id === orderId) {
      cleared.push(seq);
      waiting.get(seq)?.();
    }
    return clear(kind, id, seq);
  });
  return {
    owed,
    cleared,
    fannedOut: (seq) => (cleared.includes(seq) ? Promise.resolve() : new Promise((resolve) => waiting.set(seq, resolve))),
  };
}

/** Posts a status on `api` and, when its commit owed webhook messages, waits until `node` (serving `api`) made them. */
async function applied(watched: Watch, api: Client, orderId: string, status: string, seq: number): Promise<void> {
  expect((await postStatus(api, orderId, status)).seq).toBe(seq);
  if (watched.owed.get(seq)?.includes('webhook')) await watched.fannedOut(seq);
}

beforeAll(async () => {
  prefix = unique('whendpoints');
  pair = await startPair({ REDIS_PREFIX: prefix, WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_BACKOFF_MS: '50' });
  receiver = await startReceiver();
});

afterAll(async () => {
  await pair?.close();
  await receiver?.close();
  await dropPrefix(prefix);
});

afterEach(() => jest.restoreAllMocks());

async function tenantOnBoth(): Promise<{ tenant: Tenant; onA: Client; onB: Client }> {
  const tenant = await createTenant(pair.a.url, unique('shop'));
  return { tenant, onA: client(pair.a.url, tenant.apiKey), onB: client(pair.b.url, tenant.apiKey) };
}

it('a tenant without endpoints costs one read of them and no webhook outbox row, not one per applied event', async () => {
  const { tenant, onB } = await tenantOnBoth();
  const { webhooks, outbox } = pair.b.node.parts.store;
  const reads = jest.spyOn(webhooks, 'listWebhooks');
  const owes = jest.spyOn(outbox, 'oweEffect');
  const created = jest.spyOn(pair.b.node.parts.store.orders, 'createOrder');
  const order = await placeOrder(onB);
  const watched = watch(pair.b.node, order.id);
  const statuses = ['processing', 'shipped', 'in_transit', 'in_transit', 'in_transit', 'out_for_delivery'];
  for (const [index, status] of statuses.entries()) await applied(watched, onB, order.id, status, index + 2);

  expect(reads.mock.calls.filter(([tenantId]) => tenantId === tenant.id)).toHaveLength(1);
  // Placement and every event recorded their other effects (the alerts of shipped and out_for_delivery), no webhook.
  expect(created.mock.calls.map(([input]) => input.effects)).toEqual([[]]);
  expect([...watched.owed]).toEqual([
    [2, []],
    [3, ['alert']],
    [4, []],
    [5, []],
    [6, []],
    [7, ['alert']],
  ]);
  expect(owes.mock.calls.filter(([effect]) => effect.kind.startsWith('webhook'))).toEqual([]);
  expect(watched.cleared).toEqual([]);
});

it('an endpoint created on one node gets the events another node applies after the answer; deleted, it gets none', async () => {
  const { onA, onB } = await tenantOnBoth();
  const order = await placeOrder(onB);
  const watched = watch(pair.b.node, order.id);
  // Node B has read (and kept) the tenant's endpoints: none, so the event owes no webhook messages.
  await applied(watched, onB, order.id, 'processing', 2);
  expect(watched.owed.get(2)).toEqual([]);

  const { id } = await registerWebhook(onA, `${receiver.url}/hooks`, ['order.status_changed']);
  await applied(watched, onB, order.id, 'shipped', 3);
  expect(watched.owed.get(3)).toEqual(['alert', 'webhook']);
  const [message] = await receiver.waitFor(1, (request) => request.body.data.order.id === order.id);
  expect(message!.body).toMatchObject({ type: 'order.status_changed', data: { event: { seq: 3, status: 'shipped' } } });

  expect((await onA.delete(`/v1/webhooks/${id}`)).status).toBe(204);
  const stored = jest.spyOn(pair.b.node.parts.store.webhookLog, 'addWebhookMessages');
  await applied(watched, onB, order.id, 'in_transit', 4);
  // Node B owed no message for the deleted endpoint (nor for any other: the tenant has none left).
  expect(watched.owed.get(4)).toEqual([]);
  expect(stored).not.toHaveBeenCalled();
  expect(receiver.received.filter((request) => request.body.data.order.id === order.id)).toHaveLength(1);
});

it('an endpoint taking none of a change\'s types is owed no row for it; one that does is, from the placement on', async () => {
  const { onA, onB } = await tenantOnBoth();
  const payments = await registerWebhook(onA, `${receiver.url}/hooks`, ['payment.updated']);
  const first = await placeOrder(onB);
  const watched = watch(pair.b.node, first.id);
  await applied(watched, onB, first.id, 'processing', 2);
  expect(watched.owed.get(2)).toEqual([]);

  expect((await onA.patch(`/v1/webhooks/${payments.id}`, { events: ['payment.updated', 'order.created'] })).status).toBe(200);
  const created = jest.spyOn(pair.b.node.parts.store.orders, 'createOrder');
  const second = await placeOrder(onB);
  expect(created.mock.calls.map(([input]) => input.effects)).toEqual([['webhook']]);
  const [message] = await receiver.waitFor(1, (request) => request.body.data.order.id === second.id);
  expect(message!.body).toMatchObject({ type: 'order.created', data: { order: { id: second.id } } });
});
