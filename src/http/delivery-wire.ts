import { z } from 'zod';
import type { Delivery } from '../store/deliveries/port';

/**
 * A line of an order's alert delivery log as the API shows it (`GET /v1/orders/:id/notifications`, the customer
 * export, the dashboard): the one declaration of its fields.
 */
export const deliveryLine = z.object({
  channel: z.enum(['websocket', 'push', 'email', 'sms']),
  status: z.enum(['sent', 'failed', 'skipped']),
  seq: z.number().int(),
  kind: z
    .enum(['arriving'])
    .optional()
    .describe('arriving: the courier-is-near alert, claimed at order version seq; absent: the alert of event seq'),
  attempts: z.number().int(),
  at: z.string(),
  reason: z.string().optional(),
  error: z.string().optional(),
  relay: z
    .enum(['primary', 'fallback'])
    .optional()
    .describe('with SMTP_FALLBACK_URL set, the relay that took a sent email: primary (SMTP_URL) or fallback'),
});

/** A delivery log line as the dashboard reads it. */
export type DeliveryLine = z.output<typeof deliveryLine>;

/**
 * A line of the customer export: every line held about the customer's orders, with its order, including those
 * still in flight (`sending`: claimed, outcome unknown; `retrying`: another attempt will come).
 */
export const exportedDeliveryLine = deliveryLine.extend({
  order_id: z.string(),
  status: z.enum(['sending', 'retrying', 'sent', 'failed', 'skipped']),
});

/**
 * A delivery log line as the API shows it: empty fields left out, `kind` only for an alert other than a status
 * alert, `relay` only when a fallback relay is configured.
 */
export function deliveryWire<S extends Delivery['status']>(delivery: Delivery & { status: S }) {
  return {
    channel: delivery.channel,
    status: delivery.status,
    seq: delivery.seq,
    attempts: delivery.attempts,
    at: delivery.at,
    ...(delivery.reason ? { reason: delivery.reason } : {}),
    ...(delivery.error ? { error: delivery.error } : {}),
    ...(delivery.kind === 'arriving' ? { kind: delivery.kind } : {}),
    ...(delivery.relay ? { relay: delivery.relay } : {}),
  };
}
