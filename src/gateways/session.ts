import type { Socket } from 'socket.io';
import type { TenantPrincipal } from '../domain/principal';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events';
import type { IoServer } from './io';

export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * A connected socket's state on this node: the socket's own `data` (no second map of sockets beside Socket.IO's).
 * A class, so every session has one shape (a node holds tens of thousands of them).
 */
export class Session implements SocketData {
  /** Orders subscribed (`joined`) or being subscribed (`joining`); made on the first subscribe. */
  orders: Map<string, 'joining' | 'joined'> | null = null;
  /**
   * Per order, the tail of this socket's subscribe/unsubscribe requests, run one after another as sent; made on
   * the first request (a node holds many sockets that never make one).
   */
  queues: Map<string, Promise<void>> | null = null;
  /** From the connection until the socket is gone. */
  open = false;

  constructor(
    readonly principal: SocketData['principal'],
    readonly expiresAt: number | null,
  ) {}
}

/** Gives a socket whose credential checked out its session, not yet open (see {@link beginSession}). */
export function attachSession(socket: IoSocket, granted: SocketData): void {
  socket.data = new Session(granted.principal, granted.expiresAt);
}

/**
 * Opens the session of a socket that has just connected. It begins here, not in the handshake: a handshake that
 * never becomes a connection leaves nothing. Undefined when the socket has none (its handshake set none).
 */
export function beginSession(socket: IoSocket): Session | undefined {
  const data = socket.data;
  if (!isSession(data)) return undefined;
  data.open = true;
  return data;
}

/** Closes the socket's session; the session it was, or undefined when it was not open. */
export function endSession(socket: IoSocket): Session | undefined {
  const session = sessionOf(socket);
  if (session) session.open = false;
  return session;
}

/** The socket's session while it is open. */
export function sessionOf(socket: IoSocket): Session | undefined {
  const data = socket.data;
  return isSession(data) && data.open ? data : undefined;
}

/** This node's socket `socketId` with its session, while the session is open. */
export function openSocketById(io: IoServer, socketId: string): { socket: IoSocket; session: Session } | undefined {
  const socket = io.of('/').sockets.get(socketId);
  const session = socket && sessionOf(socket);
  return socket && session ? { socket, session } : undefined;
}

/** Sockets that watch an order on its customer's behalf: the customer's own, and the order's tracking link. */
export function watchesForCustomer(principal: TenantPrincipal): boolean {
  return principal.role === 'customer' || principal.role === 'tracker';
}

function isSession(data: SocketData): data is Session {
  return data instanceof Session;
}
