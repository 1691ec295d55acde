import { orderState, type Location, type Order, type OrderEvent } from '../../domain/order';
import type { Payment } from '../../domain/payment';
import { orderOfRow, type OrderColumns, type OrderDoc } from '../order-row';

/**
 * An `orders` row (see order-row.ts) as the pool hands it over: times as ISO strings (see `TYPES` in context.ts),
 * jsonb parsed.
 */
export interface OrderRow extends OrderColumns {
  last_location: Location | null;
  doc: OrderDoc;
  /** Written by payment transactions; absent in rows read without it. */
  payment?: Payment | null;
}

export function rowToOrder(row: OrderRow): Order {
  return orderOfRow(row, row.doc, row.last_location, row.payment ?? null);
}

/** What a commit writes of `order`, as the commit statements list its columns (the order of `orderState`). */
export function stateValues(order: Order): unknown[] {
  return Object.values(orderState(order));
}

/** The columns of an event, in the order of EVENT_COLUMNS. */
export function eventValues(event: OrderEvent): unknown[] {
  return [
    event.order_id,
    event.seq,
    event.event_id,
    event.type,
    event.status,
    event.scan_type,
    event.occurred_at,
    event.recorded_at,
    event.location === null ? null : JSON.stringify(event.location),
    event.note,
    event.source,
    event.applied,
  ];
}

/** What an event says beyond its status (`reason`, `proof`): the last two columns of EVENT_COLUMNS. */
export function eventDetailValues(event: OrderEvent): unknown[] {
  return [event.reason ?? null, event.proof ? JSON.stringify(event.proof) : null];
}

/**
 * An `events` row read as these columns holds every field as the domain does (`eventFrom` copies them; a NULL reason
 * or proof is left out). Written as `eventValues` then `eventDetailValues`.
 */
export const EVENT_COLUMNS =
  'order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note, source, applied, reason, proof';

/** The event's columns as typed parameters: $1-$12 (`eventValues`), then the detail's two at `detailAt`, `detailAt + 1`. */
export function eventParams(detailAt: number): string {
  return (
    '$1::text, $2::int, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $8::timestamptz, $9::jsonb, $10::text, ' +
    `$11::text, $12::boolean, $${detailAt}::text, $${detailAt + 1}::jsonb`
  );
}
