import type { RedisClient } from './redis';
import type { Logger } from 'pino';
import type { DependencyWatch } from '../dependency-state';
import type { OrderEvent } from '../domain/order';
import type { OrderLog } from '../store/orders/port';
import { toStatusUpdate, type OrderStatusUpdate } from './events';
import { OrderStream } from './order-stream';

/** What travels on an order's channel between nodes. */
type FeedMessage =
  | { kind: 'event'; update: OrderStatusUpdate }
  /** The order changed hands: watchers who may no longer read it must go. */
  | { kind: 'courier'; courier_id: string | null };

export interface LiveFeedOptions {
  /** Orders and their events, to catch streams up; their heads, to compare the streams with. */
  store: { orders: Pick<OrderLog, 'loadOrder' | 'listEvents' | 'orderHeads'> };
  /** Publishes updates (shared with other commands). */
  publisher: RedisClient;
  /**
   * Redis's state on this node: a publish that fails during an outage is counted as held by it (the outage's two
   * lines report it) instead of being logged one by one.
   */
  redis: DependencyWatch;
  /** Counts every publish that failed (`live_updates_unpublished_total`). */
  unpublished: { inc(): void };
  /** A connection of its own: it enters subscriber mode. */
  subscriber: RedisClient;
  /** Channel prefix, so several clusters can share one Redis. */
  prefix: string;
  /** Sends an update to this node's sockets in the order's room; see {@link StreamHost.emit}. */
  emitLocal: (update: OrderStatusUpdate) => boolean;
  /** See {@link StreamHost.onCourierChanged}. */
  onCourierChanged: (orderId: string, courierId: string | null) => void;
  logger: Logger;
  /**
   * How often the watched orders are compared with the store (one query for all of them). An event that no
   * publish carried here reaches its watchers within about two of these.
   * @default 500
   */
  checkMs?: number;
}

// Orders compared with the store per query.
const HEADS_PER_QUERY = 1000;

/**
 * Carries applied events between nodes: one sharded Pub/Sub channel per order, which a node subscribes to
 * only while one of its sockets watches that order. Each watched order has an {@link OrderStream} that
 * turns what arrives into a gap-free, duplicate-free sequence. Redis is the fast path, not the truth: the
 * watched orders are compared with the store on a timer, so an event that a publish failed to carry (Redis
 * error, a node dying after its commit, a reconnect) still reaches every watcher, in order and once.
 */
export class LiveFeed {
  private readonly streams = new Map<string, { stream: OrderStream; subscribed: Promise<void> }>();
  private readonly channelPrefix: string;
  private readonly timer: NodeJS.Timeout;
  private checking = false;

  constructor(private readonly options: LiveFeedOptions) {
    this.channelPrefix = `${options.prefix}:order:`;
    options.subscriber.on('smessage', (channel: string, text: string) => {
      const entry = this.streams.get(channel.slice(this.channelPrefix.length));
      if (!entry) return;
      try {
        const message = JSON.parse(text) as FeedMessage;
        if (message.kind === 'event') entry.stream.offer(message.update);
        else entry.stream.courierChanged(message.courier_id);
      } catch (error) {
        options.logger.warn({ err: error, channel }, 'unreadable live update');
      }
    });
    // ioredis announces `ready` before it has re-sent the subscriptions: subscribe again (a no-op for Redis when
    // already subscribed) and catch up from the store once that is confirmed, so nothing falls in between.
    options.subscriber.on('ready', () => void this.resubscribe());
    this.timer = setInterval(() => void this.check(), options.checkMs ?? 500);
    this.timer.unref();
  }

  /** Number of orders this node currently streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Hands an event applied on this node to local watchers at once and to other nodes through Redis. */
  publish(event: OrderEvent): void {
    const update = toStatusUpdate(event);
    this.streams.get(event.order_id)?.stream.offer(update);
    this.send(event.order_id, { kind: 'event', update });
  }

  /** An order applied on this node changed hands: local watchers are checked at once, other nodes are told. */
  courierChanged(orderId: string, courierId: string | null): void {
    this.streams.get(orderId)?.stream.courierChanged(courierId);
    this.send(orderId, { kind: 'courier', courier_id: courierId });
  }

