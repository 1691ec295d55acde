import type { Location, Order, OrderEvent } from '../domain/order';
import type { OrderStatus } from '../domain/status';

/**
 * The Store port: a narrow, domain-shaped interface. Every operation is single-order (or single-tenant)
 * so a document store can implement it with single-document atomic operations and unique indexes:
 * the event log is the source of truth, `(order_id, event_id)` and `(order_id, seq)` are unique, and the
 * order state is written under a compare-and-set on its revision.
 */
export interface Store {
  /** Runs schema migrations; safe when several processes start at once. */
  init(): Promise<void>;
  /** Resolves when the store answers; used by `/readyz`. */
  ping(): Promise<void>;
  /** Flushes pending writes, then releases the store. */
  close(): Promise<void>;

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void>;
  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null>;
  getTenant(tenantId: string): Promise<Tenant | null>;

  /** Creates an order with its first event, idempotently (see {@link CreateOrderResult}). */
  createOrder(input: NewOrder): Promise<CreateOrderResult>;
  /** Loads an order; `tenantId` scopes the lookup so another tenant's order is simply absent. */
  getOrder(tenantId: string, orderId: string): Promise<Order | null>;
  /** Loads an order by id alone, for actors (which check the tenant on every message). */
  loadOrder(orderId: string): Promise<Order | null>;
  /**
   * The current version and courier of each given order (absent ones are left out), in one round trip: live
   * streams compare it with what they delivered, to catch events and reassignments a publish failed to carry.
   */
  orderHeads(orderIds: readonly string[]): Promise<OrderHead[]>;

  /**
   * Appends one event and, when it is applied, writes the order's new state — atomically and only if the
   * stored revision is still `expectedRev`.
   */
  commitEvent(commit: EventCommit): Promise<CommitResult>;
  /** Changes an order's courier under the same revision guard. */
  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string): Promise<CommitResult>;
  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null>;
  /** Applied events with `seq > sinceSeq`, in seq order. */
  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]>;
  /** Every recorded event (applied and late), oldest first by `occurred_at`. */
  history(orderId: string): Promise<OrderEvent[]>;
  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage>;
  /**
   * Every order matching `filter`, newest first (the search order), in pages read as the consumer pulls them: an
   * export of any size holds about one page in memory. No page is empty. Ending the iteration early (`return`)
   * stops the reads.
   */
  exportOrders(tenantId: string, filter: OrderFilter): AsyncIterable<ExportedOrder[]>;
  /**
   * Figures over the orders created in `[range.from, range.to)`, computed where the orders are (aggregates, not
   * rows brought back); `nowIso` decides which promises are past. See {@link ReportSummary} for each definition.
   */
  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary>;
  /** Stores couriers' latest positions; several updates are written together. */
  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void>;

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null>;
  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void>;

  /** Effects recorded by {@link commitEvent} and not yet done, oldest first. */
  pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]>;
  /** The effect is done (alert queued, points booked): forget it. */
  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void>;

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void>;
  /**
   * Books a loyalty fact once: a repeat of its key returns the first booking. Redemptions never take the balance
   * below zero; reversals take what they can and record the shortfall. Atomic with the balance.
   */
  bookLedger(booking: LedgerBooking): Promise<LedgerResult>;
  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null>;
  /** The balance and the entries, oldest first. */
  getLoyalty(tenantId: string, customerId: string): Promise<{ balance: number; entries: LedgerEntry[] }>;
  /** Recomputes the kept balance from the ledger and returns it. */
  rebuildBalance(tenantId: string, customerId: string): Promise<number>;

  /** The delivery log of an order, oldest first. */
  listDeliveries(orderId: string): Promise<Delivery[]>;
  /**
   * Takes the right to send an alert on a channel: granted when the channel has no record for the alert yet
   * or its last attempt failed in a way that may be retried; the record becomes `sending` with one more attempt.
   */
  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string): Promise<DeliveryClaim>;
  /** Writes an alert's outcome on a channel. */
  recordDelivery(delivery: Delivery): Promise<void>;
  /**
   * Records an alert as skipped on a channel unless the channel already has an attempt that may have sent it
   * (`sending`, `sent`) or a final outcome; a `retrying` record is overwritten. Resolves with whether it was recorded.
   */
  skipDelivery(delivery: Delivery): Promise<boolean>;
}

export interface OrderHead {
  id: string;
  version: number;
  courier_id: string | null;
}

export interface Preferences {
  email: boolean;
  sms: boolean;
  email_address: string | null;
  phone: string | null;
  updated_at: string;
}

export type EffectKind = 'alert' | 'loyalty';

export interface PendingEffect {
  orderId: string;
  seq: number;
  tenantId: string;
}

export type LedgerReason = 'accrual' | 'reversal' | 'redemption';

export interface LedgerEntry {
  id: string;
  tenant_id: string;
  customer_id: string;
  unique_key: string;
  /** Signed: accruals add, reversals and redemptions take. */
  delta: number;
  reason: LedgerReason;
  order_id: string | null;
  /** Redemptions: `discount` or `charity`. */
  kind: string | null;
  /** Reversals: points that could not be taken back because the balance was too low. */
  shortfall: number;
  /** Redemptions: hash of the request, so a replay with another body is told apart. */
  request_hash: string | null;
  at: string;
}

