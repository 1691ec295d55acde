import { Emitter } from '@socket.io/component-emitter';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  ClientToServerEvents,
  OrderStatusUpdate,
  ServerToClientEvents,
  SubscribeAck,
  SubscribedOrder,
} from '../gateways/events';

export interface TrackingClientOptions {
  /** Nodes of the cluster; the client moves to the next one when its node goes away. */
  urls: string[];
  /** Any token API.md accepts for sockets (API key, staff/courier/customer JWT, tracking token). */
  token: string;
  /** Extra Socket.IO client options. */
  socket?: Partial<ManagerOptions & SocketOptions>;
  /**
   * Longest wait between reconnection attempts, in ms (the wait doubles from 100 ms).
   * @default 2000
   */
  maxBackoffMs?: number;
}

/** Events a {@link TrackingClient} emits to its user: the server's pushes under shorter names, and its own. */
export interface TrackingClientEvents {
  /** Each applied event of a subscribed order exactly once, in seq order, across reconnections. */
  update: ServerToClientEvents['order_status_update'];
  /** The state of a subscribed order as of its (re)subscription. */
  order: (order: SubscribedOrder) => void;
  location: ServerToClientEvents['courier_location'];
  /** A subscribed order's new ETA (API.md "Arrival"). */
  eta: ServerToClientEvents['eta_update'];
  /** The courier came within the arrival radius of a subscribed order's destination. */
  arriving: ServerToClientEvents['order_arriving'];
  loyalty: ServerToClientEvents['loyalty_update'];
  /** A watched order's payment changed (API.md "Payments"). */
  payment: ServerToClientEvents['payment_update'];
  connected: (url: string) => void;
  disconnected: (reason: string) => void;
  /**
   * A connection attempt failed (the handshake's `connect_error` message, e.g. `unauthorized` for an expired
   * token); the client retries on its own.
   */
  connect_failed: (url: string, message: string) => void;
  /** A subscription the server refused (e.g. `not_found`); it is dropped. */
  subscription_error: (orderId: string, error: { code: string; message: string }) => void;
}

interface Subscription {
  /** Highest seq handed to the user; null until the first acknowledgement. */
  lastSeq: number | null;
  /** Updates that arrived while a (re)subscription was being acknowledged or a gap was being filled. */
  buffer: OrderStatusUpdate[];
  syncing: boolean;
}

type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A small live-tracking client for Node and browsers. It remembers the last seq of each subscribed order and,
 * after any reconnection (to the same node or the next one in `urls`), resubscribes with `since_seq`, so its
 * user sees every event once and in order. Updates of orders it did not subscribe to (a tenant feed) are
 * passed on with duplicates dropped.
 */
export class TrackingClient extends Emitter<Record<string, never>, Record<string, never>, TrackingClientEvents> {
  private socket: ClientSocket | null = null;
  private urlIndex = 0;
  private attempt = 0;
  private closed = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  /** Last seq seen per order for feed updates of orders not subscribed to. */
  private readonly feedSeqs = new Map<string, number>();

  constructor(private readonly options: TrackingClientOptions) {
    super();
    if (options.urls.length === 0) throw new Error('TrackingClient: urls must name at least one node');
  }

  /** The node currently connected to, if any. */
  get url(): string | null {
    return this.socket?.connected ? this.options.urls[this.urlIndex]! : null;
  }

  /** Connects; resolves on the first successful connection. */
  connect(): Promise<void> {
    return new Promise((resolve) => {
      this.once('connected', () => resolve());
      this.open();
    });
  }

  /**
   * Subscribes to an order; resolves with its state once the server acknowledged. With `sinceSeq` (the last seq
   * the caller already has, e.g. from `GET /v1/orders/:id`) every later event is delivered as an `update`, also
   * those applied before the acknowledgement; without it the order as acknowledged is the starting point.
   */
  subscribe(orderId: string, options: { sinceSeq?: number } = {}): Promise<SubscribedOrder> {
    if (!this.subscriptions.has(orderId)) {
      this.subscriptions.set(orderId, { lastSeq: options.sinceSeq ?? null, buffer: [], syncing: false });
    }
    return new Promise((resolve, reject) => {
      this.sync(orderId, (result) => (result.ok ? resolve(result.order) : reject(Object.assign(new Error(result.error.message), result.error))));
    });
  }

