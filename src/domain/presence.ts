import type { Order } from './order';

/**
 * Tells whether an applied event reached the customer live: whether it was handed to a socket watching the
 * order on the customer's behalf (the customer's own, or the order's tracking link), on any node. Only then
 * does an alert count as delivered over the socket (API.md "Notifications").
 */
export interface Presence {
  handedToWatcher(order: Order, seq: number): Promise<boolean>;
  /**
   * Hands the order's arriving notice to every socket watching it, on every node; resolves with whether one of
   * them watches on the customer's behalf (then the `arriving` alert went over the socket).
   */
  handArrivingToWatcher(order: Order, arrivingAt: string): Promise<boolean>;
}
