import type { Logger } from 'pino';
import { defaultBranding } from '../domain/branding';
import type { Locale } from '../domain/locale';
import { minorDigits } from '../domain/loyalty';
import {
  TEMPLATE_PART_PATHS,
  templatePart,
  type MessageRequest,
  type MessageSubject,
  type MessageValues,
  type PushText,
  type RenderOutcome,
  type TemplatePartPath,
} from '../domain/message';
import type { Money } from '../domain/payment';
import { FAIL_REASON_WORDS } from '../domain/proof';
import { escapingOf, LiquidSandbox, type CompiledTemplate, type TemplateScope } from '../services/liquid-sandbox';
import type { BrandingBook } from '../store/branding/port';
import type { TemplateBook } from '../store/templates/port';
import type { TenantDirectory } from '../store/tenants/port';
import { BUILT_IN_TEXTS, LAYOUT_WORDS, type MessageTexts, type TextSet, type TextValues } from './alert-texts';
import { emailHtml, paragraphsHtml } from './email-layout';

export type { TextSet } from './alert-texts';

// What a notification shows before it is cut: a title fits one line of a phone's notification, a body its two or three.
const PUSH_TITLE_MAX = 80;
const PUSH_BODY_MAX = 200;
// A subject longer than this is a template gone wrong; mail clients show less than half of it.
const SUBJECT_MAX = 200;

export interface TemplateCatalogOptions {
  /** The tenant's name, settings (default language, time zone), branding and templates, read at each render. */
  store: {
    tenants: Pick<TenantDirectory, 'getTenant' | 'getTenantSettings'>;
    branding: Pick<BrandingBook, 'getBranding'>;
    templates: Pick<TemplateBook, 'getTemplate'>;
  };
  /** Base of the links in emails to the tenants' logos (`PUBLIC_URL`, or the node's address). */
  publicUrl: string;
  logger: Logger;
  /** Counts a part of a tenant's template that failed at render (its built-in text went out instead). */
  onTemplateFailure?: (part: TemplatePartPath) => void;
  /** @default a sandbox with its default limits */
  sandbox?: LiquidSandbox;
  /**
   * Compiled template parts kept, across tenants (least recently used go first).
   * @default 2000
   */
  cacheSize?: number;
}

interface CachedPart {
  source: string;
  compiled: CompiledTemplate;
}

/**
 * Every message to a customer in every form (email subject, plain text and HTML, SMS, push), in the language asked
 * for (else the tenant's default) and the tenant's branding. The texts are the built-in ones of that language,
 * overridden part by part by the tenant's own Liquid template for that language and subject; a part that fails to
 * render falls back to its built-in text (counted and logged, without the values). The tenant's template is read at
 * every render and its parts compiled once per source: a template changed on any node is used by every node from
 * its next message, with nothing to announce or miss.
 */
export class TemplateCatalog {
  private readonly sandbox: LiquidSandbox;
  private readonly cacheSize: number;
  private readonly compiled = new Map<string, CachedPart>();
  private readonly added = new Map<string, Partial<TextSet>>();
  private readonly publicUrl: string;

  constructor(private readonly options: TemplateCatalogOptions) {
    this.sandbox = options.sandbox ?? new LiquidSandbox();
    this.cacheSize = options.cacheSize ?? 2000;
    if (!(this.cacheSize >= 1)) throw new RangeError('TemplateCatalog: cacheSize must be >= 1');
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
  }

  /** Replaces built-in texts of a language, for every tenant (`tenantId` omitted) or for one. */
  add(locale: Locale, texts: Partial<TextSet>, tenantId?: string): void {
    this.added.set(`${tenantId ?? '*'}:${locale}`, texts);
  }

