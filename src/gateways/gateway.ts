import type { RedisClient } from './redis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Socket } from 'socket.io';
import type { AppliedEvent, AssignedEvent, EtaEvent, EventBus, LoyaltyEvent, PositionEvent } from '../actors/event-bus';
import type { TokenService } from '../auth/token-service';
import { DomainError, RateLimitedError, UnauthorizedError, ValidationError } from '../domain/errors';
import { toOrderView } from '../domain/order';
import { canReadOrder, type TenantPrincipal } from '../domain/principal';
import type { OrderService } from '../services/order-service';
import {
  rooms,
  toStatusUpdate,
  type ClientToServerEvents,
  type CourierLocationUpdate,
  type EtaUpdate,
  type InterServerEvents,
  type OrderArriving,
  type LoyaltyUpdate,
  type OrderStatusUpdate,
  type ServerToClientEvents,
  type SocketData,
  type SubscribeAck,
  type UnsubscribeAck,
  type WireError,
} from './events';
import type { IoServer } from './io';
import { ExpirySchedule } from './expiry-schedule';
import { LiveFeed, type LiveFeedOptions } from './live-feed';

type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface GatewayOptions {
  /** The Socket.IO server (see createIo), attached to the node's HTTP server. */
  io: IoServer;
  tokens: Pick<TokenService, 'authenticateSession'>;
  orders: Pick<OrderService, 'get'>;
  /** What live streams read to catch up and to compare with (see {@link LiveFeedOptions.store}). */
  store: LiveFeedOptions['store'];
  /** Applied events, reassignments, courier positions and loyalty bookings of this node, pushed as they come. */
  bus: EventBus;
  /** Publishing connection (fails fast while Redis is down, so local delivery never waits on it). */
  publisher: RedisClient;
  /** Subscriber connection for per-order live channels. */
  feedSubscriber: RedisClient;
  /** Prefix of every Redis channel, so clusters can share a Redis. */
  prefix: string;
  logger: Logger;
  /** See {@link LiveFeedOptions.checkMs}. @default 500 */
  liveCheckMs?: number;
  /**
   * Spends one request of a client address's budget for calls without valid credentials (the HTTP API's
   * `RATE_LIMIT_ANON`); false when it is spent. A flood of bad handshakes is refused like a flood of 401s.
   * @default no limit
   */
  admitAnonymous?: (address: string) => Promise<boolean>;
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
  now?: () => number;
}

const MAX_ID_LENGTH = 200;

/** A connected socket's state on this node: the socket's own `data` (no second map of sockets beside Socket.IO's). */
interface Session extends SocketData {
  /** Orders subscribed (`joined`) or being subscribed (`joining`). */
  orders: Map<string, 'joining' | 'joined'>;
  /**
   * Per order, the tail of this socket's subscribe/unsubscribe requests, run one after another as sent; made on
   * the first request (a node holds many sockets that never make one).
   */
  queues: Map<string, Promise<void>> | null;
  /** From the connection until the socket is gone. */
  open: boolean;
}

/**
 * The Socket.IO gateway: authenticates sockets, puts them in rooms (their tenant's feed, their customer
 * account, the orders they subscribe to) and pushes applied events, courier positions and loyalty bookings.
 * Order events reach subscribers through {@link LiveFeed} (ordered, gap-free); everything else goes through
 * the sharded Redis adapter. A socket keeps its rights only as long as its token and its access hold: it is cut
 * when the token expires, and leaves an order's room as soon as the order is reassigned away from its courier.
 */
export class Gateway {
  readonly io: IoServer;
  private readonly feed: LiveFeed;
  private readonly unsubscribeBus: Array<() => void>;
  private readonly maxSubscriptions: number;
  private readonly limiter: RateLimiterMemory;
  private readonly requestsPerSecond: number;
  private readonly now: () => number;
  /** The sockets' token expiries: one timer for the node, not one per socket. */
  private readonly expiries: ExpirySchedule<IoSocket>;
  // Listeners shared by every socket (Socket.IO calls them with the socket as `this`): none made per socket.
  private readonly onSubscribe: (this: IoSocket, payload: unknown, ack: (reply: SubscribeAck) => void) => void;
  private readonly onUnsubscribe: (this: IoSocket, payload: unknown, ack: (reply: UnsubscribeAck) => void) => void;
  private readonly onDisconnect: (this: IoSocket) => void;

