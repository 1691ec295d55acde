import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import type { TokenService } from '../auth/token-service';
import type { OrderService } from '../services/order-service';
import { CourierPushes, type CourierPushesOptions } from './courier-pushes';
import type { OrderArriving, PushCounter, SubscribeAck, UnsubscribeAck } from './events';
import { FeedPresence, type FeedPresenceOptions } from './feed-presence';
import { FeedRooms } from './feed-rooms';
import { FirstRequests } from './first-requests';
import { handshake } from './handshake';
import type { IoServer } from './io';
import { LiveFeed, type LiveFeedOptions } from './live-feed';
import { OrderWatchers } from './order-watchers';
import { evictReassigned } from './reassignment';
import type { RedisClient } from './redis';
import { RequestBudget } from './request-budget';
import { RoomNames } from './room-names';
import { beginSession, endSession, type IoSocket } from './session';
import { SocketSlots, type SocketSlotsOptions } from './socket-slots';
import { Subscriptions, type SubscriptionsOptions } from './subscriptions';
import { TokenExpiry } from './token-expiry';
import { TrackingLinks } from './tracking-links';

export interface GatewayOptions {
  /** The Socket.IO server (see createIo), attached to the node's HTTP server. */
  io: IoServer;
  tokens: Pick<TokenService, 'authenticateSession'>;
  orders: Pick<OrderService, 'get' | 'history'>;
  /** Makes a delivered order's `proof` for the `subscribe` acknowledgement (see {@link SubscriptionsOptions.proofs}). */
  proofs: SubscriptionsOptions['proofs'];
  /** See {@link SubscriptionsOptions.tenants}. */
  tenants: SubscriptionsOptions['tenants'];
  /** What live streams read to catch up and to compare with (see {@link LiveFeedOptions.store}). */
  store: LiveFeedOptions['store'];
  /** Applied events, reassignments, courier positions and loyalty bookings of this node, pushed as they come. */
  bus: EventBus;
  /** Publishing connection (fails fast while Redis is down, so local delivery never waits on it). */
  publisher: RedisClient;
  /** See {@link LiveFeedOptions.redis}. */
  redis: LiveFeedOptions['redis'];
  /** See {@link LiveFeedOptions.unpublished}. */
  unpublished: LiveFeedOptions['unpublished'];
  /** Subscriber connection for per-order live channels. */
  feedSubscriber: RedisClient;
  /** The Socket.IO adapter's subscriber connection (see createIo), on which a tenant feed's subscription is confirmed. */
  adapterSubscriber: RedisClient;
  /** Counts each room emit by its event name (`events_pushed_total{kind}`). @default not counted */
  pushed?: PushCounter;
  /** See {@link CourierPushesOptions.livePositionMs}. @default 1000 */
  livePositionMs?: number;
  /** See {@link FeedPresenceOptions.refreshMs}. @default 10000 */
  feedRefreshMs?: number;
  /** Prefix of every Redis channel, so clusters can share a Redis. */
  prefix: string;
  logger: Logger;
  /** See {@link LiveFeedOptions.checkMs}. @default 500 */
  liveCheckMs?: number;
  /**
   * Spends one request of the budget of the handshake's client address (behind trusted proxies, the one they
   * report) for calls without valid credentials (the HTTP API's `RATE_LIMIT_ANON`); false when it is spent. A
   * flood of bad handshakes is refused like a flood of 401s.
   * @default no limit
   */
  admitAnonymous?: (handshake: IncomingMessage) => Promise<boolean>;
  /**
   * Orders one socket may be subscribed to at once (API.md Limits).
   * @default 200
   */
  maxSubscriptions?: number;
  /**
   * `subscribe`/`unsubscribe` requests one socket may make per second; past it they are refused (`rate_limited`),
   * and a socket that keeps going past three times it is disconnected, so a flood never starves the node. Above
   * the subscription cap, so a dashboard can follow its whole cap in one go.
   * @default 300
   */
  requestsPerSecond?: number;
  /** Sockets one credential, and one tracking link, may hold open at once on this node (see {@link SocketSlotsOptions}). */
  socketsPer?: SocketSlotsOptions;
  now?: () => number;
}

/**
 * The Socket.IO gateway: authenticates sockets ({@link handshake}), puts them in rooms (their tenant's feed or
 * customer account, see {@link joinFeedRooms}; the orders they subscribe to, see {@link Subscriptions}) and pushes
 * applied events, courier positions and loyalty bookings. Order events reach subscribers through {@link LiveFeed}
 * (ordered, gap-free); everything else goes through the sharded Redis adapter. A socket keeps its rights only as
 * long as its token and its access hold: it is cut when the token expires ({@link TokenExpiry}), and leaves an
 * order's room as soon as the order is reassigned away from its courier ({@link evictReassigned}). Each credential
 * holds a bounded number of sockets on the node ({@link SocketSlots}).
 */
export class Gateway {
  readonly io: IoServer;
  private readonly feed: LiveFeed;
  private readonly watchers: OrderWatchers;
  private readonly subscriptions: Subscriptions;
  private readonly expiry: TokenExpiry;
  private readonly trackingLinks: TrackingLinks;
  private readonly presence: FeedPresence;
  private readonly roomNames: RoomNames;
  private readonly firstRequests: FirstRequests;
  private readonly slots: SocketSlots;
  private readonly courierPushes: CourierPushes;
  private readonly unsubscribeBus: Array<() => void>;
  // Listeners shared by every socket (Socket.IO calls them with the socket as `this`): none made per socket.
  private readonly onSubscribe: (this: IoSocket, payload: unknown, ack: (reply: SubscribeAck) => void) => void;
  private readonly onUnsubscribe: (this: IoSocket, payload: unknown, ack: (reply: UnsubscribeAck) => void) => void;
  private readonly onDisconnect: (this: IoSocket) => void;

