import { TrackingClient } from '../../client/tracking-client';
import type { CourierLocationUpdate, OrderStatusUpdate, PaymentUpdate } from '../../gateways/events';
import type { Payment } from '../../domain/payment';
import type { OrderView } from '../../domain/order';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/** What the dashboard's views hear from the tenant feed. */
export interface LiveFeedEvents {
  /** An applied event of any order of the tenant (each once, newest seq per order only). */
  status: (update: OrderStatusUpdate) => void;
  /** A courier's position, for one of its active orders. */
  location: (update: CourierLocationUpdate) => void;
  /** An order's payment changed (a provider's event, a payment posted, cash collected). */
  payment: (update: PaymentUpdate) => void;
  state: (state: LiveState) => void;
  /** The connection came back after a loss: events may have been missed, so views refetch. */
  resynced: () => void;
}

/** The newest statuses remembered for overlaying fetched rows; the oldest are forgotten past this many orders. */
const REMEMBERED_ORDERS = 5000;

/**
 * The signed-in tenant's live feed (business and staff sockets get every event of their tenant without
 * subscribing). It remembers each order's newest status, so a row fetched a moment before an event shows the
 * event's status, never the older one.
 */
export class LiveFeed {
  private readonly client: TrackingClient;
  private readonly latest = new Map<string, OrderStatusUpdate>();
  private readonly payments = new Map<string, Payment>();
  private readonly listeners: { [K in keyof LiveFeedEvents]: Set<LiveFeedEvents[K]> } = {
    status: new Set(),
    location: new Set(),
    payment: new Set(),
    state: new Set(),
    resynced: new Set(),
  };
  private current: LiveState = 'connecting';
  private lostOnce = false;

  constructor(token: string, origin: string = location.origin) {
    this.client = new TrackingClient({ urls: [origin], token, maxBackoffMs: 5000 });
    this.client.on('update', (update) => this.onStatus(update));
    this.client.on('location', (update) => this.emit('location', update));
    this.client.on('payment', (update) => this.onPayment(update));
    this.client.on('connected', () => {
      this.setState('live');
      if (this.lostOnce) this.emit('resynced');
    });
    this.client.on('disconnected', () => {
      this.lostOnce = true;
      this.setState('reconnecting');
    });
  }

  get state(): LiveState {
    return this.current;
  }

  start(): void {
    void this.client.connect();
  }

  close(): void {
    this.client.close();
    for (const set of Object.values(this.listeners)) set.clear();
  }

  /** Listens to one kind of event; returns the function that stops listening. */
  on<K extends keyof LiveFeedEvents>(event: K, listener: LiveFeedEvents[K]): () => void {
    this.listeners[event].add(listener);
    return () => {
      this.listeners[event].delete(listener);
    };
  }

  /** `order` with the newest status and payment the feed brought for it, where they are newer than the order's own. */
  overlay<T extends Pick<OrderView, 'id' | 'status' | 'version' | 'updated_at'> & { payment?: Payment }>(order: T): T {
    const payment = this.payments.get(order.id);
    const paid = payment && order.payment && payment.updated_at > order.payment.updated_at ? { ...order, payment } : order;
    const update = this.latest.get(order.id);
    if (!update || update.seq <= order.version) return paid;
    const updatedAt = update.occurred_at > order.updated_at ? update.occurred_at : order.updated_at;
    return { ...paid, status: update.status, version: update.seq, updated_at: updatedAt };
  }

  private onPayment(update: PaymentUpdate): void {
    const known = this.payments.get(update.order_id);
    if (known && known.updated_at >= update.payment.updated_at) return;
    this.payments.delete(update.order_id);
    this.payments.set(update.order_id, update.payment);
    if (this.payments.size > REMEMBERED_ORDERS) this.payments.delete(this.payments.keys().next().value!);
    this.emit('payment', update);
  }

  private onStatus(update: OrderStatusUpdate): void {
    const known = this.latest.get(update.order_id);
    if (known && known.seq >= update.seq) return;
    this.latest.delete(update.order_id); // re-inserted last: the map stays in order of recency
    this.latest.set(update.order_id, update);
    if (this.latest.size > REMEMBERED_ORDERS) this.latest.delete(this.latest.keys().next().value!);
    this.emit('status', update);
  }

  private setState(state: LiveState): void {
    if (state === this.current) return;
    this.current = state;
    this.emit('state', state);
  }

  private emit<K extends keyof LiveFeedEvents>(event: K, ...args: Parameters<LiveFeedEvents[K]>): void {
    for (const listener of [...this.listeners[event]]) (listener as (...a: Parameters<LiveFeedEvents[K]>) => void)(...args);
  }
}
