import type { OrderStatus } from '../domain/status';

/** What an alert tells: a notifying status, or that the courier is arriving (API.md "Arrival"). */
export type AlertSubject = OrderStatus | 'arriving';

/** What a template sees. */
export interface TemplateData {
  reference: string;
  status: AlertSubject;
  customerName: string | null;
  trackingUrl: string;
  /** Why a failed attempt failed, in words; null when not said (or not a failed attempt). */
  reason?: string | null;
}

export interface Rendered {
  subject: string;
  text: string;
  sms: string;
}

/** One language's texts: a function per alert subject (others fall back to `default`). */
export type TemplateSet = Partial<Record<AlertSubject, (data: TemplateData) => Rendered>> & {
  default: (data: TemplateData) => Rendered;
};

const greeting = (data: TemplateData) => (data.customerName ? `Hello ${data.customerName},` : 'Hello,');

const because = (data: TemplateData) => (data.reason ? `: ${data.reason}` : '');

const english: TemplateSet = {
  shipped: (d) => ({
    subject: `Your order ${d.reference} has shipped`,
    text: `${greeting(d)}\n\nYour order ${d.reference} is on its way.\nFollow it live: ${d.trackingUrl}\n`,
    sms: `Order ${d.reference} has shipped. Track it: ${d.trackingUrl}`,
  }),
  out_for_delivery: (d) => ({
    subject: `Your order ${d.reference} is out for delivery`,
    text: `${greeting(d)}\n\nYour order ${d.reference} is out for delivery today.\nFollow it live: ${d.trackingUrl}\n`,
    sms: `Order ${d.reference} is out for delivery. Track it: ${d.trackingUrl}`,
  }),
  arriving: (d) => ({
    subject: `Your order ${d.reference} is almost there`,
    text: `${greeting(d)}\n\nThe courier with your order ${d.reference} is nearly at your door.\nFollow it live: ${d.trackingUrl}\n`,
    sms: `The courier with order ${d.reference} is nearly there. Track it: ${d.trackingUrl}`,
  }),
  delivered: (d) => ({
    subject: `Your order ${d.reference} was delivered`,
    text: `${greeting(d)}\n\nYour order ${d.reference} was delivered.\nDetails: ${d.trackingUrl}\n`,
    sms: `Order ${d.reference} was delivered. Details: ${d.trackingUrl}`,
  }),
  failed_attempt: (d) => ({
    subject: `We missed you: delivery of ${d.reference} failed`,
    text: `${greeting(d)}\n\nWe could not deliver your order ${d.reference}${because(d)}. We will try again.\nDetails: ${d.trackingUrl}\n`,
    sms: `Delivery of order ${d.reference} failed${because(d)}; we will try again. Details: ${d.trackingUrl}`,
  }),
  returned: (d) => ({
    subject: `Your order ${d.reference} is being returned`,
    text: `${greeting(d)}\n\nYour order ${d.reference} is being returned to the sender.\nDetails: ${d.trackingUrl}\n`,
    sms: `Order ${d.reference} is being returned. Details: ${d.trackingUrl}`,
  }),
  default: (d) => ({
    subject: `Your order ${d.reference}: ${d.status.replace(/_/g, ' ')}`,
    text: `${greeting(d)}\n\nYour order ${d.reference} is now ${d.status.replace(/_/g, ' ')}.\nDetails: ${d.trackingUrl}\n`,
    sms: `Order ${d.reference}: ${d.status.replace(/_/g, ' ')}. Details: ${d.trackingUrl}`,
  }),
};

/**
 * Alert texts by language, with fallback: the tenant's own set for the exact locale (`zh-HK`), then its set for
 * the language (`zh`), then the built-in ones in the same order, then English. A tenant adds a language with
 * {@link TemplateCatalog.add}.
 */
export class TemplateCatalog {
  private readonly sets = new Map<string, TemplateSet>([['*:en', english]]);

  /** Adds or replaces a language, for every tenant (`tenantId` omitted) or for one. */
  add(locale: string, templates: TemplateSet, tenantId?: string): void {
    this.sets.set(`${tenantId ?? '*'}:${locale.toLowerCase()}`, templates);
  }

  /** Renders an alert; the HTML part is the text, escaped, with the tracking link made clickable. */
  render(tenantId: string, locale: string | undefined, data: TemplateData): Rendered & { html: string } {
    const set = this.lookup(tenantId, (locale ?? 'en').toLowerCase());
    const rendered = (set[data.status] ?? set.default)(data);
    const html = `<p>${escapeHtml(rendered.text)
      .replace(/\n\n/g, '</p><p>')
      .replace(/\n/g, '<br>')
      .replace(escapeHtml(data.trackingUrl), `<a href="${escapeHtml(data.trackingUrl)}">${escapeHtml(data.trackingUrl)}</a>`)}</p>`;
    return { ...rendered, html };
  }

  private lookup(tenantId: string, locale: string): TemplateSet {
    const language = locale.split('-')[0]!;
    for (const key of [`${tenantId}:${locale}`, `${tenantId}:${language}`, `*:${locale}`, `*:${language}`]) {
      const set = this.sets.get(key);
      if (set) return set;
    }
    return english;
  }
}

/**
 * A push notification's title and body from an alert's texts: its subject and its SMS text, the short form, until the
 * templates have a part of their own for push (then it is read here, and only here).
 */
export function pushTexts(rendered: Rendered): { title: string; body: string } {
  return { title: rendered.subject, body: rendered.sms };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
