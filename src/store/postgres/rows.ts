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

/** An `events` row read as these columns holds every field as the domain does (`eventFrom` copies them). */
export const EVENT_COLUMNS =
  'order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note, source, applied';
