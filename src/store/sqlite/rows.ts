import type { LatLng, Location, Order, OrderEvent } from '../../domain/order';
import type { ScanType } from '../../domain/scan';
import type { OrderStatus } from '../../domain/status';

/** Column layout of `orders`: searchable and mutable fields in columns, placement data in `doc`. */
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
  last_location: string | null;
  promised_by: string | null;
  delivered_at: string | null;
  failed_attempts: number;
  /** Absent in rows read without it (older reads select listed columns). */
  erased_at?: string | null;
  /** The live ETA and the arriving claim (API.md "Arrival"); absent in rows read without them. */
  eta?: string | null;
  arriving_at?: string | null;
  doc: string;
}

type OrderDoc = Pick<Order, 'customer' | 'destination' | 'amount' | 'items' | 'notify' | 'metadata' | 'eta'>;

export function orderToRow(order: Order): OrderRow {
  const doc: OrderDoc = {
    customer: order.customer,
    destination: order.destination,
    amount: order.amount,
    items: order.items,
    notify: order.notify,
    metadata: order.metadata,
    eta: order.eta,
  };
  return {
    id: order.id,
    tenant_id: order.tenant_id,
    external_id: order.external_id,
    status: order.status,
    version: order.version,
    rev: order.rev,
    customer_id: order.customer.id,
    courier_id: order.courier_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    last_event_at: order.last_event_at,
    held_at: order.held_at,
    last_location: order.last_location ? JSON.stringify(order.last_location) : null,
    promised_by: order.promised_by,
    delivered_at: order.delivered_at,
    failed_attempts: order.failed_attempts,
    doc: JSON.stringify(doc),
  };
}

export function rowToOrder(row: OrderRow): Order {
  const doc = JSON.parse(row.doc) as OrderDoc;
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    external_id: row.external_id,
    status: row.status as OrderStatus,
    version: row.version,
    rev: row.rev,
    customer: doc.customer,
    destination: doc.destination,
    amount: doc.amount,
    items: doc.items,
    notify: doc.notify,
    metadata: doc.metadata,
    courier_id: row.courier_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    // Courier pings keep it in its own column; the document's copy is what placement wrote.
    eta: row.eta ?? doc.eta,
    promised_by: row.promised_by,
    last_location: row.last_location ? (JSON.parse(row.last_location) as Location) : null,
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
  location: string | null;
  note: string | null;
  source: string;
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
  return {
    seq: row.seq,
    order_id: row.order_id,
    type: row.type as OrderEvent['type'],
    status: row.status as OrderStatus,
    scan_type: row.scan_type as ScanType | null,
    event_id: row.event_id,
    occurred_at: row.occurred_at,
    recorded_at: row.recorded_at,
    location: row.location ? (JSON.parse(row.location) as LatLng) : null,
    note: row.note,
    source: row.source as OrderEvent['source'],
    applied: row.applied === 1,
  };
}
