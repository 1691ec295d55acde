import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { OrderEvent } from '../domain/order';
import type { Store } from '../store/store';
import { toStatusUpdate, type OrderStatusUpdate } from './events';
import { OrderStream } from './order-stream';

export interface LiveFeedOptions {
  store: Store;
  /** Publishes updates (shared with other commands). */
  publisher: Redis;
  /** A connection of its own: it enters subscriber mode. */
  subscriber: Redis;
  /** Channel prefix, so several clusters can share one Redis. */
  prefix: string;
  /** Sends an update to this node's sockets in the order's room. */
  emitLocal: (update: OrderStatusUpdate) => void;
  logger: Logger;
}

/**
 * Carries applied events between nodes: one sharded Pub/Sub channel per order, which a node subscribes to
 * only while one of its sockets watches that order. Each watched order has an {@link OrderStream} that
 * turns what arrives into a gap-free, duplicate-free sequence.
 */
export class LiveFeed {
  private readonly streams = new Map<string, { stream: OrderStream; subscribed: Promise<void> }>();
  private readonly channelPrefix: string;

  constructor(private readonly options: LiveFeedOptions) {
    this.channelPrefix = `${options.prefix}:order:`;
    options.subscriber.on('smessage', (channel: string, message: string) => {
      const entry = this.streams.get(channel.slice(this.channelPrefix.length));
      if (!entry) return;
      try {
        entry.stream.offer(JSON.parse(message) as OrderStatusUpdate);
      } catch (error) {
        options.logger.warn({ err: error, channel }, 'unreadable live update');
      }
    });
    // Whatever was published while this node was cut off from Redis is in the store: catch up from there.
    options.subscriber.on('ready', () => {
      for (const { stream } of this.streams.values()) stream.resync();
    });
  }

  /** Number of orders this node currently streams. */
  get size(): number {
    return this.streams.size;
  }

  /** Hands an event applied on this node to local watchers at once and to other nodes through Redis. */
  publish(event: OrderEvent): void {
    const update = toStatusUpdate(event);
    this.streams.get(event.order_id)?.stream.offer(update);
    this.options.publisher.spublish(this.channel(event.order_id), JSON.stringify(update)).catch((error: Error) => {
      // Other nodes find the gap on the next event, or resync when Redis is back; clients resume by seq.
      this.options.logger.warn({ err: error.message, order_id: event.order_id }, 'live update not published');
    });
  }

  /** Registers a watcher of an order; the first one subscribes this node to the order's channel. */
  async acquire(orderId: string): Promise<OrderStream> {
    let entry = this.streams.get(orderId);
    if (!entry) {
      const stream = new OrderStream(orderId, {
        loadOrder: (id) => this.options.store.loadOrder(id),
        loadEvents: (id, after, limit) => this.options.store.listEvents(id, after, limit),
        emit: this.options.emitLocal,
        onError: (error) => this.options.logger.error({ err: error, order_id: orderId }, 'live stream failed'),
      });
      const subscribing = this.options.subscriber.ssubscribe(this.channel(orderId)).then(
        () => undefined,
        (error: Error) => {
          this.options.logger.warn({ err: error.message, order_id: orderId }, 'live subscription failed');
        },
      );
      // With Redis up, watchers wait for the subscription so nothing published after their catch-up is lost;
      // with Redis down they go on: the stream resyncs from the store when the connection is back.
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

  private channel(orderId: string): string {
    return this.channelPrefix + orderId;
  }
}
