/**
 * Who may read `/metrics` (API.md "Limits (more)"): with METRICS_TOKEN set, only a caller that sends it as a bearer
 * token (others: 401 `unauthorized`); without it, only callers on the node's own machine (others: 403 `forbidden`).
 */
import { expectError } from '../../support/expect-error';
import { request } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

describe('with METRICS_TOKEN set', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { METRICS_TOKEN } });
  });
  afterAll(() => server.close());

  it('answers the token, and 401 unauthorized without it or with another, even from the node\'s own machine', async () => {
    const answered = await request(server.url, 'GET', '/metrics', { token: METRICS_TOKEN });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatch(/^# TYPE http_requests_total /m);

    for (const token of [undefined, 'metrics-token-0123456789abcdeX', 'short', ` ${METRICS_TOKEN}x`]) {
      const refused = await request(server.url, 'GET', '/metrics', { token });
      expectError(refused, 401, 'unauthorized');
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      // A guess spends the address's anonymous budget, like any call with bad credentials.
      expect(refused.headers.get('ratelimit-limit')).toBe('100000000');
      expect(JSON.stringify(refused.body)).not.toContain('http_requests_total');
    }
    // The admin token is not the metrics token.
    expectError(await request(server.url, 'GET', '/metrics', { token: 'test-admin-token-0123456789' }), 401, 'unauthorized');
  });
});

describe('without METRICS_TOKEN', () => {
  let server: TestNode;
  beforeAll(async () => {
    // One trusted proxy hop: a caller on another machine reaches the node through a proxy on this one.
    server = await startTestNode({ env: { TRUST_PROXY: '1' } });
  });
  afterAll(() => server.close());

  it('answers callers on the node\'s own machine', async () => {
    const answered = await request(server.url, 'GET', '/metrics');
    expect(answered.status).toBe(200);
    expect(answered.body).toMatch(/^# TYPE http_requests_total /m);
    // A local proxy that forwards a local caller.
    expect((await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
  });

  it('answers 403 forbidden to a caller on another machine, even one that sends a token', async () => {
    for (const client of ['203.0.113.7', '2001:db8::7', '10.1.2.3']) {
      const refused = await request(server.url, 'GET', '/metrics', { headers: { 'x-forwarded-for': client } });
      expectError(refused, 403, 'forbidden');
    }
    const withToken = await request(server.url, 'GET', '/metrics', { token: METRICS_TOKEN, headers: { 'x-forwarded-for': '203.0.113.7' } });
    expectError(withToken, 403, 'forbidden');
  });
});
