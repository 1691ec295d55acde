import type { LatLng, Location, Order, OrderEvent } from '../../domain/order';
import type { ScanType } from '../../domain/scan';
import type { OrderStatus } from '../../domain/status';

/** An `orders` row as the pool hands it over: times as ISO strings (see `TYPES` in context.ts), jsonb parsed. */
export interface OrderRow {
  id: string;
  tenant_id: string;
  external_id: string | null;
  status: string;
  version: number;
  rev: number;
  customer_id: string;
  courier_id: string | null;
  created_at: string;
  updated_at: string;
  last_event_at: string;
  held_at: string | null;
  last_location: Location | null;
  promised_by: string | null;
  delivered_at: string | null;
  failed_attempts: number;
  /** Absent in rows read without it (older reads select listed columns). */
  erased_at?: string | null;
  /** The live ETA and the arriving claim (API.md "Arrival"); absent in rows read without them. */
  eta?: string | null;
  arriving_at?: string | null;
  doc: OrderDoc;
}

/** Placement data, kept as one document: read with the order, never filtered on. */
export type OrderDoc = Pick<Order, 'customer' | 'destination' | 'amount' | 'items' | 'notify' | 'metadata' | 'eta'>;

export function docOf(order: Order): OrderDoc {
  return {
    customer: order.customer,
    destination: order.destination,
    amount: order.amount,
    items: order.items,
    notify: order.notify,
    metadata: order.metadata,
    eta: order.eta,
  };
}

export function rowToOrder(row: OrderRow): Order {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    external_id: row.external_id,
    status: row.status as OrderStatus,
    version: row.version,
    rev: row.rev,
    customer: row.doc.customer,
    destination: row.doc.destination,
    amount: row.doc.amount,
    items: row.doc.items,
    notify: row.doc.notify,
    metadata: row.doc.metadata,
    courier_id: row.courier_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    // Courier pings keep it in its own column; the document's copy is what placement wrote.
    eta: row.eta ?? row.doc.eta,
    promised_by: row.promised_by,
    last_location: row.last_location,
    last_event_at: row.last_event_at,
    held_at: row.held_at as OrderStatus | null,
    delivered_at: row.delivered_at,
    failed_attempts: row.failed_attempts,
    ...(row.erased_at ? { erased_at: row.erased_at } : {}),
    ...(row.arriving_at ? { arriving_at: row.arriving_at } : {}),
  };
}

export interface EventRow {
  order_id: string;
  seq: number | null;
  event_id: string;
  type: string;
  status: string;
  scan_type: string | null;
  occurred_at: string;
  recorded_at: string;
  location: LatLng | null;
  note: string | null;
  source: string;
  applied: boolean;
}

export function rowToEvent(row: EventRow): OrderEvent {
  return {
    seq: row.seq,
    order_id: row.order_id,
    type: row.type as OrderEvent['type'],
    status: row.status as OrderStatus,
    scan_type: row.scan_type as ScanType | null,
    event_id: row.event_id,
    occurred_at: row.occurred_at,
    recorded_at: row.recorded_at,
    location: row.location,
    note: row.note,
    source: row.source as OrderEvent['source'],
    applied: row.applied,
  };
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

/**
 * An order status as an SQL literal: a status a statement names is one of the domain's (`STATUSES`), checked by the
 * compiler rather than copied as text.
 */
export function statusLiteral(status: OrderStatus): string {
  return `'${status}'`;
}

export const EVENT_COLUMNS =
  'order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note, source, applied';
