/** The languages of pages and alerts (API.md "Languages"): English, Traditional Chinese (Hong Kong), Arabic. */
export const LOCALES = ['en', 'zh-HK', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];

const RIGHT_TO_LEFT: ReadonlySet<Locale> = new Set<Locale>(['ar']);

/**
 * The supported language a BCP 47 tag means, or null: any English is `en`, any Arabic `ar`, and Chinese written in
 * traditional characters (`zh-HK`, `zh-MO`, `zh-TW`, `zh-Hant…`) or Cantonese (`yue`) is `zh-HK`.
 */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'ar' || lower.startsWith('ar-')) return 'ar';
  if (/^zh-(hk|mo|tw|hant)(-|$)/.test(lower) || lower === 'yue' || lower.startsWith('yue-')) return 'zh-HK';
  return null;
}

/** An alert's language (API.md "Languages"): the customer's, else the tenant's default, else English. */
export function alertLocale(customerLocale: string | null | undefined, tenantDefault: Locale | null | undefined): Locale {
  return matchLocale(customerLocale) ?? tenantDefault ?? 'en';
}

/** Whether the language is written right to left (Arabic): its texts align right and their layout mirrors. */
export function isRightToLeft(locale: Locale): boolean {
  return RIGHT_TO_LEFT.has(locale);
}
