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

/** Resolves once `node` has fanned out the `webhook` effect of event `seq` of the order (its clear is what follows). */
function fannedOut(node: Node, orderId: string, seq: number): Promise<void> {
  const { outbox } = node.parts.store;
  const clear = outbox.clearEffect.bind(outbox);
  return new Promise((resolve) => {
    const spy = jest.spyOn(outbox, 'clearEffect').mockImplementation((kind, id, at) => {
      if (kind === 'webhook' && id === orderId && at === seq) {
        spy.mockRestore();
        resolve();
      }
      return clear(kind, id, at);
    });
  });
}

/** Posts a status on `api` and waits until `node` (the one serving `api`) has fanned out the event it applied. */
async function applied(node: Node, api: Client, orderId: string, status: string, seq: number): Promise<void> {
  const done = fannedOut(node, orderId, seq);
  expect((await postStatus(api, orderId, status)).seq).toBe(seq);
  await done;
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

it('a tenant without endpoints costs one read of them, not one per applied event', async () => {
  const { tenant, onB } = await tenantOnBoth();
  const { webhooks } = pair.b.node.parts.store;
  const reads = jest.spyOn(webhooks, 'listWebhooks');
  const order = await placeOrder(onB);
  const statuses = ['processing', 'shipped', 'in_transit', 'in_transit', 'in_transit', 'out_for_delivery'];
  for (const [index, status] of statuses.entries()) await applied(pair.b.node, onB, order.id, status, index + 2);

  expect(reads.mock.calls.filter(([tenantId]) => tenantId === tenant.id)).toHaveLength(1);
});

it('an endpoint created on one node gets the events another node applies after the answer; deleted, it gets none', async () => {
  const { onA, onB } = await tenantOnBoth();
  const order = await placeOrder(onB);
  // Node B has read (and kept) the tenant's endpoints: none.
  await applied(pair.b.node, onB, order.id, 'processing', 2);

  const { id } = await registerWebhook(onA, `${receiver.url}/hooks`, ['order.status_changed']);
  await applied(pair.b.node, onB, order.id, 'shipped', 3);
  const [message] = await receiver.waitFor(1, (request) => request.body.data.order.id === order.id);
  expect(message!.body).toMatchObject({ type: 'order.status_changed', data: { event: { seq: 3, status: 'shipped' } } });

  expect((await onA.delete(`/v1/webhooks/${id}`)).status).toBe(204);
  const stored = jest.spyOn(pair.b.node.parts.store.webhookLog, 'addWebhookMessages');
  await applied(pair.b.node, onB, order.id, 'in_transit', 4);
  // Node B made no message for the deleted endpoint (nor for any other: the tenant has none left).
  expect(stored.mock.calls.flat(2).filter((made) => made.webhook_id === id)).toEqual([]);
  expect(stored).not.toHaveBeenCalled();
  expect(receiver.received.filter((request) => request.body.data.order.id === order.id)).toHaveLength(1);
});