  constructor(private readonly options: GatewayOptions) {
    this.io = options.io;
    this.maxSubscriptions = options.maxSubscriptions ?? 200;
    this.requestsPerSecond = options.requestsPerSecond ?? 300;
    if (!(this.maxSubscriptions >= 1)) throw new RangeError('Gateway: maxSubscriptions must be >= 1');
    if (!(this.requestsPerSecond >= 1)) throw new RangeError('Gateway: requestsPerSecond must be >= 1');
    this.limiter = new RateLimiterMemory({ points: this.requestsPerSecond, duration: 1 });
    this.now = options.now ?? Date.now;
    this.expiries = new ExpirySchedule((socket) => socket.disconnect(true), this.now);
    const gateway = this;
    this.onSubscribe = function (payload, ack) {
      if (typeof ack !== 'function') return;
      gateway.requestAdmitted(this, ack, () =>
        gateway.request(this, payload, (orderId, since) => gateway.subscribe(this, orderId, since, ack), ack),
      );
    };
    this.onUnsubscribe = function (payload, ack) {
      if (typeof ack !== 'function') return;
      gateway.requestAdmitted(this, ack, () => gateway.request(this, payload, (orderId) => gateway.unsubscribe(this, orderId, ack), ack));
    };
    this.onDisconnect = function () {
      gateway.endSession(this);
    };
    this.feed = new LiveFeed({
      store: options.store,
      publisher: options.publisher,
      subscriber: options.feedSubscriber,
      prefix: options.prefix,
      emitLocal: (update) => this.emitToRoom(update),
      onCourierChanged: (orderId, courierId) => this.dropLostAccess(orderId, courierId),
      logger: options.logger,
      checkMs: options.liveCheckMs,
    });
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof UnauthorizedError || error instanceof RateLimitedError)) {
            options.logger.warn({ err: error }, 'socket handshake could not be checked');
          }
          next(handshakeError(error));
        },
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.io.on('courier_locations', (tenantId, updates) => this.deliverLocations(tenantId, updates));
    this.io.on('eta_updates', (tenantId, updates) => this.deliverEtas(tenantId, updates));
    this.unsubscribeBus = [
      options.bus.on('applied', (applied) => this.onApplied(applied)),
      options.bus.on('assigned', (assigned) => this.onAssigned(assigned)),
      options.bus.on('position', (position) => this.pushPosition(position)),
      options.bus.on('eta', (eta) => this.pushEtas(eta)),
      options.bus.on('loyalty', (booking) => this.pushLoyalty(booking)),
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
    const room = rooms.order(update.order_id);
    const members = this.io.of('/').adapter.rooms.get(room);
    if (!members || members.size === 0) return false;
    this.io.local.to(room).emit('order_arriving', update);
    return [...members].some((socketId) => {
      const session = this.sessionById(socketId);
      return session !== undefined && watchesForCustomer(session.principal);
    });
  }

  /** Disconnects this node's sockets and stops pushing. */
  async close(): Promise<void> {
    for (const unsubscribe of this.unsubscribeBus) unsubscribe();
    this.feed.close();
    this.expiries.close();
    this.io.local.disconnectSockets(true);
    this.io.engine.close();
    await this.io.of('/').adapter.close();
  }

  private async authenticate(socket: IoSocket): Promise<void> {
    const auth = socket.handshake.auth as { token?: unknown } | undefined;
    const token = typeof auth?.token === 'string' ? auth.token : undefined;
    let credential: Awaited<ReturnType<TokenService['authenticateSession']>>;
    try {
      credential = await this.options.tokens.authenticateSession(token);
    } catch (error) {
      if (error instanceof UnauthorizedError && !(await (this.options.admitAnonymous?.(socket.handshake.address) ?? true))) {
        throw new RateLimitedError(1);
      }
      throw error;
    }
    const { principal, expiresAt } = credential;
    if (principal.role === 'admin') throw new UnauthorizedError('the admin token has no tenant to watch');
    if (expiresAt !== null && expiresAt <= this.now()) throw new UnauthorizedError();
    // The credential is checked: the socket keeps what it grants, not the token itself.
    delete (auth as { token?: unknown }).token;
    const session: Session = { principal, expiresAt, orders: new Map(), queues: null, open: false };
    socket.data = session;
  }

  /** The socket's session while it is open. */
  private sessionOf(socket: IoSocket): Session | undefined {
    const session = socket.data as Session;
    return session.open ? session : undefined;
  }

  /** The session of this node's socket `socketId` while it is open. */
  private sessionById(socketId: string): Session | undefined {
    const socket = this.io.of('/').sockets.get(socketId);
    return socket ? this.sessionOf(socket) : undefined;
  }

  private onConnection(socket: IoSocket): void {
    const session = socket.data as Session;
    const { principal, expiresAt } = session;
    // The session begins here, not in the handshake: a handshake that never becomes a connection leaves nothing.
    session.open = true;
    if (expiresAt !== null) {
      if (expiresAt <= this.now()) {
        socket.disconnect(true);
        return;
      }
      this.expiries.add(socket, expiresAt);
    }
    if (principal.role === 'business' || principal.role === 'staff') void socket.join(rooms.tenant(principal.tenantId));
    if (principal.role === 'customer') void socket.join(rooms.customer(principal.tenantId, principal.subject));
    socket.on('subscribe', this.onSubscribe);
    socket.on('unsubscribe', this.onUnsubscribe);
    socket.on('disconnect', this.onDisconnect);
  }

  /** Runs `go` once the request is within the socket's budget; otherwise acknowledges the refusal. */
  private requestAdmitted(socket: IoSocket, ack: (reply: { ok: false; error: WireError }) => void, go: () => void): void {
    this.admit(socket).then(
      (refusal) => (refusal ? ack({ ok: false, error: refusal }) : go()),
      (error: unknown) => ack({ ok: false, error: this.toWire(error) }),
    );
  }

  /** Spends one request of the socket's budget; a refusal says why. A socket far past its budget is cut. */
  private async admit(socket: IoSocket): Promise<WireError | null> {
    try {
      await this.limiter.consume(socket.id);
      return null;
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      if (rejection.consumedPoints > 3 * this.requestsPerSecond) socket.disconnect(true);
      return { code: 'rate_limited', message: `at most ${this.requestsPerSecond} subscription requests per second` };
    }
  }

  /**
   * Validates a request and queues it behind the socket's earlier requests for the same order, so an
   * `unsubscribe` sent while its `subscribe` is in flight applies after it (and the socket ends up out).
   */
  private request(
    socket: IoSocket,
    payload: unknown,
    run: (orderId: string, sinceSeq: number | undefined) => Promise<void>,
    ack: (reply: { ok: false; error: WireError }) => void,
  ): void {
    const session = this.sessionOf(socket);
    let parsed: { orderId: string; sinceSeq: number | undefined };
    try {
      if (!session) throw new UnauthorizedError();
      parsed = parseRequest(payload);
    } catch (error) {
      ack({ ok: false, error: this.toWire(error) });
      return;
    }
    const { orderId, sinceSeq } = parsed;
    const queues = (session.queues ??= new Map());
    const previous = queues.get(orderId) ?? Promise.resolve();
    const next = previous.then(() =>
      run(orderId, sinceSeq).catch((error: unknown) => ack({ ok: false, error: this.toWire(error) })),
    );
    queues.set(orderId, next);
    void next.then(() => {
      if (queues.get(orderId) !== next) return;
      queues.delete(orderId);
      if (queues.size === 0 && session.queues === queues) session.queues = null;
    });
  }

  private async subscribe(
    socket: IoSocket,
    orderId: string,
    sinceSeq: number | undefined,
    ack: (reply: SubscribeAck) => void,
  ): Promise<void> {
    const session = this.sessionOf(socket);
    if (!session || !socket.connected) {
      ack({ ok: false, error: { code: 'unavailable', message: 'socket disconnected' } });
      return;
    }
    if (session.expiresAt !== null && session.expiresAt <= this.now()) {
      // The expiry timer is due (a busy loop delays timers): the token no longer grants anything.
      socket.disconnect(true);
      return;
    }
    const already = session.orders.has(orderId);
    if (!already) {
      if (session.orders.size >= this.maxSubscriptions) {
        ack({
          ok: false,
          error: { code: 'too_many_subscriptions', message: `a socket may follow at most ${this.maxSubscriptions} orders` },
        });
        return;
      }
      session.orders.set(orderId, 'joining'); // holds its place under the cap while the order is looked up
    }
    let acquired = false;
    try {
      const order = await this.options.orders.get(session.principal, orderId);
      const stream = await this.feed.acquire(order.id);
      acquired = true;
      // A resubscription (to resume with since_seq) keeps the one registration it has.
      if (already) this.feed.release(order.id);
      await stream.join(sinceSeq, (current, missed) => {
        // Runs synchronously between two deliveries of the stream: joining the room and acknowledging here means
        // the acknowledgement is written before any later event, and nothing falls between the two.
        if (!socket.connected || !this.sessionOf(socket)) {
          this.forget(session, orderId);
          ack({ ok: false, error: { code: 'unavailable', message: 'socket disconnected' } });
          return;
        }
        if (!canReadOrder(session.principal, current)) {
          // Reassigned away from this courier while the subscribe was on its way.
          void socket.leave(rooms.order(order.id));
          this.forget(session, orderId);
          ack({ ok: false, error: { code: 'not_found', message: 'order not found' } });
          return;
        }
        void socket.join(rooms.order(order.id));
        session.orders.set(orderId, 'joined');
        if (watchesForCustomer(session.principal)) stream.markHanded([...missed.map((update) => update.seq), current.version]);
        ack({ ok: true, order: toOrderView(current), missed });
      });
    } catch (error) {
      // A refused subscribe leaves the socket unsubscribed, also when it was one before (access lost meanwhile).
      if (already || acquired) {
        void socket.leave(rooms.order(orderId));
        this.forget(session, orderId);
      } else {
        session.orders.delete(orderId);
      }
      throw error;
    }
  }

  private async unsubscribe(socket: IoSocket, orderId: string, ack: (reply: UnsubscribeAck) => void): Promise<void> {
    const session = this.sessionOf(socket);
    if (session?.orders.has(orderId)) {
      void socket.leave(rooms.order(orderId));
      this.forget(session, orderId);
    }
    ack({ ok: true });
  }

  /** Drops one subscription of a session and its share of the order's stream. */
  private forget(session: Session, orderId: string): void {
    if (session.orders.delete(orderId)) this.feed.release(orderId);
  }

  private endSession(socket: IoSocket): void {
    const session = this.sessionOf(socket);
    if (!session) return;
    session.open = false;
    if (session.expiresAt !== null) this.expiries.remove(socket, session.expiresAt);
    // Subscriptions still joining release themselves when they find the session gone.
    for (const [orderId, state] of session.orders) {
      if (state !== 'joined') continue;
      session.orders.delete(orderId);
      this.feed.release(orderId);
    }
  }

  /**
   * An order changed hands: this node's courier sockets that no longer carry it leave its room at once (they
   * would get its events and its courier's positions otherwise).
   */
  private dropLostAccess(orderId: string, courierId: string | null): void {
    const members = this.io.of('/').adapter.rooms.get(rooms.order(orderId));
    for (const socketId of members ?? []) {
      const session = this.sessionById(socketId);
      if (session?.principal.role !== 'courier' || session.principal.subject === courierId) continue;
      const socket = this.io.of('/').sockets.get(socketId);
      if (!socket) continue;
      void socket.leave(rooms.order(orderId)); // at once: not even the next event or position
      this.request(socket, { order_id: orderId }, (id) => this.unsubscribe(socket, id, () => {}), () => {});
    }
  }

  /** Emits to the order's room here; answers whether a customer-side watcher was in it. */
  private emitToRoom(update: OrderStatusUpdate): boolean {
    const room = rooms.order(update.order_id);
    this.io.local.to(room).emit('order_status_update', update);
    for (const socketId of this.io.of('/').adapter.rooms.get(room) ?? []) {
      const session = this.sessionById(socketId);
      if (session && watchesForCustomer(session.principal)) return true;
    }
    return false;
  }

  /** Delivers positions to this node's watchers of each order and to its tenant-feed sockets. */
  private deliverLocations(tenantId: string, updates: CourierLocationUpdate[]): void {
    for (const update of updates) {
      this.io.local.to(rooms.order(update.order_id)).emit('courier_location', update);
      this.io.local.to(rooms.tenant(tenantId)).except(rooms.order(update.order_id)).emit('courier_location', update);
    }
  }

  /** Pushes a courier's position to watchers of each of its orders on the way and to the tenant feed. */
  private pushPosition({ tenantId, courierId, orderIds, position }: PositionEvent): void {
    const updates = orderIds.map((orderId) => ({
      order_id: orderId,
      courier_id: courierId,
      lat: position.lat,
      lng: position.lng,
      heading: position.heading ?? null,
      speed: position.speed ?? null,
      at: position.at,
    }));
    // This node's sockets at once; the others through one message per ping rather than two room broadcasts
    // per order (the adapter publishes each broadcast to Redis before delivering it even locally).
    this.deliverLocations(tenantId, updates);
    this.io.serverSideEmit('courier_locations', tenantId, updates);
  }

  /** Delivers ETAs to this node's watchers of each order and to its tenant-feed sockets, like positions. */
  private deliverEtas(tenantId: string, updates: EtaUpdate[]): void {
    for (const update of updates) {
      this.io.local.to(rooms.order(update.order_id)).emit('eta_update', update);
      this.io.local.to(rooms.tenant(tenantId)).except(rooms.order(update.order_id)).emit('eta_update', update);
    }
  }

  /** Pushes new ETAs wherever the courier's positions go: this node's sockets now, the others in one message. */
  private pushEtas({ tenantId, etas }: EtaEvent): void {
    const updates = etas.map(({ orderId, eta }) => ({ order_id: orderId, eta }));
    this.deliverEtas(tenantId, updates);
    this.io.serverSideEmit('eta_updates', tenantId, updates);
  }

  /** Pushes a loyalty booking to the customer's sockets on every node. */
  private pushLoyalty({ tenantId, entry, balance }: LoyaltyEvent): void {
    const update: LoyaltyUpdate = {
      customer_id: entry.customer_id,
      balance,
      delta: entry.delta,
      reason: entry.reason,
      order_id: entry.order_id,
    };
    this.io.to(rooms.customer(tenantId, entry.customer_id)).emit('loyalty_update', update);
  }

  private onApplied({ event, order }: AppliedEvent): void {
    this.feed.publish(event);
    this.io
      .to(rooms.tenant(order.tenant_id))
      .except(rooms.order(order.id))
      .emit('order_status_update', toStatusUpdate(event));
  }

  private onAssigned({ order }: AssignedEvent): void {
    this.feed.courierChanged(order.id, order.courier_id);
  }

  private toWire(error: unknown): WireError {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    this.options.logger.error({ err: error }, 'socket request failed');
    return { code: 'internal', message: 'internal error' };
  }
}

