import { IllegalTransitionError } from './errors';
import type { EventSource, LatLng, Order, OrderEvent } from './order';
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
  /** Set when the event also assigns the order to a courier (a `pickup` scan of an unassigned order). */
  assign_courier_id?: string | null;
}

export type Decision =
  | { kind: 'applied'; event: OrderEvent; next: Order }
  | { kind: 'late'; event: OrderEvent };

/**
 * Decides what an incoming event does to an order. Late events (older than the newest applied one)
 * are kept but never applied; others must be a legal transition.
 * @throws IllegalTransitionError
 */
export function decideEvent(order: Order, input: EventInput, nowIso: string): Decision {
  const occurredAt = input.occurred_at ?? nowIso;
  const base = {
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
  };
  if (input.occurred_at !== null && Date.parse(input.occurred_at) < Date.parse(order.last_event_at)) {
    return { kind: 'late', event: { ...base, seq: null, applied: false } };
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
    last_event_at: occurredAt,
    held_at: input.status === 'on_hold' ? holdPoint(order.status, order.held_at) : null,
    courier_id: input.assign_courier_id ?? order.courier_id,
  };
  return { kind: 'applied', event: { ...base, seq, applied: true }, next };
}
