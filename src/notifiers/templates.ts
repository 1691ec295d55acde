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
import { keepAtMost, keptIn } from '../kept';
import { escapingOf, LiquidSandbox, type CompiledTemplate, type TemplateScope } from '../services/liquid-sandbox';
import type { TenantSettings } from '../domain/tenant-settings';
import type { BrandingBook, StoredBranding } from '../store/branding/port';
import type { StoredTemplate, TemplateBook } from '../store/templates/port';
import type { Tenant, TenantDirectory } from '../store/tenants/port';
import { BUILT_IN_TEXTS, LAYOUT_WORDS, type MessageTexts, type TextSet, type TextValues } from './alert-texts';
import { emailHtml, paragraphsHtml } from './email-layout';
import { tenantTextsVersion } from './tenant-texts';

export type { TextSet } from './alert-texts';

// What a notification shows before it is cut: a title fits one line of a phone's notification, a body its two or three.
const PUSH_TITLE_MAX = 80;
const PUSH_BODY_MAX = 200;
// A subject longer than this is a template gone wrong; mail clients show less than half of it.
const SUBJECT_MAX = 200;

export interface TemplateCatalogOptions {
  /** The tenant's name, settings (default language, time zone), branding and templates, kept for `tenantTtlMs`. */
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
  /**
   * How long a tenant's name, settings, branding and templates are kept once read (0: read at every render). A change
   * is seen on every node before it is answered (see {@link tenantTextsChanged}); this long bounds how stale a node
   * is when Redis could not tell it.
   * @default 30000
   */
  tenantTtlMs?: number;
  /**
   * Tenants whose texts are kept at once (least recently read go first).
   * @default 10000
   */
  tenantCacheSize?: number;
  /** The clock the time to live is counted by (ms). @default Date.now */
  now?: () => number;
}

/** What a tenant's messages are made of, as read at `at` (each read once, when first needed). */
interface TenantTexts {
  at: number;
  /** {@link tenantTextsVersion} when read. */
  version: number;
  settings?: Promise<TenantSettings | null>;
  tenant?: Promise<Tenant | null>;
  branding?: Promise<StoredBranding | null>;
  /** By language and subject; null: the tenant has none. */
  templates: Map<string, Promise<StoredTemplate | null>>;
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
  private readonly tenantTtlMs: number;
  private readonly tenantCacheSize: number;
  private readonly tenants = new Map<string, TenantTexts>();

  constructor(private readonly options: TemplateCatalogOptions) {
    this.sandbox = options.sandbox ?? new LiquidSandbox();
    this.cacheSize = options.cacheSize ?? 2000;
    if (!(this.cacheSize >= 1)) throw new RangeError('TemplateCatalog: cacheSize must be >= 1');
    this.tenantTtlMs = options.tenantTtlMs ?? 30_000;
    if (!(this.tenantTtlMs >= 0)) throw new RangeError('TemplateCatalog: tenantTtlMs must be >= 0');
    this.tenantCacheSize = options.tenantCacheSize ?? 10_000;
    if (!(this.tenantCacheSize >= 1)) throw new RangeError('TemplateCatalog: tenantCacheSize must be >= 1');
    this.publicUrl = options.publicUrl.replace(/\/+$/, '');
  }

  /** The tenant's settings (quiet hours, default language), as the catalog renders with them. */
  tenantSettings(tenantId: string): Promise<TenantSettings | null> {
    const texts = this.textsOf(tenantId);
    return (texts.settings ??= this.kept(tenantId, texts, this.options.store.tenants.getTenantSettings(tenantId)));
  }

  private tenant(tenantId: string): Promise<Tenant | null> {
    const texts = this.textsOf(tenantId);
    return (texts.tenant ??= this.kept(tenantId, texts, this.options.store.tenants.getTenant(tenantId)));
  }

