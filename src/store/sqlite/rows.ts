import type { EventProof, FailReason } from '../../domain/proof';
import { eventFrom, type LatLng, type Location, type Order, type OrderEvent } from '../../domain/order';
import type { Payment } from '../../domain/payment';
import { docOf, orderColumns, orderOfRow, type OrderColumns, type OrderDoc } from '../order-row';

/** An `orders` row (see order-row.ts) as SQLite holds it: JSON as text. */
export interface OrderRow extends OrderColumns {
  last_location: string | null;
  doc: string;
  /** Written by payment transactions (JSON); absent in rows read without it. */
  payment?: string | null;
}

export function orderToRow(order: Order): OrderRow {
  return Object.assign(orderColumns(order), {
    last_location: order.last_location ? JSON.stringify(order.last_location) : null,
    doc: JSON.stringify(docOf(order)),
  });
}

export function rowToOrder(row: OrderRow): Order {
  return orderOfRow(
    row,
    JSON.parse(row.doc) as OrderDoc,
    row.last_location ? (JSON.parse(row.last_location) as Location) : null,
    row.payment ? (JSON.parse(row.payment) as Payment) : null,
  );
}

/** An `events` row: the location and proof as JSON text, `applied` as 0 or 1, no reason or proof as NULL. */
export interface EventRow extends Omit<OrderEvent, 'location' | 'applied' | 'reason' | 'proof'> {
  location: string | null;
  applied: number;
  reason: FailReason | null;
  proof: string | null;
}

/** The row of an event: its fields only (as `eventFrom` takes them), built at once (one object per event written). */
export function eventToRow(event: OrderEvent): EventRow {
  return {
    seq: event.seq,
    order_id: event.order_id,
    type: event.type,
    status: event.status,
    scan_type: event.scan_type,
    event_id: event.event_id,
    occurred_at: event.occurred_at,
    recorded_at: event.recorded_at,
    location: event.location ? JSON.stringify(event.location) : null,
    note: event.note,
    source: event.source,
    applied: event.applied ? 1 : 0,
    reason: event.reason ?? null,
    proof: event.proof ? JSON.stringify(event.proof) : null,
  };
}

export function rowToEvent(row: EventRow): OrderEvent {
  return eventFrom({
    ...row,
    location: row.location ? (JSON.parse(row.location) as LatLng) : null,
    applied: row.applied === 1,
    reason: row.reason ?? undefined,
    proof: row.proof ? (JSON.parse(row.proof) as EventProof) : undefined,
  });
}
