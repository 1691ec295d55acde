import type { ScanType } from './scan';
import type { OrderStatus } from './status';

export type Role = 'admin' | 'business' | 'staff' | 'courier' | 'customer' | 'tracker';
export type EventSource = 'business' | 'staff' | 'courier' | 'provider';

export interface Money {
  value: number;
  currency: string;
}
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
  courier_id: string | null;
  created_at: string;
  updated_at: string;
  eta: string | null;
  last_location: Location | null;
  /** `occurred_at` of the newest applied event: older events arrive late and are not applied. */
  last_event_at: string;
  /** Main-path status an `on_hold` order was held at. */
  held_at: OrderStatus | null;
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
}

/** Public shape of an order (API.md "Order resource"): internal bookkeeping fields are left out. */
export interface OrderView {
  id: string;
  tenant_id: string;
  external_id: string | null;
  status: OrderStatus;
  version: number;
  customer: Customer;
  destination: Destination | null;
  amount: Money | null;
  items: unknown[] | null;
  notify: NotifyChoice | null;
  metadata: Record<string, unknown> | null;
  courier_id: string | null;
  created_at: string;
  updated_at: string;
  eta: string | null;
  last_location: Location | null;
}

export function toOrderView(order: Order): OrderView {
  return {
    id: order.id,
    tenant_id: order.tenant_id,
    external_id: order.external_id,
    status: order.status,
    version: order.version,
    customer: order.customer,
    destination: order.destination,
    amount: order.amount,
    items: order.items,
    notify: order.notify,
    metadata: order.metadata,
    courier_id: order.courier_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    eta: order.eta,
    last_location: order.last_location,
  };
}