  /** Renders a message. @throws when the store cannot be read (the caller tries again later) */
  async render(request: MessageRequest): Promise<RenderOutcome> {
    const { store } = this.options;
    const { tenantId, subject, values } = request;
    const settings = await store.tenants.getTenantSettings(tenantId);
    const locale = request.locale ?? settings?.default_locale ?? 'en';
    const [tenant, template, stored] = await Promise.all([
      store.tenants.getTenant(tenantId),
      store.templates.getTemplate(tenantId, locale, subject),
      store.branding.getBranding(tenantId),
    ]);
    const branding = stored ?? defaultBranding(tenant?.name ?? '');
    const format = formatter(locale, settings?.quiet_hours?.time_zone ?? null);
    const eta = values.eta !== null ? format.time(values.eta) : null;
    const builtIn = this.builtIn(tenantId, locale, subject)({
      reference: values.reference ?? '',
      customerName: values.customerName,
      courierName: values.courierName,
      trackingUrl: values.trackingUrl,
      eta,
      reason: values.reason !== null ? FAIL_REASON_WORDS[locale][values.reason] : null,
      collect: values.collect !== null ? format.money(values.collect) : null,
      code: values.code,
      brand: branding.display_name,
    });

    const fallbacks: TemplatePartPath[] = [];
    const own: Partial<Record<TemplatePartPath, string>> = {};
    if (template) {
      const scope: TemplateScope = {
        order: { reference: values.reference, status: values.status, eta },
        customer: { name: values.customerName },
        courier: { name: values.courierName },
        tracking_url: values.trackingUrl,
        tenant: { display_name: branding.display_name },
        code: values.code,
      };
      for (const path of TEMPLATE_PART_PATHS) {
        const source = templatePart(template.parts, path);
        if (source === undefined) continue;
        const rendered = this.renderPart(`${tenantId}\n${locale}\n${subject}\n${path}`, source, path, scope);
        if (rendered === null) {
          fallbacks.push(path);
          this.options.onTemplateFailure?.(path);
          this.options.logger.warn({ tenant_id: tenantId, locale, subject, part: path }, 'template part failed to render; built-in text sent');
        } else {
          own[path] = rendered;
        }
      }
    }

    const words = LAYOUT_WORDS[locale];
    const contact = `${words.contact(branding.display_name)}${words.colon}`;
    const subjectLine = oneLine(own.subject ?? builtIn.subject, SUBJECT_MAX);
    const message = {
      subject: subjectLine,
      text: own.text ?? plainText(builtIn, values.trackingUrl, words.colon, contact, branding),
      html: emailHtml({
        locale,
        title: subjectLine,
        preview: builtIn.lines[0] ?? builtIn.subject,
        brand: {
          name: branding.display_name,
          logoUrl: branding.logo ? `${this.publicUrl}/v1/logos/${encodeURIComponent(branding.logo)}` : null,
          color: branding.primary_color,
          supportEmail: branding.support_email,
          supportPhone: branding.support_phone,
        },
        content: own.html ?? builtInContent(builtIn, subject, values, words.codeLabel),
        // A tenant's own HTML links to the order where it wants to (`tracking_url`).
        button: own.html === undefined && builtIn.action !== null && values.trackingUrl ? { label: builtIn.action, url: values.trackingUrl } : null,
        words: { linkHint: words.linkHint, contact, why: words.why(branding.display_name, subject) },
      }),
      sms: own.sms ?? builtIn.sms,
      push: pushText({ title: own['push.title'] ?? builtIn.push.title, body: own['push.body'] ?? builtIn.push.body }),
    };
    return { locale, message, fallbacks };
  }

  private builtIn(tenantId: string, locale: Locale, subject: MessageSubject): (values: TextValues) => MessageTexts {
    return this.added.get(`${tenantId}:${locale}`)?.[subject] ?? this.added.get(`*:${locale}`)?.[subject] ?? BUILT_IN_TEXTS[locale][subject];
  }

  /** One part of a tenant's template rendered; null when it failed (or came out empty), so its built-in text goes. */
  private renderPart(key: string, source: string, path: TemplatePartPath, scope: TemplateScope): string | null {
    try {
      let cached = this.compiled.get(key);
      if (cached?.source !== source) {
        cached = { source, compiled: this.sandbox.compile(source, escapingOf(path)) };
      }
      // Least recently used first: a hit moves to the end.
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      if (this.compiled.size > this.cacheSize) this.compiled.delete(this.compiled.keys().next().value!);
      const rendered = this.sandbox.render(cached.compiled, scope);
      return rendered.trim() === '' ? null : rendered;
    } catch {
      return null;
    }
  }
}

/** Dates and money in the message's language; times in the tenant's zone when it has one (else UTC, said so). */
function formatter(locale: Locale, timeZone: string | null) {
  const time = new Intl.DateTimeFormat(locale, {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: timeZone ?? 'UTC',
    ...(timeZone ? {} : { timeZoneName: 'short' as const }),
  });
  return {
    time: (iso: string): string | null => {
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? null : time.format(at);
    },
    money: (money: Money): string => {
      const digits = minorDigits(money.currency);
      return new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }).format(money.value / 10 ** digits);
    },
  };
}

/** A built-in message's plain-text part: greeting, paragraphs, the link, and how to reach the tenant. */
function plainText(
  texts: MessageTexts,
  trackingUrl: string | null,
  colon: string,
  contact: string,
  branding: { support_email: string | null; support_phone: string | null },
): string {
  const link = texts.action !== null && trackingUrl ? `\n${texts.action}${colon}${trackingUrl}` : '';
  const reach = [branding.support_email, branding.support_phone].filter((way) => way !== null);
  const support = reach.length > 0 ? `\n\n${contact}${reach.join(' · ')}` : '';
  return `${texts.greeting}\n\n${texts.lines.join('\n')}${link}${support}\n`;
}

function builtInContent(texts: MessageTexts, subject: MessageSubject, values: MessageValues, codeLabel: string): string {
  const code = subject === 'sign_in_code' && values.code ? { label: codeLabel, value: values.code } : null;
  return paragraphsHtml(texts.greeting, texts.lines, code);
}

/** A line for a subject or a notification's title: whitespace (line breaks too) as single spaces, at most `max`. */
function oneLine(text: string, max: number): string {
  return cut(text.replace(/\s+/g, ' ').trim(), max);
}

function pushText(push: PushText): PushText {
  return { title: oneLine(push.title, PUSH_TITLE_MAX), body: cut(push.body.trim(), PUSH_BODY_MAX) };
}

/** `text` cut to `max` characters (code points), the last one an ellipsis when it was longer. */
function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

