import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { CourierPosition } from '../actors/courier-actor';
import type { AppliedEvent, EventBus } from '../actors/event-bus';
import type { OrderService } from '../actors/order-service';
import type { TokenService } from '../auth/token-service';
import { DomainError, ValidationError } from '../domain/errors';
import { toOrderView } from '../domain/order';
import type { Store } from '../store/store';
import {
  rooms,
  toStatusUpdate,
  type ClientToServerEvents,
  type CourierLocationUpdate,
  type InterServerEvents,
  type LoyaltyUpdate,
  type ServerToClientEvents,
  type SocketData,
  type WireError,
} from './events';
import type { IoServer } from './io';
import { LiveFeed } from './live-feed';

type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface GatewayOptions {
  /** The Socket.IO server (see createIo), attached to the node's HTTP server. */
  io: IoServer;
  tokens: TokenService;
  orders: OrderService;
  store: Store;
  bus: EventBus;
  /** Publishing connection (fails fast while Redis is down, so local delivery never waits on it). */
  publisher: Redis;
  /** Subscriber connection for per-order live channels. */
  feedSubscriber: Redis;
  /** Prefix of every Redis channel, so clusters can share a Redis. */
  prefix: string;
  logger: Logger;
}

const MAX_ID_LENGTH = 200;

/**
 * The Socket.IO gateway: authenticates sockets, puts them in rooms (their tenant's feed, their customer
 * account, the orders they subscribe to) and pushes applied events, courier positions and loyalty bookings.
 * Order events reach subscribers through {@link LiveFeed} (ordered, gap-free); everything else goes through
 * the sharded Redis adapter.
 */
export class Gateway {
  readonly io: IoServer;
  private readonly feed: LiveFeed;
  private readonly unsubscribeBus: () => void;

  constructor(private readonly options: GatewayOptions) {
    this.io = options.io;
    this.feed = new LiveFeed({
      store: options.store,
      publisher: options.publisher,
      subscriber: options.feedSubscriber,
      prefix: options.prefix,
      emitLocal: (update) => this.io.local.to(rooms.order(update.order_id)).emit('order_status_update', update),
      logger: options.logger,
    });
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        () => next(new Error('unauthorized')),
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.io.on('courier_locations', (tenantId, updates) => this.deliverLocations(tenantId, updates));
    this.unsubscribeBus = options.bus.subscribe((applied) => this.onApplied(applied));
  }

  /** Pushes a courier's position to watchers of each given order and to the tenant feed. */
  pushLocation(tenantId: string, courierId: string, orderIds: readonly string[], location: CourierPosition): void {
    const updates = orderIds.map((orderId) => ({
      order_id: orderId,
      courier_id: courierId,
      lat: location.lat,
      lng: location.lng,
      heading: location.heading ?? null,
      speed: location.speed ?? null,
      at: location.at,
    }));
    // This node's sockets at once; the others through one message per ping rather than two room broadcasts
    // per order (the adapter publishes each broadcast to Redis before delivering it even locally).
    this.deliverLocations(tenantId, updates);
    this.io.serverSideEmit('courier_locations', tenantId, updates);
  }

  /** Delivers positions to this node's watchers of each order and to its tenant-feed sockets. */
  private deliverLocations(tenantId: string, updates: CourierLocationUpdate[]): void {
    for (const update of updates) {
      this.io.local.to(rooms.order(update.order_id)).emit('courier_location', update);
      this.io.local.to(rooms.tenant(tenantId)).except(rooms.order(update.order_id)).emit('courier_location', update);
    }
  }

  /** Pushes a loyalty booking to the customer's sockets. */
  pushLoyalty(tenantId: string, update: LoyaltyUpdate): void {
    this.io.to(rooms.customer(tenantId, update.customer_id)).emit('loyalty_update', update);
  }

