import type { Location, Order } from '../domain/order';
import { COURIER_ACTIVE_STATUSES } from '../domain/status';
import type { OrderSearch } from '../store/ports/order-search';
import type { Actor } from './actor-system';

/** A courier's position with its optional motion fields. */
export interface CourierPosition extends Location {
  heading?: number;
  speed?: number;
}

export type CourierMessage =
  | { kind: 'ping' }
  /** An order of this courier changed on this node: keep the active set exact without a store read. */
  | { kind: 'order_changed'; order: Order }
  /** Forget what is known (an assignment moved an order to or from this courier). */
  | { kind: 'invalidate' };

export interface CourierActorDeps {
  /** Reads the courier's orders on the way. */
  store: Pick<OrderSearch, 'searchOrders'>;
  now: () => number;
  /**
   * How long the active set is trusted before it is re-read. Changes made on this node arrive at once;
   * this bounds how long a change made on another node can go unseen.
   */
  refreshMs: number;
}

// A courier carries a few dozen orders at most; more than this on the way at once is not a courier's day.
const MAX_ACTIVE_ORDERS = 500;

/**
 * One courier's orders that are on the way (`shipped`, `in_transit`, `out_for_delivery`), kept in memory so a
 * position ping costs no store query. Replies to `ping` with the order ids to push the position to.
 */
export class CourierActor implements Actor<CourierMessage, readonly string[]> {
  private active: Set<string> | null = null;
  private loadedAt = 0;

  constructor(
    private readonly tenantId: string,
    private readonly courierId: string,
    private readonly deps: CourierActorDeps,
  ) {}

  async receive(message: CourierMessage): Promise<readonly string[]> {
    switch (message.kind) {
      case 'invalidate':
        this.active = null;
        return [];
      case 'order_changed':
        if (this.active) {
          const { order } = message;
          if (order.courier_id === this.courierId && COURIER_ACTIVE_STATUSES.has(order.status)) this.active.add(order.id);
          else this.active.delete(order.id);
        }
        return [];
      case 'ping':
        if (!this.active || this.deps.now() - this.loadedAt > this.deps.refreshMs) await this.load();
        return [...this.active!];
    }
  }

  private async load(): Promise<void> {
    const page = await this.deps.store.searchOrders(this.tenantId, {
      courierId: this.courierId,
      statuses: [...COURIER_ACTIVE_STATUSES],
      limit: MAX_ACTIVE_ORDERS,
    });
    this.active = new Set(page.items.map((order) => order.id));
    this.loadedAt = this.deps.now();
  }
}
