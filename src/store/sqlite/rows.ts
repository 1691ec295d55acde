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

/** An `events` row: the location as JSON text, `applied` as 0 or 1. */
export interface EventRow extends Omit<OrderEvent, 'location' | 'applied'> {
  location: string | null;
  applied: number;
}

export function eventToRow(event: OrderEvent): EventRow {
  return {
    ...event,
    location: event.location ? JSON.stringify(event.location) : null,
    applied: event.applied ? 1 : 0,
  };
}

export function rowToEvent(row: EventRow): OrderEvent {
  return eventFrom({ ...row, location: row.location ? (JSON.parse(row.location) as LatLng) : null, applied: row.applied === 1 });
}