  /** Disconnects this node's sockets and stops pushing. */
  async close(): Promise<void> {
    this.unsubscribeBus();
    this.io.local.disconnectSockets(true);
    this.io.engine.close();
    await this.io.of('/').adapter.close();
  }

  private async authenticate(socket: IoSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : undefined;
    const principal = await this.options.tokens.authenticate(token);
    if (principal.role === 'admin') throw new Error('the admin token has no tenant to watch');
    socket.data = { principal, orders: new Set() };
  }

  private onConnection(socket: IoSocket): void {
    const { principal } = socket.data;
    if (principal.role === 'business' || principal.role === 'staff') void socket.join(rooms.tenant(principal.tenantId));
    if (principal.role === 'customer') void socket.join(rooms.customer(principal.tenantId, principal.subject));

    socket.on('subscribe', (payload, ack) => {
      if (typeof ack !== 'function') return;
      this.subscribe(socket, payload).then(ack, (error: unknown) => ack({ ok: false, error: this.toWire(error) }));
    });
    socket.on('unsubscribe', (payload, ack) => {
      if (typeof ack !== 'function') return;
      const orderId = (payload as { order_id?: unknown } | undefined)?.order_id;
      if (typeof orderId !== 'string') {
        ack({ ok: false, error: { code: 'validation_failed', message: 'order_id must be a string' } });
        return;
      }
      if (socket.data.orders.delete(orderId)) {
        void socket.leave(rooms.order(orderId));
        this.feed.release(orderId);
      }
      ack({ ok: true });
    });
    socket.on('disconnect', () => {
      for (const orderId of socket.data.orders) this.feed.release(orderId);
      socket.data.orders.clear();
    });
  }

  private async subscribe(socket: IoSocket, payload: unknown) {
    const { orderId, sinceSeq } = parseSubscribe(payload);
    const order = await this.options.orders.get(socket.data.principal, orderId);
    const stream = await this.feed.acquire(order.id);
    // Checked after the await: two subscribes of one socket may be acquiring at once; one registration stays.
    if (socket.data.orders.has(order.id)) this.feed.release(order.id);
    else socket.data.orders.add(order.id);
    if (!socket.connected) {
      // Disconnected while subscribing: the disconnect handler may have run before the add above.
      if (socket.data.orders.delete(order.id)) this.feed.release(order.id);
      return { ok: false as const, error: { code: 'unavailable', message: 'socket disconnected' } };
    }
    let reply: { ok: true; order: ReturnType<typeof toOrderView>; missed: ReturnType<typeof toStatusUpdate>[] } | undefined;
    await stream.join(sinceSeq, (current, missed) => {
      void socket.join(rooms.order(order.id));
      reply = { ok: true, order: toOrderView(current), missed };
    });
    return reply!;
  }

  private onApplied({ event, order }: AppliedEvent): void {
    this.feed.publish(event);
    this.io
      .to(rooms.tenant(order.tenant_id))
      .except(rooms.order(order.id))
      .emit('order_status_update', toStatusUpdate(event));
  }

  private toWire(error: unknown): WireError {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    this.options.logger.error({ err: error }, 'socket request failed');
    return { code: 'internal', message: 'internal error' };
  }
}

function parseSubscribe(payload: unknown): { orderId: string; sinceSeq: number | undefined } {
  const body = (payload ?? {}) as { order_id?: unknown; since_seq?: unknown };
  const issues = [];
  if (typeof body.order_id !== 'string' || body.order_id.length === 0 || body.order_id.length > MAX_ID_LENGTH) {
    issues.push({ path: 'order_id', message: 'must be a non-empty string' });
  }
  if (body.since_seq !== undefined && !(Number.isInteger(body.since_seq) && (body.since_seq as number) >= 0)) {
    issues.push({ path: 'since_seq', message: 'must be a non-negative integer' });
  }
  if (issues.length > 0) throw new ValidationError('the subscribe payload is not valid', issues);
  return { orderId: body.order_id as string, sinceSeq: body.since_seq as number | undefined };
}
