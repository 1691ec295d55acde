import type { AlertKind } from '../domain/effects';
import type { Delivery } from './deliveries/port';

/** A delivery with its optional fields filled in as the stores keep them: `kind` `status`, `relay` null. */
export function completeDelivery(delivery: Delivery): Required<Delivery> {
  return { ...delivery, kind: delivery.kind ?? 'status', relay: delivery.relay ?? null };
}

/** One alert: an order's event (or its arriving notice, `kind`) whose deliveries the log keeps. */
export interface AlertKey {
  orderId: string;
  seq: number;
  kind: AlertKind;
}

/** An alert's key as one string (NUL never appears in an id). */
export function alertId({ orderId, seq, kind }: AlertKey): string {
  return `${orderId}\u0000${seq}\u0000${kind}`;
}

/** The alert a stored delivery belongs to, as {@link alertId} names it. */
export function alertIdOf(delivery: Pick<Delivery, 'order_id' | 'seq' | 'kind'>): string {
  return alertId({ orderId: delivery.order_id, seq: delivery.seq, kind: delivery.kind ?? 'status' });
}
