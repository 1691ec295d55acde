/**
 * Outbound webhooks end to end (API.md "Webhooks"): a real node (SQLite, real Redis, its own webhook workers)
 * posting to real HTTP receivers on 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE=true), every message checked with the
 * `standardwebhooks` package's own verifier. Retries run with a 50 ms backoff and a 600 ms attempt timeout.
 */
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import { dropPrefix } from '../../support/redis-keys';
import { type SmtpServerHandle, startSmtp } from '../../support/smtp';
import { createTenant, type Tenant } from '../../support/tenant';
import { deliveries, type ReceivedWebhook, type Receiver, registerWebhook, startReceiver, verifies } from '../../support/webhooks';

jest.setTimeout(60_000);

let node: TestNode;
let smtp: SmtpServerHandle;
let prefix: string;
const receivers: Receiver[] = [];

/** A receiver closed after the test. */
async function receiver(respond?: Parameters<typeof startReceiver>[0]): Promise<Receiver> {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

async function tenant(): Promise<{ tenant: Tenant; api: Client }> {
  const created = await createTenant(node.url, unique('shop'));
  return { tenant: created, api: client(node.url, created.apiKey) };
}

beforeAll(async () => {
  // Every email to a `refused` address is refused for good (550): its alert reaches nobody.
  smtp = await startSmtp({ failWith: (rcpt) => (rcpt.startsWith('refused') ? { code: 550, message: 'no such mailbox' } : null) });
  prefix = unique('webhooks');
  node = await startTestNode({
    env: {
      REDIS_PREFIX: prefix,
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_ATTEMPTS: '5',
      WEBHOOK_TIMEOUT_MS: '600',
      SMTP_URL: smtp.url,
      NOTIFY_BACKOFF_MS: '50',
    },
  });
});

afterEach(async () => {
  while (receivers.length) await receivers.pop()!.close();
});

afterAll(async () => {
  await node?.close();
  await smtp?.close();
  await dropPrefix(prefix);
});

const ofType = (type: string) => (request: ReceivedWebhook) => request.body.type === type;

describe('messages', () => {
  it('sends every type, each verified by standardwebhooks; a second endpoint gets only the types it asked for', async () => {
    const { api } = await tenant();
    const all = await receiver();
    const onlyAssigned = await receiver();
    const everything = await registerWebhook(api, `${all.url}/hooks`, ['order.created', 'order.status_changed', 'order.assigned', 'notification.failed']);
    await registerWebhook(api, onlyAssigned.url, ['order.assigned']);
    const email = `refused-${unique('c')}@mail.example`;
    const order = await placeOrder(api, { external_id: unique('ref'), customer: { id: unique('c'), name: 'Mo', email }, notify: { email: true, sms: false } });

    const [created] = await all.waitFor(1, ofType('order.created'));
    expect(created!.body).toEqual({
      type: 'order.created',
      timestamp: order.created_at,
      data: { order: expect.objectContaining({ id: order.id, status: 'placed', version: 1, external_id: order.external_id }), event: expect.objectContaining({ seq: 1, status: 'placed', applied: true }) },
    });
    await all.waitFor(1, (request) => request.body.type === 'order.status_changed' && request.body.data.event.seq === 1);

    const { seq: shipped } = await postStatus(api, order.id, 'shipped');
    const [changed] = await all.waitFor(1, (request) => request.body.type === 'order.status_changed' && request.body.data.event.seq === shipped);
    expect(changed!.body.data.event).toMatchObject({ seq: shipped, status: 'shipped', order_id: order.id });
    expect(changed!.body.data.order).toMatchObject({ id: order.id, status: 'shipped', version: shipped });

    expect((await api.post(`/v1/orders/${order.id}/assign`, { courier_id: 'k-9' })).status).toBe(200);
    const [assigned] = await all.waitFor(1, ofType('order.assigned'));
    expect(assigned!.body.data.order).toMatchObject({ id: order.id, courier_id: 'k-9' });
    expect(assigned!.body.data.event).toBeUndefined();

    // The shipped alert's only channel refuses the address for good: no channel reached the customer.
    const [failed] = await all.waitFor(1, ofType('notification.failed'), 20_000);
    expect(failed!.body.data.event).toMatchObject({ seq: shipped, status: 'shipped' });

    const test = await api.post(`/v1/webhooks/${everything.id}/test`);
    expect(test.status).toBe(202);
    expect(test.body).toMatchObject({ type: 'webhook.test', status: 'pending', order_id: null, seq: null });
    const [probe] = await all.waitFor(1, ofType('webhook.test'));
    expect(probe!.id).toBe(test.body.id);
    expect(probe!.body.data.webhook).toEqual({ id: everything.id, url: `${all.url}/hooks` });

    for (const request of all.received) {
      expect(verifies(request, everything.secret)).toBe(true);
      expect(request.path).toBe('/hooks');
      expect(request.id).toMatch(/^msg_/);
      expect(Math.abs(Number(request.timestamp) - Date.now() / 1000)).toBeLessThan(60);
      // The secret itself never travels.
      expect(JSON.stringify(request.headers) + request.raw).not.toContain(everything.secret.slice(6));
    }
    expect(new Set(all.received.map((request) => request.id)).size).toBe(all.received.length);

    const [onlyOne] = await onlyAssigned.waitFor(1);
    expect(onlyOne!.body.type).toBe('order.assigned');
    expect(onlyAssigned.received.map((request) => request.body.type)).toEqual(['order.assigned']);

    const log = await deliveries(api, everything.id);
    await eventually(async () => (await deliveries(api, everything.id)).every((line) => line.status === 'succeeded'), 'every message succeeded');
    expect(log.map((line) => line.type).sort()).toEqual(
      ['notification.failed', 'order.assigned', 'order.created', 'order.status_changed', 'order.status_changed', 'webhook.test'].sort(),
    );
    const ofOrder = await deliveries(api, everything.id, `order_id=${order.id}`);
    expect(ofOrder.map((line) => line.id).sort()).toEqual(log.filter((line) => line.order_id === order.id).map((line) => line.id).sort());
  });

  it('a receiver answering 500 three times then 200 gets the same webhook-id four times; the log shows four attempts', async () => {
    const { api } = await tenant();
    const flaky = await receiver((request) => (request.delivery <= 3 ? { status: 500, body: 'database is down' } : { status: 200, body: 'thanks' }));
    const { id, secret } = await registerWebhook(api, flaky.url, ['order.created']);
    const order = await placeOrder(api);
    const requests = await flaky.waitFor(4);
    expect(new Set(requests.map((request) => request.id)).size).toBe(1);
    expect(requests.map((request) => request.delivery)).toEqual([1, 2, 3, 4]);
    expect(requests.every((request) => verifies(request, secret) && request.raw === requests[0]!.raw)).toBe(true);

    await eventually(async () => (await deliveries(api, id))[0]?.status === 'succeeded', 'the message to succeed');
    const [line] = await deliveries(api, id);
    expect(line).toMatchObject({ id: requests[0]!.id, type: 'order.created', order_id: order.id, seq: 1, status: 'succeeded', attempts: 4, last_status_code: 200, last_error: null, last_response: 'thanks', next_attempt_at: null });
    const detail = await api.get(`/v1/webhooks/${id}/deliveries/${line!.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.payload).toEqual(requests[0]!.body);
    expect(detail.body.attempts_log.map((attempt: any) => [attempt.attempt, attempt.status_code, attempt.error, attempt.response])).toEqual([
      [1, 500, 'HTTP 500', 'database is down'],
      [2, 500, 'HTTP 500', 'database is down'],
      [3, 500, 'HTTP 500', 'database is down'],
      [4, 200, null, 'thanks'],
    ]);
  });

  it('gives up after WEBHOOK_ATTEMPTS attempts: the message is failed, and a replay sends it again with the same id', async () => {
    const { api } = await tenant();
    const down = await receiver(() => ({ status: 503 }));
    const { id } = await registerWebhook(api, down.url, ['order.created']);
    await placeOrder(api);
    const requests = await down.waitFor(5);
    await eventually(async () => (await deliveries(api, id))[0]?.status === 'failed', 'the message to fail');
    const [line] = await deliveries(api, id);
    expect(line).toMatchObject({ status: 'failed', attempts: 5, last_status_code: 503, next_attempt_at: null });
    expect(line!.last_error).toContain('gave up after 5 attempts');

    down.answer(() => ({ status: 202 }));
    const replay = await api.post(`/v1/webhooks/${id}/deliveries/${line!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ id: line!.id, status: 'pending' });
    const [again] = await down.waitFor(1, (request) => request.delivery === 6);
    expect(again!.id).toBe(requests[0]!.id);
    expect(again!.raw).toBe(requests[0]!.raw);
    await eventually(async () => (await deliveries(api, id))[0]?.status === 'succeeded', 'the replay to succeed');
    expect((await deliveries(api, id))[0]).toMatchObject({ attempts: 6, last_status_code: 202 });
    expect(down.received).toHaveLength(6);
  });

  it('410 Gone disables the endpoint at once; nothing more is sent to it', async () => {
    const { api } = await tenant();
    const gone = await receiver(() => ({ status: 410 }));
    const { id } = await registerWebhook(api, gone.url, ['order.status_changed']);
    const order = await placeOrder(api);
    await gone.waitFor(1);
    await eventually(async () => (await api.get(`/v1/webhooks/${id}`)).body.enabled === false, 'the endpoint to be disabled');
    const endpoint = (await api.get(`/v1/webhooks/${id}`)).body;
    expect(endpoint.disabled_reason).toContain('410');
    expect(await deliveries(api, id)).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, last_status_code: 410, next_attempt_at: null })]);
    // A disabled endpoint is owed nothing by later changes, and takes no test or replay.
    await postStatus(api, order.id, 'processing');
    expectError(await api.post(`/v1/webhooks/${id}/test`), 409, 'webhook_disabled');
    const [failed] = await deliveries(api, id);
    expectError(await api.post(`/v1/webhooks/${id}/deliveries/${failed!.id}/replay`), 409, 'webhook_disabled');
    expect(await deliveries(api, id)).toHaveLength(1);
    expect(gone.received).toHaveLength(1);

    // Enabled again, it is sent to again (and `disabled_reason` is cleared).
    gone.answer(() => ({ status: 200 }));
    const enabled = await api.patch(`/v1/webhooks/${id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabled_reason: null });
    await postStatus(api, order.id, 'shipped');
    await gone.waitFor(1, (request) => request.body.data.event?.status === 'shipped');
  });

  it('a receiver that never answers is timed out and the message is tried again', async () => {
    const { api } = await tenant();
    const slow = await receiver((request) => (request.delivery === 1 ? 'hang' : { status: 200 }));
    const { id } = await registerWebhook(api, slow.url, ['order.created']);
    await placeOrder(api);
    const [first, second] = await slow.waitFor(2);
    expect(second!.id).toBe(first!.id);
    await eventually(async () => (await deliveries(api, id))[0]?.status === 'succeeded', 'the retry to succeed');
    const [line] = await deliveries(api, id);
    const detail = (await api.get(`/v1/webhooks/${id}/deliveries/${line!.id}`)).body;
    expect(detail.attempts_log[0]).toMatchObject({ attempt: 1, status_code: null, error: expect.stringContaining('timeout') });
    expect(detail.attempts_log[0].duration_ms).toBeGreaterThanOrEqual(550);
    expect(detail.attempts_log[1]).toMatchObject({ attempt: 2, status_code: 200, error: null });
  });

  it('never follows a redirect (so never to a private address): a 3xx is a failed attempt', async () => {
    const { api } = await tenant();
    const target = await receiver();
    const redirecting = await receiver(() => ({ status: 307, headers: { location: `${target.url}/internal` } }));
    const { id } = await registerWebhook(api, redirecting.url, ['order.created']);
    await placeOrder(api);
    await redirecting.waitFor(2);
    const [line] = await deliveries(api, id);
    expect(line!.last_status_code).toBe(307);
    expect(line!.last_error).toContain('redirects are not followed');
    expect(target.received).toEqual([]);
  });

  it('replay sends a delivered message again now, with the same webhook-id and body', async () => {
    const { api } = await tenant();
    const sink = await receiver();
    const { id, secret } = await registerWebhook(api, sink.url, ['order.created']);
    await placeOrder(api);
    const [first] = await sink.waitFor(1);
    await eventually(async () => (await deliveries(api, id))[0]?.status === 'succeeded', 'the first delivery');
    const replay = await api.post(`/v1/webhooks/${id}/deliveries/${first!.id}/replay`);
    expect(replay.status).toBe(202);
    const [, again] = await sink.waitFor(2);
    expect(again!.id).toBe(first!.id);
    expect(again!.raw).toBe(first!.raw);
    expect(verifies(again!, secret)).toBe(true);
    await eventually(async () => (await deliveries(api, id))[0]?.attempts === 2, 'the replay in the log');
    expectError(await api.post(`/v1/webhooks/${id}/deliveries/msg_unknown/replay`), 404, 'not_found');
  });

  it('rotation: during the overlap every message verifies with the old and with the new secret; a second rotation ends it', async () => {
    const { api } = await tenant();
    const sink = await receiver();
    const { id, secret: first } = await registerWebhook(api, sink.url, ['webhook.test']);
    const rotated = await api.post(`/v1/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const second = rotated.body.secret as string;
    expect(second).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(second).not.toBe(first);
    const overlap = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(overlap).toBeGreaterThan(23.9 * 3600_000);
    expect(overlap).toBeLessThanOrEqual(24 * 3600_000);
    expect((await api.get(`/v1/webhooks/${id}`)).body).toMatchObject({ previous_secret_expires_at: rotated.body.previous_secret_expires_at });
    expect(JSON.stringify((await api.get('/v1/webhooks')).body)).not.toContain('whsec_');

    await api.post(`/v1/webhooks/${id}/test`);
    const [during] = await sink.waitFor(1);
    expect(during!.signature.split(' ')).toHaveLength(2);
    expect(verifies(during!, first)).toBe(true);
    expect(verifies(during!, second)).toBe(true);
    expect(verifies(during!, 'whsec_' + Buffer.from('someone else').toString('base64'))).toBe(false);

    const third = (await api.post(`/v1/webhooks/${id}/rotate-secret`)).body.secret as string;
    await api.post(`/v1/webhooks/${id}/test`);
    const [, after] = await sink.waitFor(2);
    expect(verifies(after!, third)).toBe(true);
    expect(verifies(after!, second)).toBe(true);
    expect(verifies(after!, first)).toBe(false);
  });
});

