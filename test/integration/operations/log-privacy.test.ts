/**
 * No personal data in the log of a real node (issue 22). A node on PostgreSQL, logging at debug, delivers webhooks to
 * a receiver whose answers quote the customer (a redirect whose Location echoes the name, an error page repeating
 * it): the tenant's delivery log keeps the answer, the server's log says only the status.
 */
import { eventually } from '../../support/eventually';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { killAllProcesses, parseJsonLine, spawnNode, type NodeProcess } from '../../support/node-process';
import { placeOrder, postStatus } from '../../support/orders';
import { dropSchema, freshSchema, postgresEnv } from '../../support/postgres';
import { dropPrefix } from '../../support/redis-keys';
import { removeDir, tempDir } from '../../support/temp-dir';
import { createTenant } from '../../support/tenant';
import { deliveries, type Receiver, registerWebhook, startReceiver } from '../../support/webhooks';

jest.setTimeout(60_000);

const NAME = 'Ada Lovelace';
const EMAIL = 'ada.lovelace@example.com';
const PHONE = '+15550000199';

let dataDir: string;
let schema: string;
let prefix: string;
let node: NodeProcess | undefined;
let receiver: Receiver | undefined;

beforeEach(() => {
  dataDir = tempDir();
  schema = freshSchema('logpriv');
  prefix = unique('logpriv');
});

afterEach(async () => {
  await node?.stop('SIGTERM');
  node = undefined;
  await killAllProcesses();
  await receiver?.close();
  receiver = undefined;
  await dropSchema(schema);
  await dropPrefix(prefix);
  removeDir(dataDir);
});

it('a webhook receiver quoting the customer: the delivery log keeps its answer, the server log only its status', async () => {
  node = await spawnNode(dataDir, {
    env: {
      ...postgresEnv(schema),
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'debug',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_BACKOFF_MS: '50',
      WEBHOOK_ATTEMPTS: '2',
    },
  });
  const biz = client(node.url, (await createTenant(node.url)).apiKey);
  receiver = await startReceiver((request) =>
    request.delivery === 1
      ? { status: 302, headers: { location: `http://127.0.0.1:1/echo?name=${NAME}&email=${EMAIL}` } }
      : { status: 500, body: `could not file the order of ${NAME} <${EMAIL}>` },
  );
  const { id } = await registerWebhook(biz, receiver.url, ['order.status_changed']);
  const order = await placeOrder(biz, { customer: { id: unique('cust'), name: NAME, email: EMAIL, phone: PHONE } });
  await postStatus(biz, order.id, 'processing');

  // Every message this webhook got (status changes of the order) fails: a redirect first, then an error page.
  await eventually(async () => {
    const lines = await deliveries(biz, id);
    return lines.length > 0 && lines.every((line) => line.status === 'failed');
  }, 'the messages to fail', 20_000);
  const lines = await deliveries(biz, id);
  await eventually(
    () => node!.output.filter((text) => parseJsonLine(text)?.msg === 'webhook message failed').length === lines.length,
    'each failure to be logged',
  );
  // The tenant's own record still holds what the receiver said (unchanged behaviour).
  const detail = (await biz.get(`/v1/webhooks/${id}/deliveries/${lines[0]!.id}`)).body;
  expect(detail.attempts_log.map((attempt: { error: string | null }) => attempt.error)).toEqual([
    expect.stringContaining(NAME),
    expect.stringMatching(/^HTTP 500/),
  ]);

  const logged = node.output.map(parseJsonLine);
  const retrying = logged.filter((entry) => entry?.msg === 'webhook attempt failed; retrying');
  const failed = logged.filter((entry) => entry?.msg === 'webhook message failed');
  expect(retrying).toHaveLength(lines.length);
  for (const entry of retrying) expect(entry).toMatchObject({ webhook_id: id, attempt: 1, status_code: 302 });
  for (const entry of failed) expect(entry).toMatchObject({ webhook_id: id, attempt: 2, status_code: 500 });
  // Nothing the node wrote, at any level, names the customer.
  expect(node.output.length).toBeGreaterThan(5);
  expect(node.output.filter((text) => /Lovelace|ada\.lovelace|5550000199/.test(text))).toEqual([]);
});

it("a device key appears in no log line: not in a query, a Basic password, a Bearer token, an unknown key's or a bad message's", async () => {
  node = await spawnNode(dataDir, { env: { REDIS_PREFIX: prefix, LOG_LEVEL: 'debug' } });
  const biz = client(node.url, (await createTenant(node.url)).apiKey);
  expect((await biz.post('/v1/couriers', { id: 'k1', name: 'Kim' })).status).toBe(201);
  const added = await Promise.all(['osmand', 'owntracks', 'overland'].map((protocol) => biz.post('/v1/couriers/k1/devices', { protocol })));
  const [osmand, owntracks, overland] = added.map((answer) => answer.body as { id: string; key: string });
  const unknown = `dev_${'u'.repeat(43)}`;
  const send = (path: string, init: RequestInit = {}) => fetch(`${node!.url}${path}`, init).then((answer) => answer.status);
  expect(await send(`/devices/osmand?id=${osmand!.key}&lat=22.3&lon=114.1`)).toBe(200);
  expect(await send(`/devices/osmand?id=${osmand!.key}&lat=north&lon=114.1`)).toBe(400);
  expect(await send(`/devices/osmand?id=${unknown}&lat=22.3&lon=114.1`)).toBe(400);
  const basic = `Basic ${Buffer.from(`k1:${owntracks!.key}`).toString('base64')}`;
  const json = { 'content-type': 'application/json' };
  expect(await send('/devices/owntracks', { method: 'POST', headers: { ...json, authorization: basic }, body: '{"_type":"location","lat":22.3,"lon":114.1,"tst":1}' })).toBe(400);
  expect(await send(`/devices/overland?key=${overland!.key}`, { method: 'POST', headers: json, body: '{"locations":[]}' })).toBe(200);
  expect(await send('/devices/overland', { method: 'POST', headers: { ...json, authorization: `Bearer ${unknown}` }, body: '{}' })).toBe(401);
  expect((await biz.delete(`/v1/couriers/k1/devices/${osmand!.id}`)).status).toBe(204);
  expect(await send(`/devices/osmand?id=${osmand!.key}&lat=22.3&lon=114.1`)).toBe(400);

  // Every request was logged (debug), by its route, and none of them with a key. The line comes over the node's
  // stdout, not with the answer: wait for all 13 (tenant, courier, 3 devices, 4 OsmAnd, OwnTracks, 2 Overland, delete).
  await eventually(() => node!.output.filter((text) => parseJsonLine(text)?.msg === 'request').length >= 13, 'the requests to be logged');
  expect(node.output.filter((text) => parseJsonLine(text)?.route === '/devices/osmand').length).toBeGreaterThanOrEqual(4);
  expect(node.output.filter((text) => /dev_/.test(text))).toEqual([]);
});
