/**
 * The tracking page's words (src/web/track/i18n/): its three catalogs hold the same words (the types catch a missing
 * key; this also catches an empty text or a placeholder lost in translation), every status, scan and reason has its
 * words in each, the page's language comes from API.md's sources in their order, and its times are said in it.
 */
import type { ScanType } from '../../src/domain/scan';
import { FAIL_REASONS } from '../../src/domain/proof';
import { SCAN_TYPES } from '../../src/domain/scan';
import { STATUSES } from '../../src/domain/status';
import { pickLanguage } from '../../src/web/shared/i18n';
import { ar } from '../../src/web/track/i18n/ar';
import { en, type Catalog } from '../../src/web/track/i18n/en';
import { zhHK } from '../../src/web/track/i18n/zh-HK';
import { reasonWords, scanWords, statusSentence, statusTitle, STEPS, stepName } from '../../src/web/track/statuses';
import { textFor } from '../../src/web/track/text';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((found) => found[1]!).sort();
const CATALOGS: Array<[string, Catalog]> = [
  ['en', en],
  ['zh-HK', zhHK],
  ['ar', ar],
];

describe('catalogs', () => {
  it.each(CATALOGS.slice(1))('%s has every English key, no other, each with words and the same placeholders', (_language, catalog) => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const translated = catalog[key as keyof Catalog];
      expect({ key, empty: translated.trim() === '' }).toEqual({ key, empty: false });
      expect({ key, placeholders: placeholders(translated) }).toEqual({ key, placeholders: placeholders(text) });
    }
  });

  it('are translated, not copied: the Chinese and Arabic texts are not the English ones', () => {
    const copied = (catalog: Catalog) => Object.keys(en).filter((key) => catalog[key as keyof Catalog] === en[key as keyof Catalog]);
    expect(copied(zhHK)).toEqual([]);
    expect(copied(ar)).toEqual([]);
  });

  it.each(CATALOGS)('%s says every status, step, scan and failed attempt’s reason', (_language, catalog) => {
    const keys = [
      ...STATUSES.flatMap((status) => [statusTitle(status), statusSentence(status)]),
      ...STEPS.map(stepName),
      ...SCAN_TYPES.map((scan: ScanType) => scanWords(scan)),
      ...FAIL_REASONS.flatMap((reason) => Object.values(reasonWords(reason))),
    ];
    for (const key of keys) expect({ key, words: typeof catalog[key] === 'string' && catalog[key] !== '' }).toEqual({ key, words: true });
  });

  it('has no Latin letters in Chinese or Arabic but for the names of things (JavaScript, none here)', () => {
    for (const catalog of [zhHK, ar]) {
      const latin = Object.entries(catalog).filter(([, text]) => /[A-Za-z]/.test(text.replace(/\{\w+\}/g, '')));
      expect(latin).toEqual([]);
    }
  });
});

describe('the page’s language', () => {
  const browser = { search: '', kept: null, preferred: ['en-US'] };

  it('is ?lang=, then the one picked on the page, the customer’s, the browser’s, the business’s, English', () => {
    expect(pickLanguage({ ...browser, search: '?token=t&lang=ar', kept: 'zh-HK', customer: 'en', fallback: 'zh-HK' })).toBe('ar');
    expect(pickLanguage({ ...browser, kept: 'zh-HK', customer: 'ar', fallback: 'ar' })).toBe('zh-HK');
    expect(pickLanguage({ ...browser, customer: 'ar', fallback: 'zh-HK' })).toBe('ar');
    expect(pickLanguage({ ...browser, preferred: ['fr-FR', 'zh-Hant-TW'], fallback: 'ar' })).toBe('zh-HK');
    expect(pickLanguage({ ...browser, preferred: ['fr-FR', 'de'], fallback: 'ar' })).toBe('ar');
    expect(pickLanguage({ ...browser, preferred: ['fr-FR'], fallback: null })).toBe('en');
  });

  it('skips a source that names no language the page speaks', () => {
    expect(pickLanguage({ search: '?lang=fr', kept: 'de', customer: 'ja', preferred: ['ko'], fallback: 'zh-HK' })).toBe('zh-HK');
  });
});

describe('times', () => {
  // Local times: the page says times in the viewer's zone, whichever this machine's is.
  const now = new Date(2025, 5, 3, 12, 0);
  const yesterday = new Date(2025, 5, 2, 14, 5).toISOString();

  it('say “yesterday” and the time as each language joins them', () => {
    const said = Object.fromEntries(CATALOGS.map(([language]) => [language, textFor(language as never, CATALOGS.find(([code]) => code === language)![1]).formats.formatWhen(yesterday, now)]));
    const plain = (text: string) => text.replace(/[\u2066-\u2069]/g, '');
    expect(plain(said.en!)).toMatch(/^Yesterday, 2:05\sPM$/);
    expect(plain(said['zh-HK']!)).toMatch(/^昨日 下午2:05$/);
    expect(plain(said.ar!)).toMatch(/^أمس، 2:05\sم$/);
  });

  it('give a date for days further off, and today’s time alone', () => {
    const text = textFor('en');
    expect(text.formats.formatWhen(new Date(2025, 5, 3, 9, 30).toISOString(), now)).toMatch(/^9:30\sAM$/);
    expect(text.formats.formatWhen(new Date(2025, 4, 30, 9, 30).toISOString(), now)).toMatch(/^Fri, May 30, 9:30\sAM$/);
    expect(textFor('zh-HK', zhHK).formats.formatWhen(new Date(2025, 4, 30, 9, 30).toISOString(), now)).toMatch(/5月30日.*上午9:30/);
  });
});
