import type { OrderWatchers } from './order-watchers';
import type { Subscriptions } from './subscriptions';

/**
 * An order changed hands: this node's courier sockets that no longer carry it are evicted from it at once (they
 * would get its events and its courier's positions otherwise). Other roles keep their access.
 */
export function evictReassigned(
  watchers: Pick<OrderWatchers, 'of'>,
  subscriptions: Pick<Subscriptions, 'evict'>,
  orderId: string,
  courierId: string | null,
): void {
  for (const { socket, session } of [...watchers.of(orderId)]) {
    if (session.principal.role !== 'courier' || session.principal.subject === courierId) continue;
    subscriptions.evict(socket, orderId);
  }
}
