import type { Delivery } from './deliveries/port';

/** A delivery with its optional fields filled in as the stores keep them: `kind` `status`, `relay` null. */
export function completeDelivery(delivery: Delivery): Required<Delivery> {
  return { ...delivery, kind: delivery.kind ?? 'status', relay: delivery.relay ?? null };
}
