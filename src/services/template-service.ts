import { NotFoundError, ValidationError, type FieldIssue } from '../domain/errors';
import type { Locale } from '../domain/locale';
import {
  orderValues,
  TEMPLATE_PART_PATHS,
  templatePart,
  type MessageRequest,
  type MessageSubject,
  type MessageValues,
  type RenderOutcome,
  type TemplateParts,
} from '../domain/message';
import type { Order } from '../domain/order';
import type { CourierRecords } from '../store/couriers/port';
import type { OrderLog } from '../store/orders/port';
import type { StoredTemplate, TemplateBook } from '../store/templates/port';
import { tenantTextsChanged } from '../notifiers/tenant-texts';
import { escapingOf, LiquidSandbox, TemplateSourceError } from './liquid-sandbox';

export interface TemplateServiceOptions {
  store: {
    templates: TemplateBook;
    orders: Pick<OrderLog, 'getOrder'>;
    couriers: Pick<CourierRecords, 'getCourier'>;
  };
  /** Puts a message into words as alerts are (the notifiers' template catalog). */
  render: (request: MessageRequest) => Promise<RenderOutcome>;
  /** The tracking link of an order, with `base` its origin. */
  trackingUrl: (order: Order, base: string) => string;
  /** @default a sandbox with its default limits */
  sandbox?: LiquidSandbox;
  /** @default the system clock */
  now?: () => Date;
}

/** What a preview renders: a subject in a language, about an order of the tenant or about sample values. */
export interface PreviewRequest {
  locale: Locale;
  subject: MessageSubject;
  orderId?: string;
}

/** Sample people, named as each language's readers would see them in an example. */
const SAMPLE_NAMES: Record<Locale, { customer: string; courier: string }> = {
  en: { customer: 'Ada Lovelace', courier: 'Sam Lee' },
  'zh-HK': { customer: '陳大文', courier: '李志強' },
  ar: { customer: 'ليلى أحمد', courier: 'سامي حداد' },
};
const SAMPLE_CODE = '123456';
// How far ahead the sample's courier is expected.
const SAMPLE_ETA_MS = 25 * 60_000;

/**
 * Tenants' own message texts (API.md "Branding and message templates"): Liquid templates per language and subject,
 * each part checked when it is put (it parses, uses known variables only, renders sample values), and previewed as a
 * customer would receive them.
 */
export class TemplateService {
  private readonly sandbox: LiquidSandbox;
  private readonly now: () => Date;

  constructor(private readonly options: TemplateServiceOptions) {
    this.sandbox = options.sandbox ?? new LiquidSandbox();
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Keeps the tenant's template for the language and subject, replacing its earlier one.
   * @throws ValidationError naming each part that does not parse, uses an unknown variable or fails on sample values,
   *   with its line
   */
  async put(tenantId: string, locale: Locale, subject: MessageSubject, parts: TemplateParts): Promise<StoredTemplate> {
    const issues: FieldIssue[] = [];
    for (const path of TEMPLATE_PART_PATHS) {
      const source = templatePart(parts, path);
      if (source === undefined) continue;
      try {
        this.sandbox.compile(source, escapingOf(path));
      } catch (error) {
        if (!(error instanceof TemplateSourceError)) throw error;
        issues.push({ path, message: error.message, code: 'invalid_template' });
      }
    }
    if (issues.length > 0) throw new ValidationError('the template does not compile', issues);
    const template: StoredTemplate = { tenant_id: tenantId, locale, subject, parts, updated_at: this.now().toISOString() };
    await this.options.store.templates.putTemplate(template);
    await tenantTextsChanged(tenantId);
    return template;
  }

  /** @throws NotFoundError when the tenant has none for the language and subject */
  async get(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate> {
    const template = await this.options.store.templates.getTemplate(tenantId, locale, subject);
    if (!template) throw new NotFoundError('template');
    return template;
  }

  list(tenantId: string): Promise<StoredTemplate[]> {
    return this.options.store.templates.listTemplates(tenantId);
  }

  /** Removes the template: the built-in texts go out again. @throws NotFoundError when there is none */
  async remove(tenantId: string, locale: Locale, subject: MessageSubject): Promise<void> {
    if (!(await this.options.store.templates.deleteTemplate(tenantId, locale, subject))) throw new NotFoundError('template');
    await tenantTextsChanged(tenantId);
  }

  /**
   * The message as it would go out now: about the order when one is named (its tracking link based at `base`), else
   * about sample values.
   * @throws NotFoundError when the order is not one of the tenant's
   */
  async preview(tenantId: string, request: PreviewRequest, base: string): Promise<RenderOutcome> {
    const values = request.orderId ? await this.orderValues(tenantId, request.orderId, request, base) : this.sample(request, base);
    return this.options.render({ tenantId, locale: request.locale, subject: request.subject, values });
  }

  private async orderValues(tenantId: string, orderId: string, request: PreviewRequest, base: string): Promise<MessageValues> {
    const { store } = this.options;
    const order = await store.orders.getOrder(tenantId, orderId);
    if (!order) throw new NotFoundError('order');
    // A sign-in code is about no order: the order's customer, greeted by name.
    if (request.subject === 'sign_in_code') return { ...this.sample(request, base), customerName: order.customer.name ?? null };
    const courier = order.courier_id ? await store.couriers.getCourier(tenantId, order.courier_id) : null;
    return orderValues(order, request.subject, { courierName: courier?.name ?? null, reason: null, trackingUrl: this.options.trackingUrl(order, base) });
  }

  private sample({ locale, subject }: PreviewRequest, base: string): MessageValues {
    const names = SAMPLE_NAMES[locale];
    const signIn = subject === 'sign_in_code';
    return {
      reference: signIn ? null : 'SAMPLE-1042',
      status: signIn ? null : subject === 'arriving' ? 'out_for_delivery' : subject,
      customerName: names.customer,
      courierName: signIn ? null : names.courier,
      trackingUrl: signIn ? null : `${base.replace(/\/+$/, '')}/track/ord_sample`,
      eta: signIn ? null : new Date(this.now().getTime() + SAMPLE_ETA_MS).toISOString(),
      reason: subject === 'failed_attempt' ? 'not_home' : null,
      collect: subject === 'out_for_delivery' || subject === 'arriving' ? { value: 12_900, currency: 'HKD' } : null,
      code: signIn ? SAMPLE_CODE : null,
    };
  }
}
