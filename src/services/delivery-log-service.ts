import type { Delivery, DeliveryLog } from '../store/deliveries/port';

/** A delivery with a final outcome, as the order's notification log lists it. */
export type DeliveryOutcome = Delivery & { status: 'sent' | 'failed' | 'skipped' };

export interface DeliveryLogServiceOptions {
  store: { deliveries: Pick<DeliveryLog, 'listDeliveries'> };
}

/** The alert delivery log of orders, as the business and its staff read it. */
export class DeliveryLogService {
  constructor(private readonly options: DeliveryLogServiceOptions) {}

  /**
   * An order's alert outcomes, oldest first. In-flight records (`sending`, `retrying`) are the workers'
   * bookkeeping, not outcomes, and are left out. The caller has checked that the order may be read.
   */
  async outcomes(orderId: string): Promise<DeliveryOutcome[]> {
    const deliveries = await this.options.store.deliveries.listDeliveries(orderId);
    return deliveries.filter(isOutcome);
  }
}

function isOutcome(delivery: Delivery): delivery is DeliveryOutcome {
  return delivery.status === 'sent' || delivery.status === 'failed' || delivery.status === 'skipped';
}
