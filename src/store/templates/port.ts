import type { Locale } from '../../domain/locale';
import type { MessageSubject, TemplateParts } from '../../domain/message';

/** A tenant's own texts for one subject in one language (API.md "Branding and message templates"). */
export interface StoredTemplate {
  tenant_id: string;
  locale: Locale;
  subject: MessageSubject;
  /** Liquid sources, checked when they were put. */
  parts: TemplateParts;
  updated_at: string;
}

/** Tenants' message templates, at most one per (tenant, language, subject). */
export interface TemplateBook {
  /** Keeps the template, replacing the tenant's one for that language and subject. */
  putTemplate(template: StoredTemplate): Promise<void>;
  getTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate | null>;
  /** The tenant's templates by language, then subject. */
  listTemplates(tenantId: string): Promise<StoredTemplate[]>;
  /** Removes the template; false when there was none. */
  deleteTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<boolean>;
}
