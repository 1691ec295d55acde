import type { Logger } from 'pino';
import { NotFoundError, UnauthorizedError } from '../domain/errors';
import { toOrderView, type Order } from '../domain/order';
import { canReadOrder, type TenantPrincipal } from '../domain/principal';
import { customerOrderView, toTrackingView } from '../domain/tracking-view';
import type { ProofView } from '../domain/proof';
import type { Locale } from '../domain/tenant-settings';
import type { AttachmentService } from '../services/attachment-service';
import type { OrderService } from '../services/order-service';
import type { TenantService } from '../services/tenant-service';
import { ackError, type RefuseAck } from './ack-error';
import { rooms, type SubscribeAck, type SubscribedOrder, type UnsubscribeAck } from './events';
import type { LiveFeed } from './live-feed';
import { parseOrderRequest } from './request-payloads';
import { sessionOf, watchesForCustomer, type IoSocket, type Session } from './session';
import type { RoomNames } from './room-names';
import type { TokenExpiry } from './token-expiry';

export interface SubscriptionsOptions {
  /** The order, and its history once it is delivered (its proof of delivery is read from it). */
  orders: Pick<OrderService, 'get' | 'history'>;
  /** The order's `proof` from its history, links signed at the subscribe (they work an hour, like an HTTP read's). */
  proofs: Pick<AttachmentService, 'proofOf'>;
  /** The tenant's `default_locale`, which a tracking link's view carries (API.md "Tracking links"). */
  tenants: Pick<TenantService, 'settings'>;
  /** The orders' live streams: a subscription holds a share of its order's. */
  feed: Pick<LiveFeed, 'acquire' | 'release'>;
  expiry: Pick<TokenExpiry, 'isOver'>;
  /** Joins a socket to its order's room under the room's one shared name. */
  roomNames: Pick<RoomNames, 'join'>;
  /** Orders one socket may be subscribed to at once (API.md Limits); at least 1, checked with the gateway's options. */
  maxSubscriptions: number;
  logger: Logger;
}

/**
 * The orders a socket follows: `subscribe` checks the socket may read the order and joins its room at an exact
 * seq (the acknowledgement carries what was missed, the room everything after); `unsubscribe` leaves it. A
 * socket's requests for one order run one after another, as sent.
 */
export class Subscriptions {
  constructor(private readonly options: SubscriptionsOptions) {}

  /** A `subscribe` request: validated, then run after the socket's earlier requests for the same order. */
  subscribe(socket: IoSocket, payload: unknown, ack: (reply: SubscribeAck) => void): void {
    this.request(socket, payload, ack, (orderId, sinceSeq) => this.join(socket, orderId, sinceSeq, ack));
  }

  /** An `unsubscribe` request, queued like {@link subscribe}. */
  unsubscribe(socket: IoSocket, payload: unknown, ack: (reply: UnsubscribeAck) => void): void {
    this.request(socket, payload, ack, (orderId) => this.leave(socket, orderId, ack));
  }

  /**
   * The socket may no longer read the order: it leaves the room at once (not even the next event reaches it), and
   * the subscription goes in its turn, after a `subscribe` still in flight (which then finds access gone).
   */
  evict(socket: IoSocket, orderId: string): void {
    void socket.leave(rooms.order(orderId));
    const session = sessionOf(socket);
    if (session) this.enqueue(session, orderId, () => this.leave(socket, orderId, () => {}), () => {});
  }

  /** The socket is gone: its subscriptions give back their share of the streams. */
  end(session: Session): void {
    // Subscriptions still joining release themselves when they find the session gone.
    if (!session.orders) return;
    for (const [orderId, state] of session.orders) {
      if (state !== 'joined') continue;
      session.orders.delete(orderId);
      this.options.feed.release(orderId);
    }
  }

  private request(
    socket: IoSocket,
    payload: unknown,
    ack: RefuseAck,
    run: (orderId: string, sinceSeq: number | undefined) => Promise<void>,
  ): void {
    const session = sessionOf(socket);
    let orderId: string;
    let sinceSeq: number | undefined;
    try {
      if (!session) throw new UnauthorizedError();
      ({ orderId, sinceSeq } = parseOrderRequest(payload));
    } catch (error) {
      ack({ ok: false, error: ackError(error, this.options.logger) });
      return;
    }
    this.enqueue(session, orderId, () => run(orderId, sinceSeq), ack);
  }

