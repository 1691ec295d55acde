import type { AppliedEvent, LoyaltyEvent, PaymentEvent } from '../actors/event-bus';
import type { TenantPrincipal } from '../domain/principal';
import { rooms, toStatusUpdate, type LoyaltyUpdate, type PaymentUpdate, type PushCounter, type ServerToClientEvents } from './events';
import type { FeedPresence } from './feed-presence';
import type { IoServer } from './io';
import type { RoomNames } from './room-names';
import type { IoSocket } from './session';

export interface FeedRoomsOptions {
  io: IoServer;
  /** Which tenant feeds have sockets on other nodes; joins a socket to its tenant's feed. */
  presence: Pick<FeedPresence, 'join' | 'watchedElsewhere'>;
  /** Counts each room emit by its event name (`events_pushed_total`). */
  pushed: PushCounter;
  /** Joins a socket to its customer account's room under the room's one shared name. */
  roomNames: Pick<RoomNames, 'join'>;
}

/**
 * The rooms a socket is in without subscribing (its tenant's feed for business and staff sockets, its customer
 * account for loyalty bookings), and what is pushed to them. A tenant feed is published to the cluster only while
 * another node has sockets in it (see {@link FeedPresence}): a tenant nobody watches costs no Redis command, and one
 * watched on this node only is delivered here.
 */
export class FeedRooms {
  constructor(private readonly options: FeedRoomsOptions) {}

  /**
   * Puts a socket in its feed rooms, during its handshake: settles once a business or staff socket will get every
   * event of its tenant pushed after it connects, on whichever node.
   */
  join(socket: IoSocket, principal: TenantPrincipal): Promise<void> {
    if (principal.role === 'business' || principal.role === 'staff') return this.options.presence.join(socket, principal.tenantId);
    if (principal.role === 'customer') this.options.roomNames.join(socket, rooms.customer(principal.tenantId, principal.subject));
    return Promise.resolve();
  }

  /**
   * Pushes an applied event to its tenant's feed, except to sockets in the order's room: those get it from the
   * order's live stream, in order and once.
   */
  pushEvent({ event, order }: AppliedEvent): void {
    this.tenant(order.tenant_id, 'order_status_update')?.except(rooms.order(order.id)).emit('order_status_update', toStatusUpdate(event));
  }

  /** Pushes a loyalty booking to the customer's sockets on every node. */
  pushLoyalty({ tenantId, entry, balance }: LoyaltyEvent): void {
    const update: LoyaltyUpdate = {
      customer_id: entry.customer_id,
      balance,
      delta: entry.delta,
      reason: entry.reason,
      order_id: entry.order_id,
    };
    this.options.io.to(rooms.customer(tenantId, entry.customer_id)).emit('loyalty_update', update);
    this.options.pushed.inc({ kind: 'loyalty_update' });
  }

  /**
   * Pushes an order's new payment to its watchers and its tenant's feed on every node (a socket in both gets it once:
   * the feed skips the order's room), but not to tracking links: their view shows no amounts, and a link may be
   * passed on.
   */
  pushPayment({ order }: PaymentEvent): void {
    const update: PaymentUpdate = { order_id: order.id, payment: order.payment };
    this.options.io.to(rooms.order(order.id)).except(rooms.trackers(order.id)).emit('payment_update', update);
    this.options.pushed.inc({ kind: 'payment_update' });
    this.tenant(order.tenant_id, 'payment_update')?.except(rooms.order(order.id)).emit('payment_update', update);
  }

  /**
   * The tenant's feed room, counted as one emit: through the cluster while another node (maybe) has sockets in it,
   * else this node's sockets only; null when nobody anywhere has.
   */
  private tenant(tenantId: string, kind: keyof ServerToClientEvents): ReturnType<IoServer['to']> | null {
    const { io, presence, pushed } = this.options;
    const room = rooms.tenant(tenantId);
    let target: ReturnType<IoServer['to']>;
    if (presence.watchedElsewhere(tenantId)) target = io.to(room);
    else if (io.of('/').adapter.rooms.has(room)) target = io.local.to(room);
    else return null;
    pushed.inc({ kind });
    return target;
  }
}
