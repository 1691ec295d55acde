import type { EventProof, FailReason, ProofView } from './proof';
import type { ScanType } from './scan';
import { noPayment, paymentFrom, type Money, type Payment } from './payment';
import type { OrderStatus } from './status';

export type EventSource = 'business' | 'staff' | 'courier' | 'provider';

export type { Money } from './payment';
export interface LatLng {
  lat: number;
  lng: number;
}
export interface Location extends LatLng {
  at: string;
}
export interface Customer {
  id: string;
  name?: string;
  email?: string;
  phone?: string;
  locale?: string;
}
export interface Destination {
  address?: string;
  lat?: number;
  lng?: number;
}
export interface NotifyChoice {
  email: boolean;
  sms: boolean;
}

/** The order as stored: the projection of its applied events plus its placement data. */
export interface Order {
  id: string;
  tenant_id: string;
  external_id: string | null;
  status: OrderStatus;
  /** Seq of the last applied event. */
  version: number;
  customer: Customer;
  destination: Destination | null;
  amount: Money | null;
  items: unknown[] | null;
  notify: NotifyChoice | null;
  metadata: Record<string, unknown> | null;
  /** Shown to the courier (API.md "Orders"), at most 500 characters; absent or null: none. */
  instructions?: string | null;
  courier_id: string | null;
  created_at: string;
  updated_at: string;
  eta: string | null;
  /** The delivery time promised to the customer, fixed at placement. */
  promised_by: string | null;
  last_location: Location | null;
  /**
   * Where the order's payment stands (API.md "Payments"): set at placement, then changed only by payment
   * transactions, never by delivery events.
   */
  payment: Payment;
  /**
   * When the courier first came within the tenant's arrival radius of the destination (API.md "Arrival"); set
   * once, by the store's arriving claim. Absent or null: not yet.
   */
  arriving_at?: string | null;
  /** `occurred_at` of the newest applied event: older events arrive late and are not applied. */
  last_event_at: string;
  /** Main-path status an `on_hold` order was held at. */
  held_at: OrderStatus | null;
  /**
   * `occurred_at` of the applied `delivered` event; kept when the order is later `returned` (it was delivered then,
   * which is what delivery times and the on-time rate measure).
   */
  delivered_at: string | null;
  /** How many `failed_attempt` events were applied. */
  failed_attempts: number;
  /** When the customer's personal data on the order was erased (API.md "Privacy"); absent while it is held. */
  erased_at?: string;
  /**
   * The generation of the order's tracking links (API.md "Tracking links"): a tracker token of any other generation
   * is refused. Each new link moves it on, so every earlier one stops working. Absent: 0, the placement's link.
   */
  tracking_generation?: number;
  /** Revision of the stored state: grows on every write and guards writes (compare-and-set). */
  rev: number;
}

export interface OrderEvent {
  seq: number | null;
  order_id: string;
  type: 'status' | 'scan';
  status: OrderStatus;
  scan_type: ScanType | null;
  event_id: string;
  occurred_at: string;
  recorded_at: string;
  location: LatLng | null;
  note: string | null;
  source: EventSource;
  applied: boolean;
  /** Why a `failed_attempt` failed; absent when not said. */
  reason?: FailReason;
  /** A `delivered` event's proof of delivery; absent when none was given (or it was erased). */
  proof?: EventProof;
}

/** Bookkeeping kept on the order for ordering, guarding and reports; never part of its public shape. */
type InternalField =
  | 'last_event_at'
  | 'held_at'
  | 'rev'
  | 'delivered_at'
  | 'failed_attempts'
  | 'erased_at'
  | 'tracking_generation';

/** Public shape of an order (API.md "Order resource"): internal bookkeeping fields are left out. */
export type OrderView = Omit<Order, InternalField | 'arriving_at' | 'instructions'> & {
  arriving_at: string | null;
  instructions: string | null;
  /** The proof of delivery of its applied `delivered` event (API.md "Proof of delivery"); null otherwise. */
  proof: ProofView | null;
};

/** What placing an order sets and no event changes. */
export type Placement = Pick<Order, 'customer' | 'destination' | 'amount' | 'items' | 'notify' | 'metadata'> & {
  instructions?: string | null;
};

/** The fields an applied event changes: what a commit writes under the revision guard (`rev` moves on apart). */
export type OrderState = Pick<
  Order,
  'status' | 'version' | 'updated_at' | 'last_event_at' | 'held_at' | 'courier_id' | 'delivered_at' | 'failed_attempts'
