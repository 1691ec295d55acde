import type { OrderEvent, OrderView } from '../domain/order';
import type { Payment } from '../domain/payment';
import type { CredentialChange } from '../auth/credential-change';
import type { Principal } from '../domain/principal';
import type { TrackingView } from '../domain/tracking-view';

/** `order_status_update`: one applied event of an order. */
export interface OrderStatusUpdate {
  order_id: string;
  seq: number;
  status: OrderEvent['status'];
  type: OrderEvent['type'];
  scan_type: OrderEvent['scan_type'];
  occurred_at: string;
  location: OrderEvent['location'];
}

/**
 * `courier_location`: a courier's position, sent to its tenant's feed and to the watchers of each order it is
 * carrying out for delivery.
 */
export interface CourierLocationUpdate {
  order_id: string;
  courier_id: string;
  lat: number;
  lng: number;
  heading: number | null;
  speed: number | null;
  at: string;
}

/** `eta_update`: an order's new ETA (API.md "Arrival"), sent wherever its courier's positions go. */
export interface EtaUpdate {
  order_id: string;
  eta: string;
}

/** `order_arriving`: the courier came within the arrival radius of the order's destination (once per order). */
export interface OrderArriving {
  order_id: string;
  arriving_at: string;
}

/** `loyalty_update`: a booking on the customer's points account. */
export interface LoyaltyUpdate {
  customer_id: string;
  balance: number;
  delta: number;
  reason: 'accrual' | 'reversal' | 'redemption';
  order_id: string | null;
}

/** `payment_update`: an order's payment changed (API.md "Payments"). */
export interface PaymentUpdate {
  order_id: string;
  payment: Payment;
}

export interface WireError {
  code: string;
  message: string;
}

/** The order as a subscription acknowledges it: the order resource, or its tracking view for a tracking link. */
export type SubscribedOrder = OrderView | TrackingView;

export type SubscribeAck =
  | { ok: true; order: SubscribedOrder; missed: OrderStatusUpdate[] }
  | { ok: false; error: WireError };

export type UnsubscribeAck = { ok: true } | { ok: false; error: WireError };

export interface ClientToServerEvents {
  subscribe: (payload: { order_id: string; since_seq?: number }, ack: (reply: SubscribeAck) => void) => void;
  unsubscribe: (payload: { order_id: string }, ack: (reply: UnsubscribeAck) => void) => void;
}

export interface ServerToClientEvents {
  order_status_update: (update: OrderStatusUpdate) => void;
  courier_location: (update: CourierLocationUpdate) => void;
  eta_update: (update: EtaUpdate) => void;
  order_arriving: (update: OrderArriving) => void;
  loyalty_update: (update: LoyaltyUpdate) => void;
  payment_update: (update: PaymentUpdate) => void;
}

/**
 * Between nodes (through the adapter): a courier's position for its orders, once per ping, so each node delivers
 * to its own sockets. Order events travel on channels of their own (see LiveFeed).
 */
export interface InterServerEvents {
  /** `outForDelivery`: the orders among them whose watchers are shown the position (the rest go to the feed only). */
  courier_locations: (tenantId: string, updates: CourierLocationUpdate[], outForDelivery: readonly string[]) => void;
  /** New ETAs of a courier's orders, once per ping that moved any, delivered like `courier_locations`. */
  eta_updates: (tenantId: string, updates: EtaUpdate[]) => void;
  /**
   * An `arriving` alert's worker asks every node to hand the notice to the order's watchers there; each answers
   * whether a socket watching on the customer's behalf was among them.
   */
  arriving: (update: OrderArriving, reply: (handed: boolean) => void) => void;
  /**
   * An alert's worker asks every node: was event `seq` of the order handed to a socket watching it on the
   * customer's behalf? Each node answers for its own sockets.
   */
  handed: (orderId: string, seq: number, reply: (handed: boolean) => void) => void;
  /**
   * A node now has sockets in the tenant's feed room (its first one is joining): every node notes it and answers, and
   * from then publishes the tenant's events (see `FeedPresence`). `seq` orders the node's messages.
   */
  feed_watch: (node: string, seq: number, tenantId: string, reply: (noted: boolean) => void) => void;
  /** Every tenant feed a node has sockets in, sent now and then (a node's newer list replaces the older). */
  feed_tenants: (node: string, seq: number, tenantIds: readonly string[]) => void;
  /** A node that starts (or reconnects) asks every node for its list. */
  feed_list: (reply: (list: FeedList) => void) => void;
  /** These orders' personal data was erased: every node drops them from memory (their actors). */
  orders_erased: (orderIds: readonly string[]) => void;
  /** A credential was revoked or replaced: every node applies it and answers (see `CredentialBroadcast`). */
  credentials_changed: (change: CredentialChange, reply: (applied: boolean) => void) => void;
  /** A tenant's webhook endpoints changed: every node forgets those it kept and answers (see `WebhookEndpoints`). */
  webhooks_changed: (tenantId: string, reply: (forgotten: boolean) => void) => void;
  /** A tenant's settings, branding, templates or points rate changed: every node counts it and answers (see `TenantChanges`). */
  tenant_changed: (tenantId: string, reply: (counted: boolean) => void) => void;
}

/** One node's tenant feeds (`feed_list`); an empty `node` for one that serves no sockets. */
export interface FeedList {
  node: string;
  seq: number;
  tenants: string[];
}

export interface SocketData {
  principal: Exclude<Principal, { role: 'admin' }>;
  /** Epoch ms when the socket's token runs out; null: never. */
  expiresAt: number | null;
}

/** Counts live updates emitted to sockets, one per room emit, by event name (`events_pushed_total{kind}`). */
export interface PushCounter {
  inc(labels: { kind: keyof ServerToClientEvents }): void;
}

/** Room names. Rooms are per tenant so ids from different tenants can never meet. */
export const rooms = {
  order: (orderId: string) => `order:${orderId}`,
  tenant: (tenantId: string) => `tenant:${tenantId}`,
  customer: (tenantId: string, customerId: string) => `customer:${tenantId}:${customerId}`,
  /** Every socket opened with one of the order's tracking links, whichever its generation (erasure ends them all). */
  trackers: (orderId: string) => `trackers:${orderId}`,
  /** The sockets opened with the order's tracking links of one generation (a renewal spares the new one's). */
  trackerLink: (orderId: string, generation: number) => `trackers:${orderId}:${generation}`,
};

/** The wire form of an applied event. */
export function toStatusUpdate(event: OrderEvent): OrderStatusUpdate {
  return {
    order_id: event.order_id,
    seq: event.seq!,
    status: event.status,
    type: event.type,
    scan_type: event.scan_type,
    occurred_at: event.occurred_at,
    location: event.location,
  };
}
