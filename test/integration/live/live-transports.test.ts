/**
 * Socket.IO's default transports: browsers and TrackingClient users who pass no options start with HTTP
 * long-polling and upgrade to a websocket. Run against a server process, so a server that mishandles the
 * polling requests fails this file instead of the test runner.
 */
import { io, type Socket } from 'socket.io-client';
import { processCluster } from '../../support/cluster-fixture';
import { client } from '../../support/http';
import { unique } from '../../support/ids';
import type { NodeProcess } from '../../support/node-process';
import { placeOrder } from '../../support/orders';
import { Recorder } from '../../support/recorder';
import { closeAllSockets, trackingClient } from '../../support/sockets';
import { createTenant, type Tenant } from '../../support/tenant';

jest.setTimeout(60_000);

let server: NodeProcess;
let tenant: Tenant;
/** Long-polling sockets (the suite's own sockets are websocket only). */
const sockets: Socket[] = [];

// The clients go first, then the server.
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
  closeAllSockets();
});
// A server per test: one that dies in one test does not take the others down with it.
const cluster = processCluster({ per: 'test' });
beforeEach(async () => {
  server = await cluster.spawn({ env: { REDIS_PREFIX: unique('transports') } });
  tenant = await createTenant(server.url);
});

/** The handshake outcome of a socket: 'connected' or the connect_error message. */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error) => resolve(error.message));
  });
}

function crashReport(): string {
  return `the server process ended:\n${server.output.filter((line) => !line.startsWith('{')).join('\n')}`;
}

function expectServerAlive(): void {
  if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(crashReport());
}

/** `promise`, or a failure naming the crash as soon as the server process ends first. */
function whileAlive<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    server.exited.then(() => {
      throw new Error(crashReport());
    }),
  ]);
}

it('a long-polling-only client with a bad token gets connect_error "unauthorized" and the server lives on', async () => {
  const socket = io(server.url, { auth: { token: 'nope' }, transports: ['polling'], forceNew: true, reconnection: false, timeout: 10_000 });
  sockets.push(socket);
  expect(await whileAlive(outcome(socket))).toBe('unauthorized');
  expect((await client(server.url).get('/healthz')).status).toBe(200);
  expectServerAlive();
});

it('a long-polling-only client connects, subscribes and receives updates', async () => {
  const order = await placeOrder(client(server.url, tenant.apiKey), { customer: { id: 'c1' } });
  const socket = io(server.url, { auth: { token: order.tracking_token }, transports: ['polling'], forceNew: true, reconnection: false, timeout: 10_000 });
  sockets.push(socket);
  const log = Recorder.of(socket);
  expect(await whileAlive(outcome(socket))).toBe('connected');
  const ack = await socket.timeout(10_000).emitWithAck('subscribe', { order_id: order.id });
  expect(ack).toMatchObject({ ok: true, order: { id: order.id, version: 1 } });
  await client(server.url, tenant.apiKey).post(`/v1/orders/${order.id}/status`, { status: 'processing' });
  await whileAlive(log.untilSeq(order.id, 2));
  expect(log.seqs(order.id)).toEqual([2]);
  expectServerAlive();
});

it('a TrackingClient with default socket options (polling, then upgrade) receives every update', async () => {
  const order = await placeOrder(client(server.url, tenant.apiKey), { customer: { id: 'c2' } });
  const live = trackingClient({ urls: [server.url], token: order.tracking_token });
  const log = Recorder.ofClient(live);
  await whileAlive(live.connect());
  await whileAlive(live.subscribe(order.id));
  for (const status of ['processing', 'shipped', 'in_transit']) {
    expect((await client(server.url, tenant.apiKey).post(`/v1/orders/${order.id}/status`, { status })).status).toBe(200);
  }
  await whileAlive(log.untilSeq(order.id, 4));
  expect(log.seqs(order.id)).toEqual([2, 3, 4]);
  expectServerAlive();
});
