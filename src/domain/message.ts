import type { Order } from './order';
import { collectOnDelivery, type Money } from './payment';
import type { FailReason } from './proof';
import { NOTIFYING_STATUSES, type OrderStatus } from './status';
import type { Locale } from './locale';

/**
 * What a message to a customer tells (API.md "Branding and message templates"): a notifying status, the courier
 * arriving, or a sign-in code.
 */
export const MESSAGE_SUBJECTS = ['shipped', 'out_for_delivery', 'delivered', 'failed_attempt', 'returned', 'arriving', 'sign_in_code'] as const;
export type MessageSubject = (typeof MESSAGE_SUBJECTS)[number];

/** The subjects of alerts about an order (every subject but the sign-in code). */
export type AlertSubject = Exclude<MessageSubject, 'sign_in_code'>;

/** The subject of a status's alert; null for a status that alerts no one. */
export function statusSubject(status: OrderStatus): AlertSubject | null {
  return NOTIFYING_STATUSES.has(status) && isMessageSubject(status) ? status : null;
}

export function isMessageSubject(value: string): value is MessageSubject {
  return (MESSAGE_SUBJECTS as readonly string[]).includes(value);
}

/** A push notification's two lines (API.md "Web Push"). */
export interface PushText {
  title: string;
  body: string;
}

/** A message in every form a channel sends it. */
export interface RenderedMessage {
  /** The email's subject. */
  subject: string;
  /** The email's plain-text part (always sent beside the HTML one). */
  text: string;
  /** The email's HTML part: a whole document in the tenant's branding. */
  html: string;
  sms: string;
  push: PushText;
}

/** The parts of a message a tenant's template may give; each one missing is the built-in text of its language. */
export interface TemplateParts {
  subject?: string;
  text?: string;
  /** The content of the HTML email, inside the branded layout (header with the logo or name, footer). */
  html?: string;
  sms?: string;
  push?: Partial<PushText>;
}

/** Every part a template may give, by its path in {@link TemplateParts} (as a 400 names the one that failed). */
export const TEMPLATE_PART_PATHS = ['subject', 'text', 'html', 'sms', 'push.title', 'push.body'] as const;
export type TemplatePartPath = (typeof TEMPLATE_PART_PATHS)[number];

/** The source of one part of a template, or undefined when the template does not give it. */
export function templatePart(parts: TemplateParts, path: TemplatePartPath): string | undefined {
  switch (path) {
    case 'push.title':
      return parts.push?.title;
    case 'push.body':
      return parts.push?.body;
    default:
      return parts[path];
  }
}

/** The variables a template may use (API.md "Branding and message templates"); anything else is refused. */
export const TEMPLATE_VARIABLES = [
  'order.reference',
  'order.status',
  'order.eta',
  'customer.name',
  'courier.name',
  'tracking_url',
  'tenant.display_name',
  'code',
] as const;

/**
 * What a message is about, before it is put into words: raw values, formatted in the message's language and the
 * tenant's time zone when it is rendered. A value that does not apply (no courier yet, no order for a sign-in code) is
 * null.
 */
export interface MessageValues {
  /** The order's `external_id`, or its id. */
  reference: string | null;
  /** The order's status the message tells of (an arriving courier: out for delivery). */
  status: OrderStatus | null;
  customerName: string | null;
  courierName: string | null;
  /** The order's tracking link. */
  trackingUrl: string | null;
  /** When the courier is expected (ISO 8601): the order's estimate, else its promised time. */
  eta: string | null;
  /** Why a failed attempt failed. */
  reason: FailReason | null;
  /** The cash to have ready on delivery. */
  collect: Money | null;
  /** A sign-in code. */
  code: string | null;
}

/** A message to render: what it tells, in which language, for which tenant, about what. */
export interface MessageRequest {
  tenantId: string;
  /** Null: the tenant's `default_locale`. */
  locale: Locale | null;
  subject: MessageSubject;
  values: MessageValues;
}

/** A rendered message, and the parts of the tenant's template that failed to render (their built-in text was used). */
export interface RenderOutcome {
  locale: Locale;
  message: RenderedMessage;
  fallbacks: TemplatePartPath[];
}

/** What a message about `order` tells of it, with what is read beside the order. */
export function orderValues(
  order: Order,
  subject: AlertSubject,
  beside: { courierName: string | null; reason: FailReason | null; trackingUrl: string },
): MessageValues {
  return {
    reference: order.external_id ?? order.id,
    status: subject === 'arriving' ? order.status : subject,
    customerName: order.customer.name ?? null,
    courierName: beside.courierName,
    trackingUrl: beside.trackingUrl,
    eta: order.eta ?? order.promised_by,
    reason: beside.reason,
    collect: collectOnDelivery(order.payment),
    code: null,
  };
}
