/** The portal's words and formats in the language chosen, handed to every view through one context. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { Formats, translator, type Language, type Translate } from '../shared/i18n';
import { ar } from './i18n/ar';
import { en, type Catalog, type MessageKey } from './i18n/en';
import { zhHK } from './i18n/zh-HK';

/**
 * Every language's catalog is in the one bundle: the pages are built as single scripts (src/web/build.ts, no code
 * splitting), and the two other catalogs weigh a few kilobytes gzipped.
 */
export const CATALOGS: Record<Language, Catalog> = { en, 'zh-HK': zhHK, ar };

export interface Text {
  language: Language;
  t: Translate<MessageKey>;
  formats: Formats;
}

export function textFor(language: Language): Text {
  return { language, t: translator(CATALOGS[language]), formats: new Formats(language) };
}

export const TextContext = createContext<Text>(textFor('en'));

export function useText(): Text {
  return useContext(TextContext);
}
