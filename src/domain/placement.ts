import { placedPayment, type PaymentRequest } from './payment';
import type { Customer, Destination, EventSource, Money, NotifyChoice, Order, OrderEvent } from './order';

/** An order as its placer asks for it (API.md `POST /v1/orders`). */
export interface PlaceOrderInput {
  external_id?: string;
  customer: Customer;
  destination?: Destination;
  amount?: Money;
  items?: unknown[];
  notify?: NotifyChoice;
  metadata?: Record<string, unknown>;
  /** The delivery time promised to the customer (ISO, UTC). */
  promised_by?: string;
  /** Cash on delivery (API.md "Payments"); absent: no payment through the product yet. */
  payment?: PaymentRequest;
  /** Shown to the courier. */
  instructions?: string;
}

/** Who places the order, under which id and when. */
export interface Placement {
  orderId: string;
  tenantId: string;
  source: EventSource;
  /** ISO UTC: the order's creation and its first event's time. */
  at: string;
}

/**
 * A new order (status `placed`, version 1) and its first event (seq 1, `placed`), which the store records
 * together. Fields the placer left out are null; nothing internal is taken from the input.
 */
export function placeOrder(input: PlaceOrderInput, placement: Placement): { order: Order; firstEvent: OrderEvent } {
  const { orderId, tenantId, source, at } = placement;
  const order: Order = {
    id: orderId,
    tenant_id: tenantId,
    external_id: input.external_id ?? null,
    status: 'placed',
    version: 1,
    rev: 1,
    customer: input.customer,
    destination: input.destination ?? null,
    amount: input.amount ?? null,
    items: input.items ?? null,
    notify: input.notify ?? null,
    metadata: input.metadata ?? null,
    ...(input.instructions ? { instructions: input.instructions } : {}),
    courier_id: null,
    created_at: at,
    updated_at: at,
    eta: null,
    promised_by: input.promised_by ?? null,
    last_location: null,
    last_event_at: at,
    held_at: null,
    delivered_at: null,
    failed_attempts: 0,
    payment: placedPayment(input.payment, input.amount ?? null, at),
  };
  const firstEvent: OrderEvent = {
    seq: 1,
    order_id: orderId,
    type: 'status',
    status: 'placed',
    scan_type: null,
    // Derived from the order id: unique in the order's log, and recognisably the placement.
    event_id: `placed-${orderId}`,
    occurred_at: at,
    recorded_at: at,
    location: null,
    note: null,
    source,
    applied: true,
  };
  return { order, firstEvent };
}
