import type { Order } from '../domain/order';
import type { Presence } from '../domain/presence';
import { rooms, type SocketData } from './events';
import type { IoServer } from './io';

/**
 * "Is the customer watching?", asked of every node through the Socket.IO adapter: true when a socket of the
 * order's customer or of its tracking link is subscribed to the order (a customer merely connected would not see
 * the update). Staff and business sockets do not count: they are not the customer.
 */
export class ClusterPresence implements Presence {
  constructor(
    private readonly io: IoServer,
    /**
     * How long to wait for the other nodes' answers.
     * @default 2000
     */
    private readonly timeoutMs = 2000,
  ) {}

  async isCustomerWatching(order: Order): Promise<boolean> {
    const sockets = await this.io.in(rooms.order(order.id)).timeout(this.timeoutMs).fetchSockets();
    return sockets.some((socket) => {
      const principal = (socket.data as SocketData | undefined)?.principal;
      if (principal?.role === 'tracker') return principal.orderId === order.id;
      return principal?.role === 'customer' && principal.subject === order.customer.id;
    });
  }
}
