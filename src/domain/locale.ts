import type { Locale } from './tenant-settings';

/**
 * The supported language (API.md "Languages") a BCP 47 tag means, or null: any English is `en`, any Arabic `ar`,
 * and any Chinese written in traditional characters (Hong Kong, Macau, Taiwan, `Hant`, Cantonese) `zh-HK`.
 */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const lower = tag.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'ar' || lower.startsWith('ar-')) return 'ar';
  if (/^zh-(hk|mo|tw|hant)(-|$)/.test(lower) || lower === 'yue' || lower.startsWith('yue-')) return 'zh-HK';
  return null;
}
