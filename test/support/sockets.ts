/**
 * Live connections for tests: raw Socket.IO sockets and TrackingClients that are always cleaned up
 * (`closeAllSockets`), acknowledged emits, subscriptions that fail the test when refused, and handshake outcomes.
 */
import { io, type Socket } from 'socket.io-client';
import { TrackingClient, type TrackingClientOptions } from '../../src/client/tracking-client';
import type { OrderStatusUpdate } from '../../src/gateways/events';

export type LiveSocket = Socket;

/**
 * What `order_status_update` must carry for an event as `GET /v1/orders/:id/events` lists it (API.md "Socket events"),
 * written out here rather than taken from the gateway, so a push is checked against the store, not against itself.
 */
export function expectedUpdate(event: Record<string, unknown>): Record<string, unknown> {
  return {
    order_id: event.order_id,
    seq: event.seq,
    status: event.status,
    type: event.type,
    scan_type: event.scan_type,
    occurred_at: event.occurred_at,
    location: event.location,
  };
}

const sockets = new Set<Socket>();
const trackingClients = new Set<TrackingClient>();

/** Opens a raw socket (websocket only, no automatic reconnection); `token` undefined sends no auth token. */
export function openSocket(url: string, token?: string): Socket {
  const socket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: 10_000,
  });
  sockets.add(socket);
  socket.on('disconnect', () => sockets.delete(socket));
  return socket;
}

/** Resolves with the connected socket, or rejects with the `connect_error` (its message) and closes the socket. */
export function connectSocket(url: string, token?: string): Promise<Socket> {
  const socket = openSocket(url, token);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (error: Error) => {
      socket.off('connect');
      socket.close();
      sockets.delete(socket);
      reject(error);
    });
  });
}

/** The outcome of a handshake: 'connected', or the connect_error message. The socket is closed either way. */
export async function handshake(url: string, token?: string): Promise<string> {
  try {
    const socket = await connectSocket(url, token);
    socket.close();
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

/** Emits with an acknowledgement and resolves with it; rejects if none comes within `timeoutMs`. */
export function emitAck<T = any>(socket: Socket, event: string, payload: unknown, timeoutMs = 10_000): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

export interface SubscribeOk {
  ok: true;
  order: Record<string, any> & { id: string; version: number };
  missed: OrderStatusUpdate[];
}

/** Subscribes and returns the acknowledgement, failing the test on a refusal. */
export async function subscribeOk(socket: Socket, orderId: string, sinceSeq?: number): Promise<SubscribeOk> {
  const ack = await emitAck(socket, 'subscribe', sinceSeq === undefined ? { order_id: orderId } : { order_id: orderId, since_seq: sinceSeq });
  if (!ack?.ok) throw new Error(`subscribe to ${orderId} refused: ${JSON.stringify(ack)}`);
  return ack as SubscribeOk;
}

/** Resolves with the first `n` payloads of `event` on `socket` (listening from now on). */
export function collect<T = any>(socket: Socket, event: string, n: number, timeoutMs = 10_000): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`only ${got.length} of ${n} '${event}' events within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T): void => {
      got.push(payload);
      if (got.length < n) return;
      clearTimeout(timer);
      socket.off(event, onEvent);
      resolve(got);
    };
    socket.on(event, onEvent);
  });
}

/** The product's client, closed by `closeAllSockets` like the raw sockets. */
export function trackingClient(options: TrackingClientOptions): TrackingClient {
  const live = new TrackingClient(options);
  trackingClients.add(live);
  return live;
}

/** Resolves with the url of the TrackingClient's next connection. */
export function nextConnection(live: TrackingClient): Promise<string> {
  return new Promise((resolve) => live.once('connected', (url) => resolve(url)));
}

/** Closes every raw socket and TrackingClient opened here that is still open. For afterEach/afterAll. */
export function closeAllSockets(): void {
  for (const socket of sockets) socket.close();
  sockets.clear();
  for (const live of trackingClients) live.close();
  trackingClients.clear();
}
