/**
 * The client's address behind reverse proxies (TRUST_PROXY): the anonymous budget, `/metrics` and the socket
 * handshake's budget go by the address the trusted proxies report in X-Forwarded-For, read from the right; without
 * TRUST_PROXY the header is ignored, so a forged one buys no fresh budget.
 */
import { io, type Socket } from 'socket.io-client';
import { ConfigError, loadConfig } from '../../../src/config';
import { budgetKeyOf, ClientAddresses, parseTrustProxy } from '../../../src/http/client-address';
import { expectError } from '../../support/expect-error';
import { request } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';

/** A call with bad credentials, as if forwarded for `forwardedFor` (a header value as a proxy chain writes it). */
function badCall(url: string, forwardedFor?: string) {
  return request(url, 'GET', '/v1/orders', { token: 'not-a-token', headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
}

describe('reading the client address', () => {
  const hops = (count: number) => new ClientAddresses(parseTrustProxy(String(count)));
  const ranges = (list: string) => new ClientAddresses(parseTrustProxy(list));

  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    const none = new ClientAddresses(null);
    expect(none.resolve('127.0.0.1', '198.51.100.1')).toBe('127.0.0.1');
    expect(none.resolve('::ffff:127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('skips as many hops as are trusted, from the right', () => {
    expect(hops(1).resolve('127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
    // The client wrote the left entry itself: one trusted hop reads only what the proxy appended.
    expect(hops(1).resolve('127.0.0.1', '203.0.113.9, 198.51.100.1')).toBe('198.51.100.1');
    expect(hops(2).resolve('127.0.0.1', '203.0.113.9, 198.51.100.1, 10.0.0.2')).toBe('198.51.100.1');
    // Headers repeated are one list; fewer entries than hops: the leftmost.
    expect(hops(3).resolve('127.0.0.1', ['198.51.100.1', '10.0.0.2'])).toBe('198.51.100.1');
    expect(hops(1).resolve('127.0.0.1', undefined)).toBe('127.0.0.1');
  });

  it('skips trusted ranges, from the right, and stops at the first address outside them', () => {
    const trusted = ranges('127.0.0.0/8, 10.0.0.0/8, fd00::/8');
    expect(trusted.resolve('127.0.0.1', '203.0.113.9, 198.51.100.1, 10.1.1.1')).toBe('198.51.100.1');
    expect(trusted.resolve('::ffff:10.0.0.1', '[2001:db8::5]:443')).toBe('2001:db8::5');
    expect(trusted.resolve('127.0.0.1', '198.51.100.1:5555, fd00::1')).toBe('198.51.100.1');
    // A peer outside the ranges is the client, whatever it forwards.
    expect(trusted.resolve('192.0.2.1', '198.51.100.1')).toBe('192.0.2.1');
    // A trusted proxy that wrote nonsense: its peer is the client.
    expect(trusted.resolve('127.0.0.1', 'unknown')).toBe('127.0.0.1');
    expect(ranges('127.0.0.1').resolve('127.0.0.1', '198.51.100.1')).toBe('198.51.100.1');
  });

  it("keys an IPv6 client's budget by its /64 (one client picks any address in it), an IPv4 one by the address", () => {
    expect(budgetKeyOf('2001:db8:1:2::5')).toBe(budgetKeyOf('2001:db8:1:2:ffff:1:2:3'));
    expect(budgetKeyOf('2001:db8:1:2::5')).not.toBe(budgetKeyOf('2001:db8:1:3::5'));
    expect(budgetKeyOf('198.51.100.1')).toBe('198.51.100.1');
    expect(budgetKeyOf('198.51.100.1')).not.toBe(budgetKeyOf('198.51.100.2'));
  });

  it('refuses a TRUST_PROXY that is neither hops nor ranges, naming the variable', () => {
    for (const bad of ['0', 'yes', '10.0.0.0/33', '127.0.0.1, nope']) {
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(/^TRUST_PROXY: /);
    }
    expect(loadConfig({}).http.trustProxy).toBeNull();
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toEqual({ hops: 2 });
  });
});

describe('behind one trusted proxy (TRUST_PROXY=1)', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('trust-proxy'), RATE_LIMIT_ANON: '2/min', TRUST_PROXY: '1' } });
  });
  afterAll(() => server.close());

  it('gives each client the proxy forwards a budget of its own', async () => {
    expectError(await badCall(server.url, '198.51.100.1'), 401, 'unauthorized');
    expectError(await badCall(server.url, '198.51.100.1'), 401, 'unauthorized');
    expectError(await badCall(server.url, '198.51.100.1'), 429, 'rate_limited');
    // The client cannot escape by writing its own entries to the left of what the proxy appended.
    expectError(await badCall(server.url, '198.51.100.2, 198.51.100.1'), 429, 'rate_limited');
    // Another client behind the same proxy has its own budget.
    const other = await badCall(server.url, '198.51.100.2');
    expectError(other, 401, 'unauthorized');
    expect(other.headers.get('ratelimit-remaining')).toBe('1');
  });

  it('gives a whole IPv6 /64 one budget: a client cannot rotate its addresses for fresh ones', async () => {
    expectError(await badCall(server.url, '2001:db8:5:6::1'), 401, 'unauthorized');
    expectError(await badCall(server.url, '2001:db8:5:6::2'), 401, 'unauthorized');
    expectError(await badCall(server.url, '2001:db8:5:6:ab::3'), 429, 'rate_limited');
    expectError(await badCall(server.url, '2001:db8:5:7::1'), 401, 'unauthorized');
  });

  it('budgets socket handshakes by the forwarded address too', async () => {
    const handshake = (forwardedFor: string) =>
      new Promise<string>((resolve) => {
        const socket: Socket = io(server.url, {
          auth: { token: 'not-a-token' },
          transports: ['websocket'],
          extraHeaders: { 'x-forwarded-for': forwardedFor },
          forceNew: true,
          reconnection: false,
        });
        socket.once('connect', () => {
          socket.close();
          resolve('connected');
        });
        socket.once('connect_error', (error: Error) => {
          socket.close();
          resolve(error.message);
        });
      });
    expect(await handshake('198.51.100.3')).toBe('unauthorized');
    expect(await handshake('198.51.100.3')).toBe('unauthorized');
    expect(await handshake('198.51.100.3')).toBe('rate_limited');
    expect(await handshake('198.51.100.4')).toBe('unauthorized');
  });
});

describe('without TRUST_PROXY', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('no-proxy'), RATE_LIMIT_ANON: '2/min' } });
  });
  afterAll(() => server.close());

  it('ignores X-Forwarded-For: a forged one does not escape the address\'s budget', async () => {
    expectError(await badCall(server.url, '198.51.100.1'), 401, 'unauthorized');
    expectError(await badCall(server.url, '198.51.100.2'), 401, 'unauthorized');
    expectError(await badCall(server.url, '198.51.100.3'), 429, 'rate_limited');
    expectError(await badCall(server.url), 429, 'rate_limited');
  });
});
