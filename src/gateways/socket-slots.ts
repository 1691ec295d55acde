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

/**
 * How many sockets each credential holds open on this node. A socket takes its slot during its handshake and gives it
 * back once, when it disconnects or when its connection closes before it connected (a client gone mid-handshake gets
 * no `disconnect`), so a refused or abandoned socket never keeps one.
 */
export class SocketSlots {
  private readonly perCredential: number;
  private readonly perTrackingLink: number;
  private readonly held = new Map<string, number>();
  /** The credential whose slot each socket holds, by its connection (one socket per connection: one namespace). */
  private readonly slotOf = new WeakMap<object, string>();
  private readonly onDisconnect: (this: IoSocket) => void;
  private readonly onClose: (this: object) => void;

  constructor(options: SocketSlotsOptions = {}) {
    this.perCredential = options.perCredential ?? 50;
    this.perTrackingLink = options.perTrackingLink ?? 20;
    if (!(Number.isInteger(this.perCredential) && this.perCredential >= 1)) throw new RangeError('SocketSlots: perCredential must be a whole number >= 1');
    if (!(Number.isInteger(this.perTrackingLink) && this.perTrackingLink >= 1)) throw new RangeError('SocketSlots: perTrackingLink must be a whole number >= 1');
    const slots = this;
    this.onDisconnect = function () {
      slots.giveBack(this.conn);
    };
    this.onClose = function () {
      slots.giveBack(this);
    };
  }

  /** Takes a slot of the principal's credential for the socket; false (nothing taken) when they are all held. */
  take(socket: IoSocket, principal: TenantPrincipal): boolean {
    const key = credentialKey(principal);
    const held = this.held.get(key) ?? 0;
    if (held >= (principal.role === 'tracker' ? this.perTrackingLink : this.perCredential)) return false;
    this.held.set(key, held + 1);
    // Listeners shared by every socket (called with the socket, or its connection, as `this`): none made per socket.
    this.slotOf.set(socket.conn, key);
    socket.on('disconnect', this.onDisconnect);
    socket.conn.on('close', this.onClose);
    return true;
  }

  /** Gives back the slot a connection's socket holds, once. */
  private giveBack(conn: object): void {
    const key = this.slotOf.get(conn);
    if (key === undefined) return;
    this.slotOf.delete(conn);
    const left = (this.held.get(key) ?? 1) - 1;
    if (left > 0) this.held.set(key, left);
    else this.held.delete(key);
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
