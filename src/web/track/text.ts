/**
 * The tracking page's words and formats in one language. English comes with the page; each other language is a
 * script of its own (src/web/build.ts builds them), fetched only when the page is shown in it.
 */
import { assetUrl } from '../shared/assets';
import { translator, type Language, type Translate } from '../shared/i18n';
import { TrackFormats } from './format';
import { en, type Catalog, type MessageKey } from './i18n/en';

/** Where the language picked on the page is kept on the device. */
export const LANGUAGE_KEY = 'track.language';

export interface Text {
  language: Language;
  t: Translate<MessageKey>;
  formats: TrackFormats;
}

/**
 * Each language not bundled: its script (an ES module under /assets/, its name carrying its digest, see
 * src/web/build.ts) and the name its catalog is exported by.
 */
const SCRIPTS: Record<Exclude<Language, 'en'>, { file: string; name: string }> = {
  'zh-HK': { file: 'track-zh-hk.js', name: 'zhHK' },
  ar: { file: 'track-ar.js', name: 'ar' },
};

const catalogs = new Map<Language, Promise<Catalog>>([['en', Promise.resolve(en)]]);

/** The words and formats of `language`, its catalog fetched on first use; rejects when it cannot be fetched. */
export async function loadText(language: Language): Promise<Text> {
  return textFor(language, await catalogOf(language));
}

/** The words and formats of a language whose catalog is at hand. */
export function textFor(language: Language, catalog: Catalog = en): Text {
  const t = translator(catalog);
  return { language, t, formats: new TrackFormats(language, (day, time) => t('day_and_time', { day, time })) };
}

function catalogOf(language: Language): Promise<Catalog> {
  let catalog = catalogs.get(language);
  if (!catalog) {
    const script = SCRIPTS[language as Exclude<Language, 'en'>];
    // A path esbuild cannot follow, so the import stays in the page as it is: the browser fetches the module.
    const url = assetUrl(script.file);
    catalog = (import(url) as Promise<Record<string, Catalog | undefined>>).then((module) => {
      const found = module[script.name];
      if (!found) throw new Error(`${url} has no catalog ${script.name}`);
      return found;
    });
    // A failed fetch is not kept: the next ask fetches again.
    catalog.catch(() => catalogs.delete(language));
    catalogs.set(language, catalog);
  }
  return catalog;
}
