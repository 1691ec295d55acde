import type { Order } from './order';

/** Tells whether an order's customer is watching it live, on any node. */
export interface Presence {
  isCustomerWatching(order: Order): Promise<boolean>;
}
