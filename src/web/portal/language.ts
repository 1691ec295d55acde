/**
 * The portal's language (API.md "Languages"), first found: `?lang=`, the language picked on the page (kept on the
 * device), the customer's `locale` (known once signed in), the browser's languages, English.
 */
import { matchLanguage, pickLanguage, type Language, type LanguageSources } from '../shared/i18n';

/** Where the language picked in the portal is kept on the device (one choice for every shop's portal). */
export const LANGUAGE_KEY = 'portal.language';

export interface PortalLanguageSources extends LanguageSources {
  /** The customer's `locale` (`GET /v1/customers/me`); null before sign-in or when it has none. */
  customer: string | null;
}

export function portalLanguage({ search, kept, customer, preferred }: PortalLanguageSources): Language {
  // The customer's locale outranks the browser's languages, not the page's own two sources.
  const chosen = matchLanguage(new URLSearchParams(search).get('lang')) ?? matchLanguage(kept) ?? matchLanguage(customer);
  return chosen ?? pickLanguage({ search: '', kept: null, preferred });
}

/** The language picked on the page earlier, as kept on the device. */
export function keptLanguage(): string | null {
  try {
    return localStorage.getItem(LANGUAGE_KEY);
  } catch {
    return null; // storage disabled: nothing was kept
  }
}

/** The language this page is in, from the browser's URL, what was kept and the customer's locale. */
export function currentLanguage(customer: string | null): Language {
  return portalLanguage({
    search: window.location.search,
    kept: keptLanguage(),
    customer,
    preferred: navigator.languages ?? [navigator.language],
  });
}
