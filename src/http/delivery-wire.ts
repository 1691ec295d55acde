import type { Delivery } from '../store/deliveries/port';

/**
 * A delivery log line as the API shows it (`GET /v1/orders/:id/notifications`, the customer export): empty fields
 * left out, `kind` only for an alert other than a status alert, `relay` only when a fallback relay is configured.
 */
export function deliveryWire(delivery: Delivery) {
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
