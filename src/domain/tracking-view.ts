import { matchLocale } from './locale';
import type { Order, OrderEvent, OrderView } from './order';
import type { ProofView } from './proof';
import type { OrderStatus } from './status';
import type { Locale } from './tenant-settings';

/**
 * What a tracking link shows of an order (API.md "Tracking links"): where it is and when it comes, never who the
 * customer is beyond a name and a language, nor what the business keeps on it (items, metadata, notes, amounts).
 * The languages are the page's (API.md "Languages"): the customer's, when it is one the pages speak, and the
 * business's own.
 */
export type TrackingView = Pick<
  OrderView,
  'id' | 'external_id' | 'status' | 'version' | 'eta' | 'promised_by' | 'arriving_at' | 'destination' | 'last_location'
> &
  Pick<Order, 'delivered_at'> & {
    customer: Pick<Order['customer'], 'name'> & { locale?: Locale };
    proof: ProofView | null;
    /** The tenant's `default_locale`: the page's language when neither the customer's nor the browser's is one it speaks. */
    default_locale: Locale;
  };

/** An applied event as a tracking link shows it: what happened and when, without its note, place or source. */
export type TrackingEvent = Pick<OrderEvent, 'seq' | 'type' | 'status' | 'scan_type' | 'occurred_at' | 'recorded_at' | 'reason'> & {
  seq: number;
};

/** The shop as its tracking page shows it (API.md "Branding and message templates"): name, logo, colour, support. */
export interface TrackingBranding {
  display_name: string;
  /** A link that shows the logo in an `<img>`; null: none. */
  logo_url: string | null;
  primary_color: string;
  support_email: string | null;
  support_phone: string | null;
}

/**
 * The tracking view with the order's applied events, oldest first, and the shop's branding: `GET /v1/orders/:id` for
 * a tracking link.
 */
export type TrackingViewWithHistory = TrackingView & { history: TrackingEvent[]; branding?: TrackingBranding };

/**
 * Whether the courier's position is shown to the order's customer and its tracking links: only while the order is
 * out for delivery. Before that the courier carries it among other customers' orders, and its position would show
 * where those customers live (staff and the business see the fleet all the time).
 */
export function courierShownToCustomer(status: OrderStatus): boolean {
  return status === 'out_for_delivery';
}

/**
 * The tracking view of an order, its fields in the order API.md lists them; `proof` as the order resource shows it,
 * `defaultLocale` the tenant's.
 */
export function toTrackingView(order: Order, proof: ProofView | null, defaultLocale: Locale): TrackingView {
  // Only the language the pages would speak: a tag as stored may say more (a region, a script, private subtags).
  const locale = matchLocale(order.customer.locale);
  return {
    id: order.id,
    external_id: order.external_id,
    status: order.status,
    version: order.version,
    eta: order.eta,
    promised_by: order.promised_by,
    delivered_at: order.delivered_at,
    arriving_at: order.arriving_at ?? null,
    destination: order.destination,
    last_location: courierShownToCustomer(order.status) ? order.last_location : null,
    customer: {
      ...(order.customer.name === undefined ? {} : { name: order.customer.name }),
      ...(locale === null ? {} : { locale }),
    },
    proof,
    default_locale: defaultLocale,
  };
}

/** The applied events of a history as a tracking link shows them (late events changed nothing and are left out). */
export function trackingEvents(history: readonly OrderEvent[]): TrackingEvent[] {
  const shown: TrackingEvent[] = [];
  for (const event of history) {
    if (!event.applied || event.seq === null) continue;
    shown.push({
      seq: event.seq,
      type: event.type,
      status: event.status,
      scan_type: event.scan_type,
      occurred_at: event.occurred_at,
      recorded_at: event.recorded_at,
      // The reason a delivery failed tells the customer what to do next; the note stays with the business.
      ...(event.reason ? { reason: event.reason } : {}),
    });
  }
  return shown;
}

/** The order resource as its customer reads it: whole, but the courier's position only while it is shown to them. */
export function customerOrderView(view: OrderView): OrderView {
  return courierShownToCustomer(view.status) || view.last_location === null ? view : { ...view, last_location: null };
}
