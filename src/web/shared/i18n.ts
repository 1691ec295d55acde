/**
 * The pages' languages (API.md "Languages"): English, Traditional Chinese for Hong Kong and Arabic (right to left).
 * A page picks its language, marks `<html lang dir>` with it and formats dates, times, numbers and money with `Intl`
 * in it; its words live in its own catalogs, one per language, typed against the English one.
 */
import { isRightToLeft, matchLocale } from '../../domain/locale';

export { isRightToLeft };

export const LANGUAGES = ['en', 'zh-HK', 'ar'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Each language named in itself, for a picker: a reader finds their own language whatever the page shows. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', 'zh-HK': '繁體中文（香港）', ar: 'العربية' };

/** The supported language a BCP 47 tag means, or null: the rule alerts follow too (any traditional Chinese is zh-HK). */
export const matchLanguage: (tag: string | null | undefined) => Language | null = matchLocale;

export interface LanguageSources {
  /** The page's URL query (`?lang=`). */
  search: string;
  /** The language picked on the page earlier, as kept on the device. */
  kept: string | null;
  /** The language of the customer the page is for, when the page knows it. */
  customer?: string | null;
  /** The browser's languages, most wanted first. */
  preferred: readonly string[];
  /** The business's language for its customers (its tenant's `default_locale`), when the page knows it. */
  fallback?: string | null;
}

/**
 * API.md's order: `?lang=`, the one picked on the page (kept on the device), the customer's, the browser's
 * languages, the business's, English.
 */
export function pickLanguage({ search, kept, customer, preferred, fallback }: LanguageSources): Language {
  const asked = matchLanguage(new URLSearchParams(search).get('lang'));
  if (asked) return asked;
  const picked = matchLanguage(kept);
  if (picked) return picked;
  const customers = matchLanguage(customer);
  if (customers) return customers;
  for (const tag of preferred) {
    const found = matchLanguage(tag);
    if (found) return found;
  }
  return matchLanguage(fallback) ?? 'en';
}

/** What this browser says of the language: its URL, the language kept under `storageKey` and its languages. */
export function browserLanguageSources(storageKey: string): LanguageSources {
  let kept: string | null = null;
  try {
    kept = localStorage.getItem(storageKey);
  } catch {
    // storage disabled: nothing was kept
  }
  return { search: window.location.search, kept, preferred: navigator.languages ?? [navigator.language] };
}

/** The language this page starts in, reading the browser's URL, `storageKey` in localStorage and languages. */
export function startLanguage(storageKey: string): Language {
  return pickLanguage(browserLanguageSources(storageKey));
}

/** Keeps the language picked on the page for the next visit. */
export function keepLanguage(storageKey: string, language: Language): void {
  try {
    localStorage.setItem(storageKey, language);
  } catch {
    // storage disabled: the choice lasts as long as the page
  }
}

/** Marks the document with the language and its writing direction, so the layout (and screen readers) follow it. */
export function applyLanguage(language: Language, root: HTMLElement = document.documentElement): void {
  root.lang = language;
  root.dir = isRightToLeft(language) ? 'rtl' : 'ltr';
}

/** Money as the API sends it: integer minor units and an ISO 4217 currency. */
export interface Money {
  value: number;
  currency: string;
}

/** Dates, times, numbers and money in one language, in the viewer's own time zone. */
export class Formats {
  private readonly time: Intl.DateTimeFormat;
  private readonly dateTime: Intl.DateTimeFormat;
  private readonly numbers: Intl.NumberFormat;
  private readonly currencies = new Map<string, Intl.NumberFormat>();

  constructor(readonly language: Language) {
    this.time = new Intl.DateTimeFormat(language, { hour: 'numeric', minute: '2-digit' });
    this.dateTime = new Intl.DateTimeFormat(language, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
    this.numbers = new Intl.NumberFormat(language);
  }

  /** A time of day: "14:05". */
  formatTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.time.format(date);
  }

  /** A day and a time: "Tue 3 Jun, 14:05". */
  formatDateTime(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.dateTime.format(date);
  }

  formatNumber(value: number): string {
    return this.numbers.format(value);
  }

  /**
   * An amount of money, from minor units: `{ value: 12900, currency: 'HKD' }` → "HK$129.00". In a right-to-left
   * language a Latin symbol ("HK$") is isolated left to right, or the bidirectional algorithm turns it into "$HK".
   */
  formatMoney(money: Money): string {
    const amount = money.value / 10 ** minorDigits(money.currency);
    const format = this.currency(money.currency);
    if (!isRightToLeft(this.language)) return format.format(amount);
    return format
      .formatToParts(amount)
      .map((part) => (part.type === 'currency' ? `\u2066${part.value}\u2069` : part.value))
      .join('');
  }

  private currency(code: string): Intl.NumberFormat {
    let format = this.currencies.get(code);
    if (!format) {
      format = new Intl.NumberFormat(this.language, { style: 'currency', currency: code });
      this.currencies.set(code, format);
    }
    return format;
  }
}

/** How many digits a currency's minor unit has (2 for HKD, 0 for JPY, 3 for KWD), as `Intl` knows it. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // an unknown code: cents, the commonest case
  }
}

/** Words with `{name}` placeholders filled in from `values`. */
export type Translate<Key extends string> = (key: Key, values?: Record<string, string | number>) => string;

/**
 * A lookup in one language's catalog. Each value put in is isolated from the words around it (Unicode FSI…PDI, as
 * Fluent does), so an amount like "HK$250.00" or a Latin name keeps its own direction inside Arabic text. A
 * placeholder with no value stays as written, so a mistake shows.
 */
export function translator<Key extends string>(catalog: Record<Key, string>): Translate<Key> {
  return (key, values) => {
    const text = catalog[key];
    if (!values) return text;
    return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? `\u2068${String(values[name])}\u2069` : whole));
  };
}
