/** The app's words and formats in the language chosen, handed to every view through one context. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { Formats, translator, type Language, type Translate } from '../shared/i18n';
import { ar } from './i18n/ar';
import { en, type Catalog, type MessageKey } from './i18n/en';
import { zhHK } from './i18n/zh-HK';

export const CATALOGS: Record<Language, Catalog> = { en, 'zh-HK': zhHK, ar };

/** Where the language picked in the app is kept on the device. */
export const LANGUAGE_KEY = 'courier.language';

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
