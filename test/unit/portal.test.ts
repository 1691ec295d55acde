/**
 * The customer portal's pure parts: its three catalogs hold the same words (the types catch a missing key, this also
 * catches an empty text or a placeholder lost in translation), how it picks its language, what it reads from what a
 * customer types, the order's items in words, the shop's colour and the views' addresses.
 */
import { MAIN_PATH } from '../../src/domain/status';
import { brandOf, inkOn } from '../../src/web/portal/branding';
import { ar } from '../../src/web/portal/i18n/ar';
import { en } from '../../src/web/portal/i18n/en';
import { zhHK } from '../../src/web/portal/i18n/zh-HK';
import { portalLanguage } from '../../src/web/portal/language';
import { itemLines } from '../../src/web/portal/order-items';
import { parseRoute, routeHref } from '../../src/web/portal/routes';
import { readAddress, readPhone } from '../../src/web/portal/session';
import { localToIso, localValue, readCoordinate, readPoints } from '../../src/web/portal/typed';
import { furthestStep, STEPS } from '../../src/web/portal/words';

const placeholders = (text: string): string[] => [...text.matchAll(/\{(\w+)\}/g)].map((found) => found[1]!).sort();

describe('catalogs', () => {
  it.each([
    ['zh-HK', zhHK],
    ['ar', ar],
  ])('%s has every English key, no other, each with words and the same placeholders', (_language, catalog) => {
    expect(Object.keys(catalog).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      const translated = (catalog as Record<string, string>)[key]!;
      expect({ key, empty: translated.trim() === '' }).toEqual({ key, empty: false });
      expect({ key, placeholders: placeholders(translated) }).toEqual({ key, placeholders: placeholders(text) });
    }
  });

  it('are translated, not copied: the Chinese and Arabic texts are not the English ones', () => {
    // A lone placeholder or symbol reads the same in every language.
    const same = new Set(['item_line']);
    const copied = (catalog: Record<string, string>) =>
      Object.keys(en).filter((key) => !same.has(key) && catalog[key] === (en as Record<string, string>)[key]);
    expect(copied(zhHK)).toEqual([]);
    expect(copied(ar)).toEqual([]);
  });

  it('has a status, sentence and step for every status of the main path and beyond', () => {
    expect([...STEPS]).toEqual([...MAIN_PATH]);
    for (const status of ['placed', 'processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'failed_attempt', 'on_hold', 'returned', 'cancelled']) {
      expect(Object.keys(en)).toEqual(expect.arrayContaining([`status_${status}`, `sentence_${status}`]));
    }
  });
});

describe('the portal language', () => {
  const sources = { search: '', kept: null, customer: null, preferred: [] as string[] };

  it('is ?lang= first, then the one picked on the page, then the customer’s, then the browser’s, then English', () => {
    expect(portalLanguage({ ...sources, search: '?lang=ar', kept: 'zh-HK', customer: 'en', preferred: ['en'] })).toBe('ar');
    expect(portalLanguage({ ...sources, search: '?lang=xx', kept: 'zh-HK', customer: 'ar', preferred: ['en'] })).toBe('zh-HK');
    expect(portalLanguage({ ...sources, customer: 'ar-EG', preferred: ['zh-HK'] })).toBe('ar');
    expect(portalLanguage({ ...sources, customer: 'fr', preferred: ['fr-FR', 'zh-Hant-TW'] })).toBe('zh-HK');
    expect(portalLanguage({ ...sources, preferred: ['de'] })).toBe('en');
  });
});

describe('what a customer types', () => {
  it('reads an email address or a phone number with its country code as a sign-in address', () => {
    expect(readAddress(' ada@example.com ')).toEqual({ email: 'ada@example.com' });
    expect(readAddress('+852 9123 4567')).toEqual({ phone: '+85291234567' });
    expect(readAddress('00852-9123-4567')).toEqual({ phone: '+85291234567' });
    expect(readAddress('(+1) 555.000.0001')).toEqual({ phone: '+15550000001' });
    for (const typed of ['', 'ada@', '@example.com', '9123 4567', '+0 123', 'hello']) expect(readAddress(typed)).toBeNull();
    expect(readPhone('+85291234567')).toBe('+85291234567');
  });

  it('reads points as a whole number of 1 or more, in Western or Arabic-Indic digits', () => {
    expect(readPoints('100')).toBe(100);
    expect(readPoints(' ١٥٠ ')).toBe(150);
    expect(readPoints('۲۰')).toBe(20);
    for (const typed of ['', '0', '-5', '1.5', '1e3', 'ten']) expect(readPoints(typed)).toBeNull();
  });

  it('reads coordinates within their range, a comma for the point too', () => {
    expect(readCoordinate('22.2799', 90)).toBe(22.2799);
    expect(readCoordinate(' 114,1848 ', 180)).toBe(114.1848);
    expect(readCoordinate('-33.9', 90)).toBe(-33.9);
    for (const typed of ['', '91', '22.3N', '1e2']) expect(readCoordinate(typed, 90)).toBeNull();
    expect(readCoordinate('181', 180)).toBeNull();
  });

  it('takes a promised time in the device’s own zone', () => {
    const now = new Date(2030, 4, 6, 9, 5);
    expect(localValue(now)).toBe('2030-05-06T09:05');
    expect(localToIso(localValue(now))).toBe(now.toISOString());
    expect(localToIso('')).toBeNull();
    expect(localToIso('not a time')).toBeNull();
  });
});

describe('an order in words', () => {
  it('says the items that name themselves, with their quantity', () => {
    expect(itemLines([{ name: 'Rice cooker', quantity: 1 }, 'Gift card', { description: 'Books', quantity: 2 }, { sku: 'A1' }, 42])).toEqual([
      { name: 'Rice cooker', quantity: 1 },
      { name: 'Gift card', quantity: null },
      { name: 'Books', quantity: 2 },
    ]);
    expect(itemLines(null)).toEqual([]);
  });

  it('fills the progress bar of a failed attempt up to out for delivery', () => {
    expect(furthestStep('failed_attempt')).toBe(MAIN_PATH.indexOf('out_for_delivery'));
    expect(furthestStep('in_transit')).toBe(MAIN_PATH.indexOf('in_transit'));
    expect(furthestStep('cancelled')).toBe(0);
  });
});

describe('the shop’s branding', () => {
  it('takes a name and a #rrggbb colour, and leaves out what it cannot use', () => {
    expect(brandOf({ display_name: '  Acme Deli ', primary_color: '#0B4F6C', logo: null })).toEqual({ name: 'Acme Deli', logo: null, color: '#0B4F6C' });
    expect(brandOf({ display_name: ' ', primary_color: 'red', logo: 'att_123' })).toEqual({ name: null, logo: null, color: null });
    expect(brandOf({})).toEqual({ name: null, logo: null, color: null });
  });
});

describe('the shop’s colour', () => {
  it('is written on in white or near-black, whichever reads better', () => {
    expect(inkOn('#23395d')).toBe('#ffffff');
    expect(inkOn('#0b4f6c')).toBe('#ffffff');
    expect(inkOn('#ffd166')).toBe('#0b1620');
    expect(inkOn('#ffffff')).toBe('#0b1620');
  });
});

describe('the views’ addresses', () => {
  it('go both ways', () => {
    for (const route of [{ view: 'orders' }, { view: 'points' }, { view: 'book' }, { view: 'preferences' }, { view: 'order', orderId: 'ord_01 x/y' }] as const) {
      expect(parseRoute(routeHref(route))).toEqual(route);
    }
    expect(parseRoute('')).toEqual({ view: 'orders' });
    expect(parseRoute('#/nowhere')).toEqual({ view: 'orders' });
  });
});