  /** Stops following an order. */
  unsubscribe(orderId: string): void {
    this.subscriptions.delete(orderId);
    this.socket?.emit('unsubscribe', { order_id: orderId }, () => {});
  }

  /** The last seq delivered for an order, or null. */
  lastSeq(orderId: string): number | null {
    return this.subscriptions.get(orderId)?.lastSeq ?? null;
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
  }

  private open(): void {
    if (this.closed) return;
    const url = this.options.urls[this.urlIndex]!;
    // Reconnection is ours, so that a dead node is left for the next one instead of retried forever.
    const socket: ClientSocket = io(url, {
      ...this.options.socket,
      auth: { token: this.options.token },
      reconnection: false,
      forceNew: true,
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.attempt = 0;
      this.emitReserved('connected', url);
      for (const orderId of this.subscriptions.keys()) this.sync(orderId);
    });
    socket.on('connect_error', (error) => {
      this.emitReserved('connect_failed', url, error.message);
      this.retry();
    });
    socket.on('disconnect', (reason) => {
      this.emitReserved('disconnected', reason);
      this.retry();
    });
    socket.on('order_status_update', (update) => this.onUpdate(update));
    socket.on('courier_location', (update) => this.emitReserved('location', update));
    socket.on('eta_update', (update) => this.emitReserved('eta', update));
    socket.on('order_arriving', (update) => this.emitReserved('arriving', update));
    socket.on('loyalty_update', (update) => this.emitReserved('loyalty', update));
    socket.on('payment_update', (update) => this.emitReserved('payment', update));
  }

  private retry(): void {
    if (this.closed || this.retryTimer) return;
    this.socket?.removeAllListeners();
    this.socket?.disconnect();
    this.socket = null;
    // After a failure on this node, try the next one; the backoff grows while none answers.
    this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    const delay = Math.min(100 * 2 ** this.attempt, this.options.maxBackoffMs ?? 2000);
    this.attempt = Math.min(this.attempt + 1, 10);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  /** (Re)subscribes with `since_seq`, then delivers what was missed and what arrived meanwhile, in order. */
  private sync(orderId: string, done?: (result: SubscribeAck) => void): void {
    const subscription = this.subscriptions.get(orderId);
    const socket = this.socket;
    if (!subscription || !socket?.connected) {
      // Not connected: the next connection resubscribes; the caller waits for that acknowledgement.
      if (done) this.once('connected', () => this.sync(orderId, done));
      return;
    }
    subscription.syncing = true;
    const payload = subscription.lastSeq === null ? { order_id: orderId } : { order_id: orderId, since_seq: subscription.lastSeq };
    socket.emit('subscribe', payload, (ack) => {
      if (socket !== this.socket) return; // answered on a connection that is gone; the new one resubscribes
      subscription.syncing = false;
      if (!ack.ok) {
        this.subscriptions.delete(orderId);
        this.emitReserved('subscription_error', orderId, ack.error);
        done?.(ack);
        return;
      }
      if (subscription.lastSeq === null) subscription.lastSeq = ack.order.version;
      this.emitReserved('order', ack.order);
      const pending = [...ack.missed, ...subscription.buffer].sort((a, b) => a.seq - b.seq);
      subscription.buffer = [];
      for (const update of pending) this.deliver(orderId, subscription, update);
      done?.(ack);
    });
  }

  private onUpdate(update: OrderStatusUpdate): void {
    const subscription = this.subscriptions.get(update.order_id);
    if (!subscription) {
      const last = this.feedSeqs.get(update.order_id);
      if (last !== undefined && update.seq <= last) return;
      this.feedSeqs.set(update.order_id, update.seq);
      this.emitReserved('update', update);
      return;
    }
    if (subscription.syncing || subscription.lastSeq === null) {
      subscription.buffer.push(update);
      return;
    }
    this.deliver(update.order_id, subscription, update);
  }

  private deliver(orderId: string, subscription: Subscription, update: OrderStatusUpdate): void {
    const last = subscription.lastSeq!;
    if (update.seq <= last) return; // seen already
    if (update.seq > last + 1) {
      // A gap (the server fills gaps itself; this guards the seam of a tenant feed): ask for what is missing.
      subscription.buffer.push(update);
      if (!subscription.syncing) this.sync(orderId);
      return;
    }
    subscription.lastSeq = update.seq;
    this.emitReserved('update', update);
  }
}