>;

/*
 * The builders below copy an order's fields by name, so nothing else a stored row or document carries (search terms,
 * an event log, columns of the store's own) rides along; each is typed by what it returns, so a field the type gains
 * and a builder lacks fails the build. They are object literals rather than loops over lists of names: every read and
 * commit of an order goes through them, and a literal is what the engine builds fastest.
 */

/** The placement data of `source`. */
export function placementOf(source: Placement): Placement {
  return {
    customer: source.customer,
    destination: source.destination,
    amount: source.amount,
    items: source.items,
    notify: source.notify,
    metadata: source.metadata,
    ...(source.instructions ? { instructions: source.instructions } : {}),
  };
}

/** What a commit of `source` writes, in the order the SQL stores' commit statements list its columns. */
export function orderState(source: OrderState): OrderState {
  return {
    status: source.status,
    version: source.version,
    updated_at: source.updated_at,
    last_event_at: source.last_event_at,
    held_at: source.held_at,
    courier_id: source.courier_id,
    delivered_at: source.delivered_at,
    failed_attempts: source.failed_attempts,
  };
}

/** Every field of an order but its id (a stored document keeps that apart), its optional marks only when set. */
export function orderFields(source: Omit<Order, 'id'>): Omit<Order, 'id'> {
  return {
    tenant_id: source.tenant_id,
    external_id: source.external_id,
    rev: source.rev,
    created_at: source.created_at,
    promised_by: source.promised_by,
    ...placementOf(source),
    ...orderState(source),
    eta: source.eta,
    last_location: source.last_location,
    // Orders stored before payments were kept have none.
    payment: source.payment ? paymentFrom(source.payment) : noPayment(source.created_at),
    ...(source.arriving_at ? { arriving_at: source.arriving_at } : {}),
    ...(source.erased_at ? { erased_at: source.erased_at } : {}),
    ...(source.tracking_generation ? { tracking_generation: source.tracking_generation } : {}),
  };
}

/**
 * The order resource, its fields in the order API.md lists them; `proof` is the order's proof of delivery as its
 * reader is shown it (with freshly signed links), when the caller read it.
 */
export function toOrderView(order: Order, proof: ProofView | null = null): OrderView {
  return {
    id: order.id,
    tenant_id: order.tenant_id,
    external_id: order.external_id,
    status: order.status,
    version: order.version,
    ...placementOf(order),
    courier_id: order.courier_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    eta: order.eta,
    promised_by: order.promised_by,
    last_location: order.last_location,
    arriving_at: order.arriving_at ?? null,
    payment: order.payment,
    instructions: order.instructions ?? null,
    proof,
  };
}

/** An event of exactly its fields (a stored document or row may carry more). */
export function eventFrom(source: OrderEvent): OrderEvent {
  return {
    seq: source.seq,
    order_id: source.order_id,
    type: source.type,
    status: source.status,
    scan_type: source.scan_type,
    event_id: source.event_id,
    occurred_at: source.occurred_at,
    recorded_at: source.recorded_at,
    location: source.location,
    note: source.note,
    source: source.source,
    applied: source.applied,
    ...(source.reason ? { reason: source.reason } : {}),
    ...(source.proof ? { proof: source.proof } : {}),
  };
}

/**
 * Whether an order kept its delivery promise: `true` when delivered at or before `promised_by`, `false` when
 * delivered after it or when it is past without a delivery, `null` while undecided (not yet delivered and the
 * promise not yet past), when nothing was promised, or when the order was cancelled (no delivery was owed).
 * Each store's report counts by the same rule, in its own query language; test/unit/on-time-rule.test.ts holds
 * those queries to this function.
 */
export function keptPromise(
  order: Pick<Order, 'status' | 'promised_by' | 'delivered_at'>,
  nowIso: string,
): boolean | null {
  if (order.promised_by === null) return null;
  // Times are stored normalised to UTC `…Z` with milliseconds, so they compare as strings.
  if (order.delivered_at !== null) return order.delivered_at <= order.promised_by;
  if (order.status === 'cancelled') return null;
  return order.promised_by < nowIso ? false : null;
}

/** The on-time rate of a set of orders: kept ÷ decided, by {@link keptPromise}; null while none is decided. */
export function onTimeRate(kept: number, decided: number): number | null {
  return decided === 0 ? null : kept / decided;
}
