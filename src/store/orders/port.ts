import type { EffectKind } from '../../domain/effects';
import type { Location, Order, OrderEvent, OrderState } from '../../domain/order';

/**
 * Orders and their event logs. Every operation is single-order, so a document store can implement it with
 * single-document atomic operations and unique indexes: the event log is the source of truth, `(order_id,
 * event_id)` and `(order_id, seq)` are unique, and the order state is written under a compare-and-set on its revision.
 */
export interface OrderLog {
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
  /**
   * Changes an order's courier under the same revision guard; `effects` (`effectsOfCourierChange`) are recorded in
   * the outbox in the same write, keyed by the revision it writes (`expectedRev + 1`).
   */
  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects?: EffectKind[]): Promise<CommitResult>;
  /** Sets the order's `instructions` (null: none) under the revision guard, as `assignCourier` sets its courier. */
  setInstructions(orderId: string, expectedRev: number, instructions: string | null, updatedAt: string): Promise<CommitResult>;
  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null>;
  /** Applied events with `seq > sinceSeq`, in seq order. */
  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]>;
  /** Every recorded event (applied and late), oldest first by `occurred_at`. */
  history(orderId: string): Promise<OrderEvent[]>;
  /**
   * Moves the generation of the order's tracking links on by one (see `Order.tracking_generation`), without touching
   * its revision (it is no state an event changes); the new generation, or null when the tenant has no such order.
   */
  renewTrackingLink(tenantId: string, orderId: string): Promise<number | null>;
  /** Stores couriers' latest positions; several updates are written together. */
  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void>;
}

export interface OrderHead {
  id: string;
  version: number;
  courier_id: string | null;
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
  /** Side effects the first event owes (`effectsOf('placed')`): recorded in the outbox with it, under seq 1. */
  effects?: EffectKind[];
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
  /**
   * The order's state the event was decided on (its state at `expectedRev`), so a store may write only the fields
   * `next` changes: the embedded store then updates only the indexes over those. Absent: every field is written.
   */
  previous?: OrderState;
  /**
   * Side effects the event owes (`effectsOf` in domain/effects.ts): recorded in the outbox in the same transaction.
   */
  effects?: EffectKind[];
  /**
   * Side effects the order's change of courier owes (`effectsOfCourierChange`, when `next` assigns another courier,
   * late events included): recorded in the same transaction, keyed by the revision the commit writes.
   */
  revisionEffects?: EffectKind[];
}

export type CommitResult =
  /** `lastLocation`: the stored position, which courier pings change without touching the revision. */
  | { kind: 'ok'; rev: number; lastLocation: Location | null }
  /** Another writer changed the order first: reload and decide again. */
  | { kind: 'rev_conflict' }
  /** The event id is already in this order's log. */
  | { kind: 'duplicate_event' };
