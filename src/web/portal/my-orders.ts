import { STATUSES, TERMINAL_STATUSES, type OrderStatus } from '../../domain/status';
import type { TrackingClientEvents } from '../../client/tracking-client';
import type { SubscribedOrder } from '../../gateways/events';
import { Observable } from '../courier/observable';
import type { PortalLive } from './live';
import { isOffline, type PortalApi } from './portal-api';
import type { OrderPage, PortalOrder } from './wire';

const FINISHED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(TERMINAL_STATUSES);
/** Orders still on their way: every one is listed (API.md's page limit), however old. */
const ACTIVE_QUERY = `status=${STATUSES.filter((status) => !FINISHED.has(status)).join(',')}&limit=200`;
/** Finished orders, a page at a time: the recent ones first. */
const FINISHED_QUERY = `status=${TERMINAL_STATUSES.join(',')}&limit=20`;

export type ListState = 'loading' | 'ready' | 'offline' | 'failed';

export function isFinished(status: OrderStatus): boolean {
  return FINISHED.has(status);
}

/** The order as the customer reads it, when a subscription's acknowledgement carries that (not a tracking view). */
function asOrder(order: SubscribedOrder): PortalOrder | null {
  return 'tenant_id' in order ? order : null;
}

/**
 * The customer's orders (API.md "Customer portal": active first, live): those on their way, every one, then the
 * finished ones, newest first, a page at a time. Orders on their way are followed live, from the seq each was read
 * at; a status, an ETA or a payment that changes moves the row at once, and an order that finishes moves to the
 * finished ones. Read again when the portal comes back to the front or online (the business may have placed more).
 */
export class MyOrders extends Observable {
  state: ListState = 'loading';
  /** Where the next page of finished orders starts; null: no more. */
  nextCursor: string | null = null;
  private readonly orders = new Map<string, PortalOrder>();
  private readonly watched = new Set<string>();
  private readonly stops: Array<() => void> = [];
  private loading: Promise<void> | null = null;

  constructor(
    private readonly api: PortalApi,
    private readonly live: PortalLive,
  ) {
    super();
    const on = <E extends keyof TrackingClientEvents>(event: E, listener: TrackingClientEvents[E]): void => {
      this.stops.push(live.listen(event, listener));
    };
    on('update', (update) => {
      const order = this.orders.get(update.order_id);
      if (!order || update.seq <= order.version) return;
      this.put({ ...order, status: update.status, version: update.seq, updated_at: update.occurred_at });
    });
    on('order', (subscribed) => {
      const order = asOrder(subscribed);
      const known = order && this.orders.get(order.id);
      if (order && known && order.version >= known.version) this.put(order);
    });
    on('eta', ({ order_id, eta }) => this.patch(order_id, { eta }));
    on('arriving', ({ order_id, arriving_at }) => this.patch(order_id, { arriving_at }));
    on('payment', ({ order_id, payment }) => this.patch(order_id, { payment }));
  }

  /** Orders on their way, newest first. */
  get active(): PortalOrder[] {
    return this.sorted((order) => !isFinished(order.status), 'created_at');
  }

  /** Finished orders, the latest to finish first. */
  get finished(): PortalOrder[] {
    return this.sorted((order) => isFinished(order.status), 'updated_at');
  }

  /** The destination of the newest order that has coordinates: where a new booking most likely goes too. */
  latestDestination(): { lat: number; lng: number } | null {
    const newest = this.sorted((order) => typeof order.destination?.lat === 'number' && typeof order.destination.lng === 'number', 'created_at')[0];
    return newest ? { lat: newest.destination!.lat!, lng: newest.destination!.lng! } : null;
  }

  get(orderId: string): PortalOrder | null {
    return this.orders.get(orderId) ?? null;
  }

  /** Reads the lists again (one read at a time; a call during a read waits for it). */
  load(): Promise<void> {
    this.loading ??= this.read().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The next page of finished orders. */
  async more(): Promise<void> {
    if (!this.nextCursor) return;
    const page = await this.api.get<OrderPage>(`/v1/orders?${FINISHED_QUERY}&cursor=${encodeURIComponent(this.nextCursor)}`);
    for (const order of page.items) this.take(order);
    this.nextCursor = page.next_cursor;
    this.changed();
  }

  /** An order the customer just placed: listed and followed at once. */
  add(order: PortalOrder): void {
    this.take(order);
    this.changed();
  }

  close(): void {
    for (const stop of this.stops.splice(0)) stop();
    for (const orderId of this.watched) this.live.unwatch(orderId);
    this.watched.clear();
  }

  private async read(): Promise<void> {
    try {
      const [active, finished] = await Promise.all([
        this.api.get<OrderPage>(`/v1/orders?${ACTIVE_QUERY}`),
        this.api.get<OrderPage>(`/v1/orders?${FINISHED_QUERY}`),
      ]);
      for (const order of [...active.items, ...finished.items]) this.take(order);
      this.nextCursor = finished.next_cursor;
      this.state = 'ready';
    } catch (error) {
      // What was read before stays shown.
      if (this.state !== 'ready') this.state = isOffline(error) ? 'offline' : 'failed';
    }
    this.changed();
  }

  /** Keeps the newer of what was read and what is known, and follows an order on its way. */
  private take(order: PortalOrder): void {
    const known = this.orders.get(order.id);
    if (!known || order.version >= known.version) this.orders.set(order.id, order);
    const current = this.orders.get(order.id)!;
    if (!isFinished(current.status) && !this.watched.has(order.id)) {
      this.watched.add(order.id);
      this.live.watch(order.id, current.version);
    }
  }

  private put(order: PortalOrder): void {
    this.orders.set(order.id, order);
    this.changed();
  }

  private patch(orderId: string, change: Partial<PortalOrder>): void {
    const order = this.orders.get(orderId);
    if (order) this.put({ ...order, ...change });
  }

  private sorted(keep: (order: PortalOrder) => boolean, by: 'created_at' | 'updated_at'): PortalOrder[] {
    // Newest first; ids are time-ordered, so they settle a tie as the server's own order does.
    const newer = (a: PortalOrder, b: PortalOrder): number => (a[by] !== b[by] ? (a[by] < b[by] ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    return [...this.orders.values()].filter(keep).sort(newer);
  }
}
