/**
 * Socket.IO handshake (API.md "Live updates", "Identities and tokens"): every tenant token kind connects;
 * the admin token and bad, expired, forged or missing tokens fail with connect_error "unauthorized".
 */
import { io } from 'socket.io-client';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import { craftJwt } from '../../support/jwt';
import { startTestNode, type TestNode } from '../../support/node';
import { ADMIN_TOKEN, JWT_SECRET } from '../../support/node-settings';
import { placeOrder } from '../../support/orders';
import { closeAllSockets, connectSocket, handshake } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let node: TestNode;
let tenant: Tenant;
let orderId: string;
let trackingToken: string;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  node = await startTestNode({ env: { REDIS_PREFIX: unique('handshake') } });
  tenant = await createTenant(node.url);
  const placed = await placeOrder(client(node.url, tenant.apiKey), { customer: { id: 'c1' } });
  orderId = placed.id;
  trackingToken = placed.tracking_token;
  tokens.business = tenant.apiKey;
  tokens.staff = await tenant.token('staff', 's1');
  tokens.courier = await tenant.token('courier', 'k1');
  tokens.customer = await tenant.token('customer', 'c1');
  tokens.tracker = trackingToken;
});

afterEach(() => closeAllSockets());

afterAll(async () => {
  closeAllSockets();
  await node?.close();
});

const now = () => Math.floor(Date.now() / 1000);

describe('socket handshake', () => {
  it.each(['business', 'staff', 'courier', 'customer', 'tracker'])('accepts a %s token', async (kind) => {
    const socket = await connectSocket(node.url, tokens[kind]);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('a tracking-token socket can use its connection (subscribe answers)', async () => {
    const socket = await connectSocket(node.url, trackingToken);
    const ack = await socket.timeout(10_000).emitWithAck('subscribe', { order_id: orderId });
    expect(ack).toMatchObject({ ok: true, order: { id: orderId, version: 1 }, missed: [] });
    socket.close();
  });

  const rejected: Array<[string, () => string | undefined]> = [
    ['the admin token', () => ADMIN_TOKEN],
    ['no token', () => undefined],
    ['an empty token', () => ''],
    ['garbage', () => 'not-a-token'],
    ['an unknown API key', () => 'ak_0000000000000000000000000000000000000000000'],
    ['a truncated API key', () => tenant.apiKey.slice(0, -2)],
    [
      'an expired customer JWT',
      () => craftJwt({ tid: tenant.id, role: 'customer', sub: 'c1', iat: now() - 7200, exp: now() - 3600 }, JWT_SECRET),
    ],
    [
      'an expired tracking JWT',
      () => craftJwt({ tid: tenant.id, role: 'tracker', oid: orderId, iat: now() - 7200, exp: now() - 60 }, JWT_SECRET),
    ],
    [
      'a staff JWT signed with another secret',
      () => craftJwt({ tid: tenant.id, role: 'staff', sub: 's1', iat: now(), exp: now() + 3600 }, 'another-secret-0123456789-0123456789-abcdef'),
    ],
    [
      'a tracking JWT signed with another secret',
      () => craftJwt({ tid: tenant.id, role: 'tracker', oid: orderId, iat: now(), exp: now() + 3600 }, 'x'.repeat(40)),
    ],
    [
      'a JWT from another issuer',
      () => craftJwt({ tid: tenant.id, role: 'staff', sub: 's1', iat: now(), exp: now() + 3600 }, JWT_SECRET, 'someone-else'),
    ],
    [
      'a JWT claiming the admin role',
      () => craftJwt({ tid: tenant.id, role: 'admin', sub: 'root', iat: now(), exp: now() + 3600 }, JWT_SECRET),
    ],
    ['a JWT without tenant', () => craftJwt({ role: 'staff', sub: 's1', iat: now(), exp: now() + 3600 } as never, JWT_SECRET)],
    ['a tracker JWT without order', () => craftJwt({ tid: tenant.id, role: 'tracker', iat: now(), exp: now() + 3600 }, JWT_SECRET)],
    [
      'a JWT with a tampered payload',
      () => {
        const [header, , signature] = tokens.customer!.split('.');
        const payload = Buffer.from(JSON.stringify({ tid: tenant.id, role: 'staff', sub: 'c1', iss: 'order-tracking', exp: now() + 3600 })).toString('base64url');
        return `${header}.${payload}.${signature}`;
      },
    ],
  ];

  it.each(rejected)('refuses %s with connect_error "unauthorized"', async (_what, token) => {
    expect(await handshake(node.url, token())).toBe('unauthorized');
  });

  it('refuses a token that is not a string', async () => {
    const socket = io(node.url, { auth: { token: 12345 }, transports: ['websocket'], forceNew: true, reconnection: false });
    try {
      const message = await new Promise<string>((resolve) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (error) => resolve(error.message));
      });
      expect(message).toBe('unauthorized');
    } finally {
      socket.close();
    }
  });

  it('a short-lived token that has expired is refused while a fresh one of the same subject connects', async () => {
    const expired = craftJwt({ tid: tenant.id, role: 'courier', sub: 'k1', iat: now() - 10, exp: now() - 1 }, JWT_SECRET);
    expect(await handshake(node.url, expired)).toBe('unauthorized');
    expect(await handshake(node.url, tokens.courier)).toBe('connected');
  });
});
