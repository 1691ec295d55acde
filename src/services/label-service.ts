import type { Readable } from 'node:stream';
import sharp from 'sharp';
import { NotFoundError } from '../domain/errors';
import type { Order } from '../domain/order';
import { collectOnDelivery } from '../domain/payment';
import { labelPdf, type LabelContent } from '../labels/label-pdf';
import type { AttachmentStore } from '../store/attachments/port';
import type { BrandingBook } from '../store/branding/port';
import type { OrderLog } from '../store/orders/port';
import type { TenantDirectory } from '../store/tenants/port';

/** How many labels one request may ask for (API.md "Labels"). */
export const MAX_LABELS = 100;

export interface LabelServiceOptions {
  store: {
    orders: Pick<OrderLog, 'getOrder'>;
    tenants: Pick<TenantDirectory, 'getTenant'>;
    branding: Pick<BrandingBook, 'getBranding'>;
    attachments: Pick<AttachmentStore, 'readAttachment'>;
  };
}

// A logo is printed at most 24 pt high: 96 px keeps it sharp at 300 dpi and the page small.
const LOGO_HEIGHT_PX = 96;

/** Shipping labels of a tenant's orders, for its business and staff (who read every order of the tenant). */
export class LabelService {
  constructor(private readonly options: LabelServiceOptions) {}

  /**
   * One PDF with a label a page, in the order asked. Every order is read before the first byte is written, so an
   * id the tenant lacks is a 404 for the whole request rather than a document cut short.
   * @throws NotFoundError when any id is not an order of the tenant
   */
  async render(tenantId: string, orderIds: readonly string[]): Promise<Readable> {
    const { orders, tenants, branding } = this.options.store;
    const [tenant, brand] = await Promise.all([tenants.getTenant(tenantId), branding.getBranding(tenantId)]);
    if (!tenant) throw new NotFoundError('tenant');
    const found = await Promise.all(orderIds.map((id) => orders.getOrder(tenantId, id)));
    const sender: Sender = { name: brand?.display_name ?? tenant.name, logo: brand?.logo ? await this.logoImage(brand.logo) : null };
    const labels = found.map((order): LabelContent => {
      if (!order) throw new NotFoundError('order');
      return labelOf(sender, order);
    });
    return labelPdf(labels);
  }

  /** The logo as a PNG the PDF can hold (pdfkit takes PNG and JPEG, not WebP), scaled down; null when it is gone. */
  private async logoImage(attachmentId: string): Promise<Buffer | null> {
    const data = await this.options.store.attachments.readAttachment(attachmentId);
    if (!data) return null;
    return sharp(data).resize({ height: LOGO_HEIGHT_PX, withoutEnlargement: true }).png().toBuffer();
  }
}

/** Who sends the parcels: the tenant's display name and logo. */
interface Sender {
  name: string;
  logo: Buffer | null;
}

function labelOf(sender: Sender, order: Order): LabelContent {
  return {
    orderId: order.id,
    tenantName: sender.name,
    logo: sender.logo,
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
