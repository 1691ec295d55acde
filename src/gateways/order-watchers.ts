import { rooms, type OrderArriving, type OrderStatusUpdate, type PushCounter } from './events';
import type { IoServer } from './io';
import { openSocketById, watchesForCustomer, type IoSocket, type Session } from './session';

/**
 * This node's sockets in an order's room, and what is handed to them here: the order's events (from its live
 * stream) and its arriving notice. Alerts ask whether one of them watches on the customer's behalf.
 */
export class OrderWatchers {
  constructor(
    private readonly io: IoServer,
    /** Counts each room emit (`events_pushed_total`). */
    private readonly pushed: PushCounter,
  ) {}

  /** The open sockets of this node in the order's room. */
  *of(orderId: string): Iterable<{ socket: IoSocket; session: Session }> {
    for (const socketId of this.io.of('/').adapter.rooms.get(rooms.order(orderId)) ?? []) {
      const watcher = openSocketById(this.io, socketId);
      if (watcher) yield watcher;
    }
  }

  /** Emits an event to the order's room here; whether a customer-side watcher was in it. */
  emitStatus(update: OrderStatusUpdate): boolean {
    this.io.local.to(rooms.order(update.order_id)).emit('order_status_update', update);
    this.pushed.inc({ kind: 'order_status_update' });
    return this.forCustomer(update.order_id);
  }

  /** Hands an order's arriving notice to its watchers here; whether one of them watches on the customer's behalf. */
  handArriving(update: OrderArriving): boolean {
    const room = rooms.order(update.order_id);
    const members = this.io.of('/').adapter.rooms.get(room);
    if (!members || members.size === 0) return false;
    this.io.local.to(room).emit('order_arriving', update);
    this.pushed.inc({ kind: 'order_arriving' });
    return this.forCustomer(update.order_id);
  }

  private forCustomer(orderId: string): boolean {
    for (const { session } of this.of(orderId)) {
      if (watchesForCustomer(session.principal)) return true;
    }
    return false;
  }
}