/** Sockets that watch an order on its customer's behalf: the customer's own, and the order's tracking link. */
function watchesForCustomer(principal: TenantPrincipal): boolean {
  return principal.role === 'customer' || principal.role === 'tracker';
}

/**
 * API.md: a bad or expired token is `unauthorized`; anything else (the store unreachable while an API key is
 * checked) is not the client's fault, and says so, so the client retries rather than giving up.
 */
function handshakeError(error: unknown): Error & { data?: unknown } {
  if (error instanceof UnauthorizedError) return new Error('unauthorized');
  if (error instanceof RateLimitedError) {
    const limited: Error & { data?: unknown } = new Error('rate_limited');
    limited.data = { code: 'rate_limited', message: error.message, retry_after: error.retryAfterSeconds };
    return limited;
  }
  const unavailable: Error & { data?: unknown } = new Error('unavailable');
  unavailable.data = { code: 'unavailable', message: 'the server cannot check credentials right now; retry shortly' };
  return unavailable;
}

function parseRequest(payload: unknown): { orderId: string; sinceSeq: number | undefined } {
  const body = (payload ?? {}) as { order_id?: unknown; since_seq?: unknown };
  const issues = [];
  if (typeof body.order_id !== 'string' || body.order_id.length === 0 || body.order_id.length > MAX_ID_LENGTH) {
    issues.push({ path: 'order_id', message: 'must be a non-empty string' });
  }
  if (body.since_seq !== undefined && !(Number.isInteger(body.since_seq) && (body.since_seq as number) >= 0)) {
    issues.push({ path: 'since_seq', message: 'must be a non-negative integer' });
  }
  if (issues.length > 0) throw new ValidationError('the request payload is not valid', issues);
  return { orderId: body.order_id as string, sinceSeq: body.since_seq as number | undefined };
}
