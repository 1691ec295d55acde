import type { EventBus } from '../actors/event-bus';
import type { TenantPrincipal } from '../domain/principal';
import { rooms } from './events';
import type { IoServer } from './io';
import type { RoomNames } from './room-names';
import type { IoSocket } from './session';

export interface TrackingLinksOptions {
  /** The cluster's Socket.IO server: a renewal reaches the sockets on every node through its adapter. */
  io: IoServer;
  /** This node's renewals (`linkRenewed`) and erasures (`erased`). */
  bus: EventBus;
  /** Joins a socket to its link's rooms under their shared names. */
  roomNames: Pick<RoomNames, 'join'>;
}

/**
 * The sockets opened with tracking links (API.md "Tracking links"), in rooms named for their order and their link's
 * generation, so a link that stops working loses its sockets at once on every node: a renewal cuts those of every
 * earlier generation (through the adapter, from the node that renewed), an erasure all of them (each node cuts its
 * own when it hears of the erasure, like it drops the erased orders' actors). A socket that slips through (its
 * handshake checked just before) is still refused when it subscribes.
 */
export class TrackingLinks {
  private readonly unsubscribe: Array<() => void>;
  private readonly onErased: (orderIds: readonly string[]) => void;

  constructor(private readonly options: TrackingLinksOptions) {
    const { io, bus } = options;
    this.onErased = (orderIds) => {
      if (orderIds.length > 0) io.local.in(orderIds.map((orderId) => rooms.trackers(orderId))).disconnectSockets(true);
    };
    io.on('orders_erased', this.onErased);
    this.unsubscribe = [
      bus.on('erased', ({ orderIds }) => this.onErased(orderIds)),
      bus.on('linkRenewed', ({ orderId, generation }) => this.cutEarlier(orderId, generation)),
    ];
  }

  /** Puts a socket opened with a tracking link in its link's rooms (nothing for other principals). */
  join(socket: IoSocket, principal: TenantPrincipal): void {
    if (principal.role !== 'tracker') return;
    this.options.roomNames.join(socket, rooms.trackers(principal.orderId), rooms.trackerLink(principal.orderId, principal.generation));
  }

  /** Stops listening. */
  close(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.options.io.off('orders_erased', this.onErased);
  }

  /** Disconnects, on every node, the sockets of the order's links but those of `generation`. */
  private cutEarlier(orderId: string, generation: number): void {
    // Through the adapter (which logs and swallows a publish that fails while Redis is down; this node's go anyway).
    this.options.io.in(rooms.trackers(orderId)).except(rooms.trackerLink(orderId, generation)).disconnectSockets(true);
  }
}
