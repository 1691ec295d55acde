/** The API's answers as the dashboard reads them (API.md), derived from the server's own types where it has them. */
import type { OrderEvent, OrderView } from '../../domain/order';
import type { PaymentTransaction } from '../../domain/payment';
import type { DeliveryLine } from '../../http/delivery-wire';
import type { CourierView } from '../../services/courier-record-service';
import type { AddedDevice as ServiceAddedDevice, DeviceView } from '../../services/device-service';
import type { PaymentReport as StorePaymentReport } from '../../store/payments/port';
import type { ReportSummary as StoreReportSummary } from '../../store/search/port';
import type { WebhookMessage } from '../../store/webhook-log/port';

/** An order as `GET /v1/orders` answers it (`promised_by` is newer than some servers). */
export type Order = OrderView & { promised_by?: string | null };

export interface OrderPage {
  items: Order[];
  next_cursor: string | null;
}

export type OrderWithHistory = Order & { history: OrderEvent[] };

/** One line of `GET /v1/orders/:id/notifications`, as the API declares it. */
export type DeliveryLogEntry = DeliveryLine;

/** `GET /v1/reports/summary`: the store's figures and the range they cover. */
export type ReportSummary = StoreReportSummary & { from: string; to: string };

export interface Webhook {
  id: string;
  url: string;
  enabled: boolean;
}

/** One line of `GET /v1/webhooks/:id/deliveries` (`last_response`, `last_attempt_at` are newer than some servers). */
export type WebhookDelivery = Omit<WebhookMessage, 'webhook_id' | 'last_response' | 'last_attempt_at'> &
  Partial<Pick<WebhookMessage, 'last_response' | 'last_attempt_at'>>;

/** A courier record, as `GET /v1/couriers` lists it. */
export type Courier = CourierView;

/** A courier's device, as `GET /v1/couriers/:id/devices` lists it (without its key). */
export type Device = DeviceView;
export type DeviceProtocol = Device['protocol'];

export interface DevicePage {
  items: Device[];
}

/** `POST /v1/couriers/:id/devices`: the device with its key (shown only here) and its app's set-up. */
export type AddedDevice = ServiceAddedDevice;

export interface CourierPage {
  items: Courier[];
  next_cursor: string | null;
}

/** `POST /v1/couriers/:id/invites`: a one-time sign-in link for the courier app. */
export interface CourierInvite {
  code: string;
  url: string;
  expires_at: string;
}

/** One line of `GET /v1/payments/transactions`. */
export type Transaction = PaymentTransaction;

export interface TransactionPage {
  items: Transaction[];
  next_cursor: string | null;
}

/** `GET /v1/reports/payments`. */
export type PaymentReport = StorePaymentReport;

/** `GET /v1/tenants/me/settings` (the parts the settings view changes, and the rest as they come). */
export interface TenantSettings {
  slug: string;
  default_locale: 'en' | 'zh-HK' | 'ar';
  [other: string]: unknown;
}

/** `GET /v1/tenants/me/branding`. */
export interface Branding {
  display_name: string | null;
  logo: string | null;
  /** A link that shows the logo in an `<img>`. */
  logo_url?: string | null;
  primary_color: string | null;
  support_email?: string | null;
  support_phone?: string | null;
}

/** A tenant's template (`GET /v1/tenants/me/templates/:locale/:subject`, an item of the list): its Liquid parts. */
export interface MessageTemplate {
  locale: string;
  subject: string;
  parts: {
    subject?: string;
    text?: string;
    html?: string;
    sms?: string;
    push?: { title?: string; body?: string };
  };
  updated_at?: string;
}

/** `GET /v1/tenants/me/templates`. */
export interface TemplateList {
  items: MessageTemplate[];
}

/** `POST /v1/tenants/me/templates/preview`: the rendered texts, and the parts that fell back to the built-in text. */
export interface TemplatePreview {
  subject: string;
  text: string;
  html: string;
  sms: string;
  push?: { title?: string; body?: string } | null;
  fallbacks?: string[];
}