  /** Registers a watcher of an order; the first one subscribes this node to the order's channel. */
  async acquire(orderId: string): Promise<OrderStream> {
    let entry = this.streams.get(orderId);
    if (!entry) {
      const stream = new OrderStream(orderId, {
        loadOrder: (id) => this.options.store.orders.loadOrder(id),
        loadEvents: (id, after, limit) => this.options.store.orders.listEvents(id, after, limit),
        emit: this.options.emitLocal,
        onCourierChanged: this.options.onCourierChanged,
        onError: (error) => this.options.logger.error({ err: error, order_id: orderId }, 'live stream failed'),
      });
      const subscribing = this.options.subscriber.ssubscribe(this.channel(orderId)).then(
        () => undefined,
        (error: Error) => {
          this.options.logger.warn({ err: error, order_id: orderId }, 'live subscription failed');
        },
      );
      // With Redis up, watchers wait for the subscription so nothing published after their catch-up is lost;
      // with Redis down they go on: the store comparison delivers what Redis cannot.
      entry = { stream, subscribed: this.options.subscriber.status === 'ready' ? subscribing : Promise.resolve() };
      this.streams.set(orderId, entry);
    }
    entry.stream.members++;
    await entry.subscribed;
    return entry.stream;
  }

  /** Unregisters a watcher; the last one unsubscribes the node from the order's channel. */
  release(orderId: string): void {
    const entry = this.streams.get(orderId);
    if (!entry || --entry.stream.members > 0) return;
    this.streams.delete(orderId);
    this.options.subscriber.sunsubscribe(this.channel(orderId)).catch(() => {
      // Dropped with the connection anyway; a later subscribe starts afresh.
    });
  }

  /**
   * Whether event `seq` of an order was handed to a customer-side watcher on this node (waiting up to `waitMs`
   * for it to arrive here). False when nobody here watches the order.
   */
  handedTo(orderId: string, seq: number, waitMs: number): Promise<boolean> {
    const entry = this.streams.get(orderId);
    return entry ? entry.stream.handedTo(seq, waitMs) : Promise.resolve(false);
  }

  /** Stops comparing with the store. */
  close(): void {
    clearInterval(this.timer);
  }

  /** Compares every started stream with the store (see {@link OrderStream.observe}). */
  async check(): Promise<void> {
    if (this.checking) return; // a slow store: the next tick starts after this one ends
    this.checking = true;
    try {
      const ids = [...this.streams].filter(([, entry]) => entry.stream.started).map(([id]) => id);
      for (let from = 0; from < ids.length; from += HEADS_PER_QUERY) {
        for (const head of await this.options.store.orders.orderHeads(ids.slice(from, from + HEADS_PER_QUERY))) {
          this.streams.get(head.id)?.stream.observe(head);
        }
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, 'live streams could not be compared with the store');
    } finally {
      this.checking = false;
    }
  }

  private async resubscribe(): Promise<void> {
    const entries = [...this.streams];
    try {
      await Promise.all(entries.map(([orderId]) => this.options.subscriber.ssubscribe(this.channel(orderId))));
    } catch (error) {
      // The connection dropped again; its next `ready` comes back here.
      this.options.logger.warn({ err: error }, 'live subscriptions not restored yet');
      return;
    }
    for (const [, { stream }] of entries) stream.resync();
  }

  private send(orderId: string, message: FeedMessage): void {
    this.options.publisher.spublish(this.channel(orderId), JSON.stringify(message)).catch((error: Error) => {
      // Other nodes get it from the store within a couple of checks; clients resume by seq. During an outage every
      // applied event fails here: counted, and said once when Redis is back.
      this.options.unpublished.inc();
      if (!this.options.redis.held('live_updates')) {
        this.options.logger.warn({ err: error, order_id: orderId }, 'live update not published');
      }
    });
  }

  private channel(orderId: string): string {
    return this.channelPrefix + orderId;
  }
}
