import type { TenantPrincipal } from '../domain/principal';
import type { IoSocket } from './session';

export interface SocketSlotsOptions {
  /**
   * Sockets one credential (a token's subject, or a tenant's API key) may hold open at once on this node (API.md
   * "Limits (more)"): enough for every tab and device of one person or integration, not for a flood.
   * @default 50
   */
  perCredential?: number;
  /**
   * Sockets one tracking link may hold open at once on this node: a share link is passed around, but a handful of
   * people watch one order.
   * @default 20
   */
  perTrackingLink?: number;
}

/** One credential's sockets on this node. */
interface Held {
  sockets: number;
  /** The principal its sockets keep: one object for all of them, not one per handshake. */
  principal: TenantPrincipal;
}

/**
 * How many sockets each credential holds open on this node. A socket takes its slot during its handshake and gives it
 * back once, when it disconnects ({@link giveBack}) or when its connection closes before it connected (a client gone
 * mid-handshake gets no `disconnect`), so a refused or abandoned socket never keeps one. The sockets of one
 * credential share one principal object.
 */
export class SocketSlots {
  private readonly perCredential: number;
  private readonly perTrackingLink: number;
  private readonly held = new Map<string, Held>();
  /** The credential whose slot each socket holds, by its connection (one socket per connection: one namespace). */
  private readonly slotOf = new WeakMap<object, string>();
  private readonly onClose: (this: object) => void;

  constructor(options: SocketSlotsOptions = {}) {
    this.perCredential = options.perCredential ?? 50;
    this.perTrackingLink = options.perTrackingLink ?? 20;
    if (!(Number.isInteger(this.perCredential) && this.perCredential >= 1)) throw new RangeError('SocketSlots: perCredential must be a whole number >= 1');
    if (!(Number.isInteger(this.perTrackingLink) && this.perTrackingLink >= 1)) throw new RangeError('SocketSlots: perTrackingLink must be a whole number >= 1');
    const slots = this;
    // Shared by every connection (called with it as `this`): none made per socket.
    this.onClose = function () {
      slots.release(this);
    };
  }

  /**
   * Takes a slot of the principal's credential for the socket: the principal the socket is to keep (the one its
   * credential's other sockets here keep, when equal), or null (nothing taken) when the slots are all held.
   */
  take(socket: IoSocket, principal: TenantPrincipal): TenantPrincipal | null {
    const key = credentialKey(principal);
    let held = this.held.get(key);
    if (held && held.sockets >= (principal.role === 'tracker' ? this.perTrackingLink : this.perCredential)) return null;
    if (held) held.sockets += 1;
    else this.held.set(key, (held = { sockets: 1, principal }));
    this.release(socket.conn); // a connection's earlier socket, gone without a disconnect seen here
    this.slotOf.set(socket.conn, key);
    socket.conn.on('close', this.onClose);
    return samePrincipal(held.principal, principal) ? held.principal : principal;
  }

  /**
   * The socket connected: from now on its `disconnect` gives its slot back ({@link giveBack}), so its connection's
   * `close` is no longer listened to (one listener less per socket).
   */
  connected(socket: IoSocket): void {
    socket.conn.off('close', this.onClose);
  }

  /** Gives back the slot of a socket that disconnected (once; its connection's close then gives back nothing). */
  giveBack(socket: IoSocket): void {
    this.release(socket.conn);
  }

  /** Gives back the slot a connection's socket holds, once. */
  private release(conn: object): void {
    const key = this.slotOf.get(conn);
    if (key === undefined) return;
    this.slotOf.delete(conn);
    const held = this.held.get(key);
    if (held && --held.sockets > 0) return;
    this.held.delete(key);
  }
}

/** Whether two principals grant exactly the same (a tracking link's generations share a credential, not a principal). */
function samePrincipal(a: TenantPrincipal, b: TenantPrincipal): boolean {
  if (a.role !== b.role || a.tenantId !== b.tenantId) return false;
  switch (a.role) {
    case 'business':
      return true;
    case 'tracker':
      return b.role === 'tracker' && a.orderId === b.orderId && a.generation === b.generation;
    default:
      return b.role === a.role && a.subject === b.subject;
  }
}

/**
 * One credential within the cluster: a tenant's API key, a tracking link (every link of an order is one: a new link
 * revokes the earlier ones), or a token subject (every token minted for it).
 */
function credentialKey(principal: TenantPrincipal): string {
  switch (principal.role) {
    case 'business':
      return `${principal.tenantId}\u0000business`;
    case 'tracker':
      return `${principal.tenantId}\u0000tracker\u0000${principal.orderId}`;
    default:
      return `${principal.tenantId}\u0000${principal.role}\u0000${principal.subject}`;
  }
}