export interface LedgerBooking {
  id: string;
  tenantId: string;
  customerId: string;
  uniqueKey: string;
  reason: LedgerReason;
  /** Positive: the points to add (accrual) or take (reversal, redemption). */
  points: number;
  orderId: string | null;
  kind: string | null;
  requestHash: string | null;
  at: string;
}

export type LedgerResult =
  | { kind: 'booked'; entry: LedgerEntry; balance: number }
  | { kind: 'duplicate'; entry: LedgerEntry; balance: number }
  | { kind: 'insufficient'; balance: number };

export type DeliveryChannel = 'websocket' | 'email' | 'sms';

/**
 * `sending`: claimed, outcome not known yet (a crash here is never resent); `retrying`: a transient failure,
 * another attempt will come; the others are final.
 */
export type DeliveryStatus = 'sending' | 'retrying' | 'sent' | 'failed' | 'skipped';

export interface Delivery {
  order_id: string;
  seq: number;
  channel: DeliveryChannel;
  status: DeliveryStatus;
  attempts: number;
  at: string;
  reason: string | null;
  error: string | null;
}

export type DeliveryClaim = { claimed: true; attempts: number } | { claimed: false; delivery: Delivery };

export interface Tenant {
  id: string;
  name: string;
  points_per_unit: number;
  created_at: string;
}

export interface IdempotencyClaim {
  /** Scope of the key: the caller's identity within the tenant, so two callers never collide. */
  scope: string;
  key: string;
  /** Hash of the request body: the same key with another body is a conflict. */
  requestHash: string;
}

export interface NewOrder {
  order: Order;
  firstEvent: OrderEvent;
  idempotency: IdempotencyClaim | null;
  /**
   * Namespace in which `external_id` is unique (see `externalIdScope` in domain/principal.ts): the tenant's for
   * orders its business or staff place, the customer's own for orders a customer places.
   */
  externalScope: string;
}

export type CreateOrderResult =
  | { kind: 'created'; order: Order }
  /** The same idempotency key or `external_id` was seen before: the original order. */
  | { kind: 'existing'; order: Order }
  | { kind: 'idempotency_conflict' };

export interface EventCommit {
  orderId: string;
  expectedRev: number;
  event: OrderEvent;
  /** The order after the event; null for a late event, which is recorded but changes nothing. */
  next: Order | null;
  /** Side effects the event owes (an alert, a loyalty booking): recorded in the same transaction. */
  effects?: EffectKind[];
}

export type CommitResult =
  /** `lastLocation`: the stored position, which courier pings change without touching the revision. */
  | { kind: 'ok'; rev: number; lastLocation: Location | null }
  /** Another writer changed the order first: reload and decide again. */
  | { kind: 'rev_conflict' }
  /** The event id is already in this order's log. */
  | { kind: 'duplicate_event' };

/** Filters of an order search; times are ISO UTC, every bound inclusive. */
export interface OrderFilter {
  statuses?: OrderStatus[];
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  customerId?: string;
  courierId?: string;
  q?: string;
  /** Only orders with a `promised_by` in the range (orders without one never match). */
  promisedFrom?: string;
  promisedTo?: string;
}

export interface OrderQuery extends OrderFilter {
  limit: number;
  /** Position after which to continue (newest first), from a previous page. */
  after?: OrderCursor;
}

export interface OrderCursor {
  created_at: string;
  id: string;
}

export interface OrderPage {
  items: Order[];
  next: OrderCursor | null;
}

/** One order as the CSV export lists it. */
export type ExportedOrder = Pick<
  Order,
  'id' | 'external_id' | 'status' | 'courier_id' | 'created_at' | 'delivered_at' | 'promised_by' | 'amount'
> & { customer_id: string };

/** A report's orders: those created at or after `from` and before `to` (ISO UTC). */
export interface ReportRange {
  from: string;
  to: string;
}

/**
 * The figures of `GET /v1/reports/summary` over the orders created in the range (API.md "Reports"). Orders count
 * by what they are now, so a report on a past range changes while its orders still move.
 */
export interface ReportSummary {
  /** Orders created in the range. */
  placed: number;
  /** Of those, how many were delivered (`delivered_at` set), including ones returned after delivery. */
  delivered: number;
  /** Of those, how many are `returned` now (after a delivery or not). */
  returned: number;
  /** Of those, how many are `cancelled`. */
  cancelled: number;
  /** Sum of their applied `failed_attempt` events. */
  failed_attempts: number;
  /**
   * On time ÷ decided, among orders with a `promised_by` that are not cancelled: decided = delivered, or not
   * delivered and the promise is past; on time = delivered at or before `promised_by` (see `keptPromise`).
   * Null when none is decided.
   */
  on_time_rate: number | null;
  /**
   * Seconds from `created_at` to `delivered_at` over the delivered orders, nearest-rank percentiles (the value at
   * rank ⌈p·n⌉ in ascending order). Null when none was delivered.
   */
  delivery_time_s: { p50: number; p90: number } | null;
  /** Each courier with at least one of the orders (its current assignment), by courier id. */
  by_courier: Array<{ courier_id: string; delivered: number; failed_attempts: number }>;
  /**
   * Each UTC date from `from`'s to the one holding the last instant before `to`, oldest first: orders created that
   * day, and orders of the range delivered that day (deliveries on a later date than the range's last are in
   * `delivered` but on no day here).
   */
  by_day: Array<{ date: string; placed: number; delivered: number }>;
}
