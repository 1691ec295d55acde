import type { Order, OrderEvent } from './order';

/**
 * What erasing a customer's personal data leaves of an order (API.md "Privacy"): the customer's id (the business's
 * own key, which the loyalty ledger and the audit trail refer to), statuses, times, amounts, items and metadata stay;
 * the name, email, phone, locale, the destination and the courier's last position go.
 */
export function erasedOrder(order: Order, at: string): Order {
  return { ...order, customer: { id: order.customer.id }, destination: null, last_location: null, erased_at: order.erased_at ?? at };
}

/** An event with what it says of where a person was (its location) and free text (its note) erased. */
export function erasedEvent(event: OrderEvent): OrderEvent {
  // A delivery's proof names the recipient and points at pictures of them and their door: it goes whole.
  const { proof: _proof, ...kept } = event;
  return { ...kept, note: null, location: null };
}

/** The instant before which orders terminal then are past a retention of `days` days, at `now`. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString();
}

/**
 * A stored webhook body (`{ type, timestamp, data: { order, event? } }`) with the order and event erased as above, so a
 * message kept in the delivery log (or sent again by a replay) carries nothing erased. A body that is not such a
 * document is left as it is (it names no order).
 */
export function erasedWebhookBody(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  const data = (parsed as { data?: Record<string, unknown> } | null)?.data;
  if (!data || typeof data !== 'object') return body;
  const order = data.order as Record<string, unknown> | undefined;
  if (order && typeof order === 'object') {
    const customer = order.customer as { id?: unknown } | undefined;
    data.order = { ...order, customer: { id: customer?.id }, destination: null, last_location: null };
  }
  const event = data.event as Record<string, unknown> | undefined;
  if (event && typeof event === 'object') {
    const { proof: _proof, ...kept } = event;
    data.event = { ...kept, note: null, location: null };
  }
  return JSON.stringify(parsed);
}

/** What each privacy action of the audit trail was. */
export type PrivacyAction = 'export' | 'erasure' | 'retention';

/** One line of the audit trail: who did what to whose data, when, over how many orders. */
export interface PrivacyAuditEntry {
  id: string;
  tenant_id: string;
  action: PrivacyAction;
  /** Null for a retention sweep (it erases orders, not a customer). */
  customer_id: string | null;
  orders: number;
  /** The caller (`business`, `staff:<id>`, `customer:<id>`) or `retention` for the sweep. */
  actor: string;
  at: string;
}