describe('isolation', () => {
  it("a dead endpoint holds at most 4 attempts at once; another tenant's messages go out meanwhile", async () => {
    const { api: stuck } = await tenant();
    const { api: healthy } = await tenant();
    const dead = await receiver(() => 'hang');
    const alive = await receiver();
    const deadEndpoint = await registerWebhook(stuck, dead.url, ['webhook.test']);
    const aliveEndpoint = await registerWebhook(healthy, alive.url, ['webhook.test']);
    for (let index = 0; index < 12; index++) expect((await stuck.post(`/v1/webhooks/${deadEndpoint.id}/test`)).status).toBe(202);
    await dead.waitFor(4);
    await healthy.post(`/v1/webhooks/${aliveEndpoint.id}/test`);
    await alive.waitFor(1);
    // Not behind the dead endpoint's attempts: it arrived before the dead endpoint's 12 messages had all been tried
    // (they go 4 at a time, each wave held for WEBHOOK_TIMEOUT_MS; a message queued behind them would come after the
    // third wave). How many waves passed first depends on the machine's load, not on the isolation.
    expect(dead.received.length).toBeLessThan(12);
    await dead.waitFor(16);
    expect(dead.maxOpen).toBeLessThanOrEqual(4);
  });
});

describe('endpoints', () => {
  it('registers, lists, reads, changes and deletes an endpoint; the secret is shown only at creation', async () => {
    const { api } = await tenant();
    const created = await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/hooks', events: ['order.created', 'order.created'], description: 'ERP' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^wh_/), url: 'http://127.0.0.1:9/hooks', events: ['order.created'], description: 'ERP', enabled: true,
      disabled_reason: null, previous_secret_expires_at: null, secret: expect.stringMatching(/^whsec_/), created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const { secret, ...view } = created.body;
    expect((await api.get(`/v1/webhooks/${view.id}`)).body).toEqual(view);
    expect((await api.get('/v1/webhooks')).body).toEqual({ items: [view] });
    const changed = await api.patch(`/v1/webhooks/${view.id}`, { events: ['order.assigned'], enabled: false, description: null });
    expect(changed.body).toMatchObject({ events: ['order.assigned'], enabled: false, description: null });
    expect(JSON.stringify(changed.body)).not.toContain(secret);
    expectError(await api.patch(`/v1/webhooks/${view.id}`, {}), 400, 'validation_failed');
    expectError(await api.patch(`/v1/webhooks/${view.id}`, { url: 'ftp://example.com/' }), 400, 'validation_failed');
    expectError(await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/', events: ['order.deleted'] }), 400, 'validation_failed');
    expectError(await api.post('/v1/webhooks', { url: 'http://127.0.0.1:9/', events: [] }), 400, 'validation_failed');
    expect((await api.delete(`/v1/webhooks/${view.id}`)).status).toBe(204);
    expectError(await api.get(`/v1/webhooks/${view.id}`), 404, 'not_found');
    expectError(await api.delete(`/v1/webhooks/${view.id}`), 404, 'not_found');
  });

  it("keeps tenants apart: another tenant's endpoints and deliveries are not found; only the business manages them", async () => {
    const { tenant: owner, api } = await tenant();
    const { api: other } = await tenant();
    const sink = await receiver();
    const { id } = await registerWebhook(api, sink.url, ['order.created']);
    await placeOrder(api);
    const [message] = await sink.waitFor(1);
    const paths = [
      ['GET', `/v1/webhooks/${id}`],
      ['PATCH', `/v1/webhooks/${id}`],
      ['DELETE', `/v1/webhooks/${id}`],
      ['POST', `/v1/webhooks/${id}/rotate-secret`],
      ['POST', `/v1/webhooks/${id}/test`],
      ['GET', `/v1/webhooks/${id}/deliveries`],
      ['GET', `/v1/webhooks/${id}/deliveries/${message!.id}`],
      ['POST', `/v1/webhooks/${id}/deliveries/${message!.id}/replay`],
    ] as const;
    const call = (as: Client, method: string, path: string) =>
      method === 'GET' ? as.get(path) : method === 'DELETE' ? as.delete(path) : method === 'PATCH' ? as.patch(path, { enabled: false }) : as.post(path);
    for (const [method, path] of paths) expectError(await call(other, method, path), 404, 'not_found');
    expect((await other.get('/v1/webhooks')).body).toEqual({ items: [] });
    const placed = await placeOrder(api, { customer: { id: 'c1' } });
    for (const role of ['staff', 'courier', 'customer'] as const) {
      const as = client(node.url, await owner.token(role, 'c1'));
      for (const [method, path] of [...paths, ['GET', '/v1/webhooks'], ['POST', '/v1/webhooks']] as const) {
        expectError(await call(as, method, path), 403, 'forbidden');
      }
      expect(placed.id).toBeDefined();
    }
    // Nothing the others tried changed it.
    expect((await api.get(`/v1/webhooks/${id}`)).body.enabled).toBe(true);
    expect(sink.received.filter((request) => request.body.type === 'webhook.test')).toEqual([]);
  });

  it('the OpenAPI document describes every webhook route, for the business only', async () => {
    const document = (await client(node.url).get('/openapi.json')).body;
    const routes = [
      ['/v1/webhooks', 'post'], ['/v1/webhooks', 'get'], ['/v1/webhooks/{id}', 'get'], ['/v1/webhooks/{id}', 'patch'],
      ['/v1/webhooks/{id}', 'delete'], ['/v1/webhooks/{id}/rotate-secret', 'post'], ['/v1/webhooks/{id}/test', 'post'],
      ['/v1/webhooks/{id}/deliveries', 'get'], ['/v1/webhooks/{id}/deliveries/{message_id}', 'get'],
      ['/v1/webhooks/{id}/deliveries/{message_id}/replay', 'post'],
    ] as const;
    for (const [path, method] of routes) expect(document.paths[path]?.[method]?.['x-roles']).toEqual(['business']);
    const query = document.paths['/v1/webhooks/{id}/deliveries'].get.parameters.map((parameter: { name: string }) => parameter.name);
    expect(query).toEqual(expect.arrayContaining(['id', 'status', 'order_id', 'cursor', 'limit']));
    expect(Object.keys(document.paths['/v1/webhooks'].post.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '409']));
  });

  it('pages the delivery log newest first and filters it by status and order', async () => {
    const { api } = await tenant();
    const sink = await receiver((request) => (request.body.data.order?.external_id === 'bad' ? { status: 400 } : { status: 200 }));
    const { id } = await registerWebhook(api, sink.url, ['order.created']);
    const orders = [];
    for (let index = 0; index < 5; index++) orders.push(await placeOrder(api, { external_id: index === 2 ? 'bad' : unique('ok') }));
    await sink.waitFor(5);
    await eventually(async () => (await deliveries(api, id, 'status=succeeded')).length === 4, 'four succeeded');
    const page = await api.get(`/v1/webhooks/${id}/deliveries?limit=2`);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const all = await deliveries(api, id);
    expect(all.map((line) => line.order_id)).toEqual(orders.map((order) => order.id).reverse());
    expect((await deliveries(api, id, `order_id=${orders[1]!.id}`)).map((line) => line.order_id)).toEqual([orders[1]!.id]);
    expect((await deliveries(api, id, 'status=pending')).map((line) => line.order_id)).toEqual([orders[2]!.id]);
    expectError(await api.get(`/v1/webhooks/${id}/deliveries?status=lost`), 400, 'validation_failed');
    expectError(await api.get(`/v1/webhooks/${id}/deliveries?cursor=nonsense`), 400, 'validation_failed');
  });
});