  /**
   * Runs `run` after the session's earlier requests for the same order, so an `unsubscribe` sent while its
   * `subscribe` is in flight applies after it (and the socket ends up out).
   */
  private enqueue(session: Session, orderId: string, run: () => Promise<void>, ack: RefuseAck): void {
    const queues = (session.queues ??= new Map());
    const previous = queues.get(orderId) ?? Promise.resolve();
    const next = previous.then(() =>
      run().catch((error: unknown) => ack({ ok: false, error: ackError(error, this.options.logger) })),
    );
    queues.set(orderId, next);
    void next.then(() => {
      if (queues.get(orderId) !== next) return;
      queues.delete(orderId);
      if (queues.size === 0 && session.queues === queues) session.queues = null;
    });
  }

  private async join(
    socket: IoSocket,
    orderId: string,
    sinceSeq: number | undefined,
    ack: (reply: SubscribeAck) => void,
  ): Promise<void> {
    const { feed, maxSubscriptions } = this.options;
    const session = sessionOf(socket);
    if (!session || !socket.connected) {
      ack({ ok: false, error: { code: 'unavailable', message: 'socket disconnected' } });
      return;
    }
    if (this.options.expiry.isOver(session)) {
      // The expiry timer is due but has not fired: the token no longer grants anything.
      socket.disconnect(true);
      return;
    }
    const orders = (session.orders ??= new Map());
    const already = orders.has(orderId);
    if (!already) {
      if (orders.size >= maxSubscriptions) {
        ack({
          ok: false,
          error: { code: 'too_many_subscriptions', message: `a socket may follow at most ${maxSubscriptions} orders` },
        });
        return;
      }
      orders.set(orderId, 'joining'); // holds its place under the cap while the order is looked up
    }
    let acquired = false;
    try {
      const order = await this.options.orders.get(session.principal, orderId);
      // Read before the join, whose acknowledgement is written synchronously: a delivery landing in between leaves
      // the ack's proof null (the delivered event still reaches the socket, and an HTTP read has the proof).
      const proof = order.delivered_at === null ? null : this.options.proofs.proofOf(await this.options.orders.history(order.id));
      const defaultLocale = session.principal.role === 'tracker' ? (await this.options.tenants.settings(order.tenant_id)).default_locale : 'en';
      const stream = await feed.acquire(order.id);
      acquired = true;
      // A resubscription (to resume with since_seq) keeps the one registration it has.
      if (already) feed.release(order.id);
      await stream.join(sinceSeq, (current, missed) => {
        // Runs synchronously between two deliveries of the stream: joining the room and acknowledging here means
        // the acknowledgement is written before any later event, and nothing falls between the two.
        if (!socket.connected || !sessionOf(socket)) {
          this.forget(session, orderId);
          ack({ ok: false, error: { code: 'unavailable', message: 'socket disconnected' } });
          return;
        }
        if (!canReadOrder(session.principal, current)) {
          // Reassigned away from this courier while the subscribe was on its way.
          void socket.leave(rooms.order(order.id));
          this.forget(session, orderId);
          ack({ ok: false, error: ackError(new NotFoundError('order'), this.options.logger) });
          return;
        }
        this.options.roomNames.join(socket, rooms.order(stream.orderId));
        // Kept under the stream's own id string, one for all its watchers rather than each request's copy.
        orders.delete(orderId);
        orders.set(stream.orderId, 'joined');
        if (watchesForCustomer(session.principal)) stream.markHanded([...missed.map((update) => update.seq), current.version]);
        ack({ ok: true, order: subscribedView(session.principal, current, current.delivered_at === null ? null : proof, defaultLocale), missed });
      });
    } catch (error) {
      // A refused subscribe leaves the socket unsubscribed, also when it was one before (access lost meanwhile).
      if (already || acquired) {
        void socket.leave(rooms.order(orderId));
        this.forget(session, orderId);
      } else {
        orders.delete(orderId);
      }
      throw error;
    }
  }

  private async leave(socket: IoSocket, orderId: string, ack: (reply: UnsubscribeAck) => void): Promise<void> {
    const session = sessionOf(socket);
    if (session?.orders?.has(orderId)) {
      void socket.leave(rooms.order(orderId));
      this.forget(session, orderId);
    }
    ack({ ok: true });
  }

  /** Drops one subscription of a session and its share of the order's stream. */
  private forget(session: Session, orderId: string): void {
    if (session.orders?.delete(orderId)) this.options.feed.release(orderId);
  }
}

/**
 * The order as a subscription hands it to `principal`: a tracking link its tracking view (API.md "Tracking links"),
 * the customer its order with the courier only while out for delivery, anyone else the order resource; each with its
 * proof of delivery.
 */
function subscribedView(principal: TenantPrincipal, order: Order, proof: ProofView | null, defaultLocale: Locale): SubscribedOrder {
  if (principal.role === 'tracker') return toTrackingView(order, proof, defaultLocale);
  const view = toOrderView(order, proof);
  return principal.role === 'customer' ? customerOrderView(view) : view;
}
