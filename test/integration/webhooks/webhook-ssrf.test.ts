/**
 * Webhooks may not reach the server's own network (API.md "Webhooks": a URL that names or resolves to a loopback,
 * private or link-local address is a 400, and is checked again at send time), here without WEBHOOK_ALLOW_PRIVATE.
 * Host names resolve through an injected resolver (no DNS traffic), except `localhost`, which is the system's.
 */
import dns from 'node:dns';
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { dropPrefix } from '../../support/redis-keys';
import { createTenant } from '../../support/tenant';
import { deliveries, type Receiver, startReceiver } from '../../support/webhooks';

jest.setTimeout(30_000);

/** Names the injected resolver knows; `rebind` answers nothing until the test flips it to loopback. */
let rebound = false;
const NAMES: Record<string, () => Array<{ address: string; family: number }>> = {
  'internal.example.test': () => [{ address: '10.1.2.3', family: 4 }],
  'metadata.example.test': () => [{ address: '169.254.169.254', family: 4 }],
  'mapped.example.test': () => [{ address: '::ffff:127.0.0.1', family: 6 }],
  'rebind.example.test': () => (rebound ? [{ address: '127.0.0.1', family: 4 }] : []),
};

async function resolve(hostname: string): Promise<Array<{ address: string; family: number }>> {
  if (hostname === 'localhost') return dns.promises.lookup(hostname, { all: true });
  const answer = NAMES[hostname]?.() ?? [];
  if (answer.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return answer;
}

let node: TestNode;
let prefix: string;
let receiver: Receiver;

beforeAll(async () => {
  prefix = unique('ssrf');
  receiver = await startReceiver();
  node = await startTestNode({ env: { REDIS_PREFIX: prefix, WEBHOOK_BACKOFF_MS: '50' }, resolve });
});

afterAll(async () => {
  await node?.close();
  await receiver?.close();
  await dropPrefix(prefix);
});

it.each([
  'http://127.0.0.1/hooks',
  'http://127.1.2.3:8080/',
  'http://10.0.0.1/',
  'http://172.16.5.4/',
  'http://192.168.1.10/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::1]/',
  'http://[::ffff:10.0.0.1]/',
  'http://[fd00::1]/',
  'http://[fe80::1]/',
  'http://0.0.0.0/',
  'http://2130706433/',
  'http://localhost:3000/',
  'http://internal.example.test/',
  'http://metadata.example.test/',
  'http://mapped.example.test/',
  'ftp://example.com/',
  'not a url',
])('refuses %s at registration with 400 naming url', async (url) => {
  const api = client(node.url, (await createTenant(node.url, unique('t'))).apiKey);
  const error = expectError(await api.post('/v1/webhooks', { url, events: ['order.created'] }), 400, 'validation_failed');
  expect(error.details).toEqual([expect.objectContaining({ path: 'url' })]);
  expect((await api.get('/v1/webhooks')).body.items).toEqual([]);
});

it('refuses a change of URL to a private address', async () => {
  const api = client(node.url, (await createTenant(node.url, unique('t'))).apiKey);
  const created = await api.post('/v1/webhooks', { url: 'https://hooks.example.test/in', events: ['order.created'] });
  expect(created.status).toBe(201);
  const error = expectError(await api.patch(`/v1/webhooks/${created.body.id}`, { url: 'http://10.0.0.1/' }), 400, 'validation_failed');
  expect(error.details).toEqual([expect.objectContaining({ path: 'url' })]);
  expect((await api.get(`/v1/webhooks/${created.body.id}`)).body.url).toBe('https://hooks.example.test/in');
});

it('checks again at send time: a name that resolves to loopback by then is refused, and nothing reaches it', async () => {
  const api = client(node.url, (await createTenant(node.url, unique('t'))).apiKey);
  const port = new URL(receiver.url).port;
  // At registration the name resolves to nothing (accepted: it is checked on every send).
  const created = await api.post('/v1/webhooks', { url: `http://rebind.example.test:${port}/hooks`, events: ['webhook.test'] });
  expect(created.status).toBe(201);
  rebound = true;
  const test = await api.post(`/v1/webhooks/${created.body.id}/test`);
  expect(test.status).toBe(202);
  await eventually(async () => (await deliveries(api, created.body.id))[0]?.status === 'failed', 'the message to fail');
  const [line] = await deliveries(api, created.body.id);
  // Refused for good at once: a destination that is refused is not tried again.
  expect(line).toMatchObject({ attempts: 1, last_status_code: null, next_attempt_at: null });
  expect(line!.last_error).toContain('destination refused: rebind.example.test resolves to loopback address 127.0.0.1');
  expect(receiver.received).toEqual([]);
});
