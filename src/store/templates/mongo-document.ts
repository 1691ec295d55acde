import type { StoredTemplate } from './port';

/** A tenant's template; `_id` is JSON of [tenant, locale, subject], which carries its uniqueness. */
export type TemplateDocument = StoredTemplate & { _id: string };