  private branding(tenantId: string): Promise<StoredBranding | null> {
    const texts = this.textsOf(tenantId);
    return (texts.branding ??= this.kept(tenantId, texts, this.options.store.branding.getBranding(tenantId)));
  }

  private template(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate | null> {
    const texts = this.textsOf(tenantId);
    const key = `${locale}\n${subject}`;
    let template = texts.templates.get(key);
    if (!template) {
      template = this.kept(tenantId, texts, this.options.store.templates.getTemplate(tenantId, locale, subject));
      texts.templates.set(key, template);
    }
    return template;
  }

  /** The tenant's texts as kept, or a fresh (empty) copy when they changed here or are older than the time to live. */
  private textsOf(tenantId: string): TenantTexts {
    const now = (this.options.now ?? Date.now)();
    const version = tenantTextsVersion(tenantId);
    let texts = this.tenants.get(tenantId);
    this.tenants.delete(tenantId);
    if (!texts || texts.version !== version || now - texts.at >= this.tenantTtlMs) texts = { at: now, version, templates: new Map() };
    // Least recently read first: a read moves the tenant to the end. With no time to live nothing is kept.
    if (this.tenantTtlMs > 0) keepAtMost(this.tenants, tenantId, texts, this.tenantCacheSize);
    return texts;
  }

  /** A read kept with the tenant's texts; one that fails is not kept (the next render reads again). */
  private kept<T>(tenantId: string, texts: TenantTexts, read: Promise<T>): Promise<T> {
    read.catch(() => {
      if (this.tenants.get(tenantId) === texts) this.tenants.delete(tenantId);
    });
    return read;
  }

  /** Replaces built-in texts of a language, for every tenant (`tenantId` omitted) or for one. */
  add(locale: Locale, texts: Partial<TextSet>, tenantId?: string): void {
    this.added.set(`${tenantId ?? '*'}:${locale}`, texts);
  }

  /** Renders a message. @throws when the store cannot be read (the caller tries again later) */
  async render(request: MessageRequest): Promise<RenderOutcome> {
    const { tenantId, subject, values } = request;
    const settings = await this.tenantSettings(tenantId);
    const locale = request.locale ?? settings?.default_locale ?? 'en';
    const [template, stored] = await Promise.all([this.template(tenantId, locale, subject), this.branding(tenantId)]);
    const branding = stored ?? defaultBranding((await this.tenant(tenantId))?.name ?? '');
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
      keepAtMost(this.compiled, key, cached, this.cacheSize);
      const rendered = this.sandbox.render(cached.compiled, scope);
      return rendered.trim() === '' ? null : rendered;
    } catch {
      return null;
    }
  }
}

/** Dates and money in the message's language; times in the tenant's zone when it has one (else UTC, said so). */
function formatter(locale: Locale, timeZone: string | null) {
  const time = keptIn(timeFormats, `${locale}\n${timeZone ?? ''}`, FORMATS_KEPT, () =>
    new Intl.DateTimeFormat(locale, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: timeZone ?? 'UTC',
      ...(timeZone ? {} : { timeZoneName: 'short' as const }),
    }),
  );
  return {
    time: (iso: string): string | null => {
      const at = new Date(iso);
      return Number.isNaN(at.getTime()) ? null : time.format(at);
    },
    money: (money: Money): string => {
      const digits = minorDigits(money.currency);
      const format = keptIn(moneyFormats, `${locale}\n${money.currency}`, FORMATS_KEPT, () => new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency }));
      return format.format(money.value / 10 ** digits);
    },
  };
}

/**
 * Intl formats by language and zone or currency, made once: making one costs far more than using it, and every
 * message uses two. The languages are ours, the zones and currencies few; past `FORMATS_KEPT` in either map the
 * oldest goes.
 */
const timeFormats = new Map<string, Intl.DateTimeFormat>();
const moneyFormats = new Map<string, Intl.NumberFormat>();
const FORMATS_KEPT = 500;

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

