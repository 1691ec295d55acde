/** The API's answers as the portal reads them (API.md), derived from the server's own types. */
import type { OrderEvent, OrderView } from '../../domain/order';
import type { LedgerEntry } from '../../domain/loyalty';

export type { OrderStatus } from '../../domain/status';
export type { Payment, PaymentStatus } from '../../domain/payment';
export type { ProofView, FailReason } from '../../domain/proof';
export type { CustomerView } from '../../services/contact-service';

/** An order as its customer reads it (`GET /v1/orders`, the subscription's acknowledgement). */
export type PortalOrder = OrderView;

/** `GET /v1/orders/:id`: the order with its events, oldest first. */
export type OrderWithHistory = PortalOrder & { history: OrderEvent[] };

export type { OrderEvent };

/** A page of `GET /v1/orders`. */
export interface OrderPage {
  items: PortalOrder[];
  next_cursor: string | null;
}

/** One entry of a points account (`GET /v1/customers/:id/loyalty`). */
export type LoyaltyEntry = Pick<LedgerEntry, 'id' | 'delta' | 'reason' | 'at'> & { order_id?: string; kind?: 'discount' | 'charity' };

export interface LoyaltyAccount {
  customer_id: string;
  balance: number;
  entries: LoyaltyEntry[];
}

/** `GET /v1/customers/:id/preferences`. */
export interface StoredPreferences {
  customer_id: string;
  email: boolean;
  sms: boolean;
  email_address: string | null;
  phone: string | null;
  updated_at: string | null;
}

/**
 * `GET /v1/tenants/<slug>/branding` (API.md "Branding and message templates"), read without a token. The logo is an
 * attachment; its link is read from `logo_url`, or from `logo` when that is already a link.
 */
export interface Branding {
  display_name?: string | null;
  logo?: string | { id: string; url: string } | null;
  logo_url?: string | null;
  primary_color?: string | null;
  support_email?: string | null;
  support_phone?: string | null;
}

/** `POST /v1/customer-sessions`. */
export interface CustomerSessionAnswer {
  token: string;
  expires_at: string;
  customer_id: string;
}
