import { IllegalTransitionError } from './errors';
import type { EventSource, LatLng, Order, OrderEvent } from './order';
import type { EventProof, FailReason } from './proof';
import type { ScanType } from './scan';
import { canTransition, holdPoint, type OrderStatus } from './status';

/** A status change or scan as it arrives, before the order decides what to do with it. */
export interface EventInput {
  type: 'status' | 'scan';
  status: OrderStatus;
  scan_type: ScanType | null;
  event_id: string;
  /** Absent: the event occurs when it is applied, so it is never late. */
  occurred_at: string | null;
  location: LatLng | null;
  note: string | null;
  source: EventSource;
  /** A `failed_attempt`'s reason. */
  reason?: FailReason;
  /** A `delivered` event's proof, its attachments checked and bound to the order. */
  proof?: EventProof;
  /** Set when the event also assigns the order to a courier (a `pickup` scan of an unassigned order). */
  assign_courier_id?: string | null;
}

export type Decision =
  | { kind: 'applied'; event: OrderEvent; next: Order }
  /**
   * Recorded, never applied. `next` is set when the event still changes the order without moving its status: a
   * late `pickup` by a courier of an unassigned order assigns it (the courier did pick it up).
   */
  | { kind: 'late'; event: OrderEvent; next: Order | null };

/**
 * Decides what an incoming event does to an order. Late events (older than the newest applied one)
 * are kept but never applied; others must be a legal transition.
 * @throws IllegalTransitionError
 */
export function decideEvent(order: Order, input: EventInput, nowIso: string): Decision {
  const occurredAt = input.occurred_at ?? nowIso;
  const lastEventMs = Date.parse(order.last_event_at);
  const occurredMs = Date.parse(occurredAt);
  if (input.occurred_at !== null && occurredMs < lastEventMs) {
    const assigns = input.assign_courier_id != null && order.courier_id === null;
    const next = assigns ? { ...order, courier_id: input.assign_courier_id!, updated_at: nowIso } : null;
    return { kind: 'late', event: eventOf(order, input, occurredAt, nowIso, null), next };
  }
  if (!canTransition(order.status, input.status, order.held_at)) {
    throw new IllegalTransitionError(order.status, input.status);
  }
  const seq = order.version + 1;
  const next: Order = {
    ...order,
    status: input.status,
    version: seq,
    updated_at: nowIso,
    // The newest time seen so far: an event without a time (now) must not pull it back behind one dated ahead.
    last_event_at: occurredMs > lastEventMs ? occurredAt : order.last_event_at,
    held_at: input.status === 'on_hold' ? holdPoint(order.status, order.held_at) : null,
    courier_id: input.assign_courier_id ?? order.courier_id,
    // Report projections. `delivered` is applied at most once (only `returned` follows it), and a `returned`
    // order keeps when it was delivered.
    delivered_at: input.status === 'delivered' ? occurredAt : order.delivered_at,
    failed_attempts: order.failed_attempts + (input.status === 'failed_attempt' ? 1 : 0),
  };
  return { kind: 'applied', event: eventOf(order, input, occurredAt, nowIso, seq), next };
}

/**
 * The event as recorded: applied with its `seq`, or late (`seq` null). Built field by field: an object spread followed
 * by keys its source lacks (`{ ...base, seq }`) costs this V8 some microseconds, a hundred times a literal's.
 */
function eventOf(order: Order, input: EventInput, occurredAt: string, nowIso: string, seq: number | null): OrderEvent {
  // The fields in the order a stored event is read back in (`eventFrom`), so an answer reads the same either way.
  const event: OrderEvent = {
    seq,
    order_id: order.id,
    type: input.type,
    status: input.status,
    scan_type: input.scan_type,
    event_id: input.event_id,
    occurred_at: occurredAt,
    recorded_at: nowIso,
    location: input.location,
    note: input.note,
    source: input.source,
    applied: seq !== null,
  };
  if (input.reason) event.reason = input.reason;
  if (input.proof) event.proof = input.proof;
  return event;
}
