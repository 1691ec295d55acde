import type { Readable } from 'node:stream';
import { NotFoundError } from '../domain/errors';
import type { Order } from '../domain/order';
import { collectOnDelivery } from '../domain/payment';
import { labelPdf, type LabelContent } from '../labels/label-pdf';
import type { OrderLog } from '../store/orders/port';
import type { TenantDirectory } from '../store/tenants/port';

/** How many labels one request may ask for (API.md "Labels"). */
export const MAX_LABELS = 100;

export interface LabelServiceOptions {
  store: { orders: Pick<OrderLog, 'getOrder'>; tenants: Pick<TenantDirectory, 'getTenant'> };
}

/** Shipping labels of a tenant's orders, for its business and staff (who read every order of the tenant). */
export class LabelService {
  constructor(private readonly options: LabelServiceOptions) {}

  /**
   * One PDF with a label a page, in the order asked. Every order is read before the first byte is written, so an
   * id the tenant lacks is a 404 for the whole request rather than a document cut short.
   * @throws NotFoundError when any id is not an order of the tenant
   */
  async render(tenantId: string, orderIds: readonly string[]): Promise<Readable> {
    const { orders, tenants } = this.options.store;
    const tenant = await tenants.getTenant(tenantId);
    if (!tenant) throw new NotFoundError('tenant');
    const found = await Promise.all(orderIds.map((id) => orders.getOrder(tenantId, id)));
    const labels = found.map((order): LabelContent => {
      if (!order) throw new NotFoundError('order');
      return labelOf(tenant.name, order);
    });
    return labelPdf(labels);
  }
}

function labelOf(tenantName: string, order: Order): LabelContent {
  return {
    orderId: order.id,
    tenantName,
    reference: order.external_id ?? order.id,
    customerName: order.customer.name ?? null,
    destination: order.destination?.address ?? destinationPoint(order),
    promisedBy: order.promised_by,
    collect: collectOnDelivery(order.payment),
  };
}

/** A destination given only as a point, as coordinates. */
function destinationPoint(order: Order): string | null {
  const { lat, lng } = order.destination ?? {};
  return lat !== undefined && lng !== undefined ? `${lat.toFixed(5)}, ${lng.toFixed(5)}` : null;
}