  constructor(options: GatewayOptions) {
    const maxSubscriptions = options.maxSubscriptions ?? 200;
    const requestsPerSecond = options.requestsPerSecond ?? 300;
    if (!(maxSubscriptions >= 1)) throw new RangeError('Gateway: maxSubscriptions must be >= 1');
    if (!(requestsPerSecond >= 1)) throw new RangeError('Gateway: requestsPerSecond must be >= 1');
    const { io, logger } = options;
    const now = options.now ?? Date.now;
    this.io = io;
    this.roomNames = new RoomNames(io);
    const roomNames = this.roomNames;
    this.expiry = new TokenExpiry(now);
    const pushed = options.pushed ?? { inc: () => {} };
    this.watchers = new OrderWatchers(io, pushed);
    this.feed = new LiveFeed({
      store: options.store,
      publisher: options.publisher,
      redis: options.redis,
      unpublished: options.unpublished,
      subscriber: options.feedSubscriber,
      prefix: options.prefix,
      emitLocal: (update) => this.watchers.emitStatus(update),
      onCourierChanged: (orderId, courierId) => evictReassigned(this.watchers, this.subscriptions, orderId, courierId),
      logger,
      checkMs: options.liveCheckMs,
    });
    const subscriptions = new Subscriptions({
      orders: options.orders,
      proofs: options.proofs,
      tenants: options.tenants,
      feed: this.feed,
      expiry: this.expiry,
      roomNames,
      maxSubscriptions,
      logger,
    });
    this.subscriptions = subscriptions;
    const budget = new RequestBudget(requestsPerSecond, logger);
    const expiry = this.expiry;
    this.onSubscribe = function (payload, ack) {
      if (typeof ack !== 'function') return;
      budget.spend(this, ack, () => subscriptions.subscribe(this, payload, ack));
    };
    this.onUnsubscribe = function (payload, ack) {
      if (typeof ack !== 'function') return;
      budget.spend(this, ack, () => subscriptions.unsubscribe(this, payload, ack));
    };
    const slots = new SocketSlots(options.socketsPer);
    this.slots = slots;
    this.firstRequests = new FirstRequests(io);
    this.onDisconnect = function () {
      slots.giveBack(this);
      const session = endSession(this);
      if (!session) return;
      expiry.unwatch(this, session);
      subscriptions.end(session);
    };
    this.trackingLinks = new TrackingLinks({ io, bus: options.bus, roomNames });
    this.presence = new FeedPresence({ io, roomNames, subscriber: options.adapterSubscriber, prefix: options.prefix, refreshMs: options.feedRefreshMs });
    const feedRooms = new FeedRooms({ io, presence: this.presence, pushed, roomNames });
    io.use(handshake({ tokens: options.tokens, orders: options.orders, admitAnonymous: options.admitAnonymous, slots, logger, now }));
    // The feed rooms are joined before the socket connects: once connected, it misses nothing pushed to them.
    io.use((socket, next) => {
      const principal = socket.data.principal;
      if (!principal) return next();
      void feedRooms.join(socket, principal).then(() => next());
    });
    io.on('connection', (socket) => this.onConnection(socket));
    const courierPushes = new CourierPushes({ io, pushed, livePositionMs: options.livePositionMs });
    this.courierPushes = courierPushes;
    this.unsubscribeBus = [
      options.bus.on('applied', (applied) => {
        this.feed.publish(applied.event);
        feedRooms.pushEvent(applied);
      }),
      options.bus.on('assigned', ({ order }) => this.feed.courierChanged(order.id, order.courier_id)),
      options.bus.on('position', (position) => courierPushes.pushPosition(position)),
      options.bus.on('eta', (eta) => courierPushes.pushEtas(eta)),
      options.bus.on('loyalty', (booking) => feedRooms.pushLoyalty(booking)),
      options.bus.on('payment', (payment) => feedRooms.pushPayment(payment)),
    ];
  }

  /**
   * Whether event `seq` of an order was handed to a socket of this node watching it on the customer's behalf,
   * waiting up to `waitMs` for the event to reach this node.
   */
  handedToWatcher(orderId: string, seq: number, waitMs: number): Promise<boolean> {
    return this.feed.handedTo(orderId, seq, waitMs);
  }

  /**
   * Hands an order's arriving notice to this node's sockets watching it; whether one of them watches on the
   * customer's behalf.
   */
  handArriving(update: OrderArriving): boolean {
    return this.watchers.handArriving(update);
  }

  /** Orders this node streams to its sockets (`socket_subscriptions`). */
  get streamedOrders(): number {
    return this.feed.size;
  }

  /** Disconnects this node's sockets and stops pushing. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribeBus) unsubscribe();
    this.feed.close();
    this.expiry.close();
    this.trackingLinks.close();
    this.presence.close();
    this.courierPushes.close();
    this.roomNames.close();
    this.io.local.disconnectSockets(true);
    this.io.engine.close();
    await this.io.of('/').adapter.close();
  }

  private onConnection(socket: IoSocket): void {
    const session = beginSession(socket);
    if (!session) {
      socket.disconnect(true); // only a checked handshake gives a socket its session
      return;
    }
    if (!this.expiry.watch(socket, session)) return;
    this.firstRequests.free(socket);
    this.slots.connected(socket);
    this.trackingLinks.join(socket, session.principal);
    socket.on('subscribe', this.onSubscribe);
    socket.on('unsubscribe', this.onUnsubscribe);
    socket.on('disconnect', this.onDisconnect);
  }
}
