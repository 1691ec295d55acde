/**
 * The courier app's pure parts: its three catalogs hold the same words (the types catch a missing key, this also
 * catches an empty text or a placeholder lost in translation), how a page picks its language, the cash typed, and
 * which scans an order's status allows.
 */
import { allowedScans, expectedStatus } from '../../src/web/courier/actions';
import { amountText, parseAmount } from '../../src/web/courier/cash';
import type { QueuedAction } from '../../src/web/courier/device-store';
import { ar } from '../../src/web/courier/i18n/ar';
import { en } from '../../src/web/courier/i18n/en';
import { zhHK } from '../../src/web/courier/i18n/zh-HK';
import { Formats, matchLanguage, pickLanguage, translator } from '../../src/web/shared/i18n';

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
    const copied = (catalog: Record<string, string>) => Object.keys(en).filter((key) => catalog[key] === (en as Record<string, string>)[key]);
    expect(copied(zhHK)).toEqual([]);
    expect(copied(ar)).toEqual([]);
  });
});

describe('the page language', () => {
  it('is ?lang= first, then the one picked on the page, then the browser’s, then English', () => {
    expect(pickLanguage({ search: '?lang=ar', kept: 'zh-HK', preferred: ['en-US'] })).toBe('ar');
    expect(pickLanguage({ search: '?lang=xx', kept: 'zh-HK', preferred: ['ar'] })).toBe('zh-HK');
    expect(pickLanguage({ search: '', kept: null, preferred: ['fr-FR', 'zh-Hant-HK', 'en'] })).toBe('zh-HK');
    expect(pickLanguage({ search: '', kept: null, preferred: ['fr-FR', 'de'] })).toBe('en');
  });

  it('takes any traditional Chinese as zh-HK, and no simplified Chinese for it', () => {
    expect(['zh-HK', 'zh-hk', 'zh-TW', 'zh-MO', 'zh-Hant', 'yue'].map(matchLanguage)).toEqual(Array(6).fill('zh-HK'));
    expect(['zh', 'zh-CN', 'zh-Hans'].map(matchLanguage)).toEqual([null, null, null]);
    expect(['ar-EG', 'en-GB'].map(matchLanguage)).toEqual(['ar', 'en']);
  });

  it('puts values in isolated from the words around them, so they keep their own direction', () => {
    const t = translator({ collect: 'حصّل {amount}', missing: 'Hi {name}' });
    expect(t('collect', { amount: 'HK$129.00' })).toBe('حصّل \u2068HK$129.00\u2069');
    expect(t('missing', {})).toBe('Hi {name}');
  });

  it('formats money from minor units in the language, a Latin symbol isolated in Arabic', () => {
    expect(new Formats('en').formatMoney({ value: 12900, currency: 'HKD' })).toBe('HK$129.00');
    expect(new Formats('ar').formatMoney({ value: 12900, currency: 'HKD' })).toContain('\u2066HK$\u2069');
    expect(new Formats('en').formatMoney({ value: 500, currency: 'JPY' })).toBe('¥500');
  });
});

describe('cash collected', () => {
  it('reads what a courier types, in minor units', () => {
    expect(parseAmount('129', 'HKD')).toEqual({ value: 12900, currency: 'HKD' });
    expect(parseAmount(' 129.5 ', 'HKD')).toEqual({ value: 12950, currency: 'HKD' });
    expect(parseAmount('129,50', 'HKD')).toEqual({ value: 12950, currency: 'HKD' });
    expect(parseAmount('١٢٩٫٥٠', 'HKD')).toEqual({ value: 12950, currency: 'HKD' });
    expect(parseAmount('500', 'JPY')).toEqual({ value: 500, currency: 'JPY' });
  });

  it('refuses what is not an amount of that currency', () => {
    for (const typed of ['', 'abc', '-5', '12.345', '1e3']) expect(parseAmount(typed, 'HKD')).toBeNull();
    expect(parseAmount('5.5', 'JPY')).toBeNull();
  });

  it('starts from the amount due', () => {
    expect(amountText({ value: 12900, currency: 'HKD' })).toBe('129.00');
    expect(amountText({ value: 500, currency: 'JPY' })).toBe('500');
  });
});

describe('the actions an order offers', () => {
  it('follows the status machine', () => {
    expect(allowedScans('in_transit')).toEqual(['hub_in', 'hub_out', 'out_for_delivery', 'delivered']);
    expect(allowedScans('out_for_delivery')).toEqual(['delivered', 'failed_attempt']);
    expect(allowedScans('failed_attempt')).toEqual(['out_for_delivery']);
    expect(allowedScans('delivered')).toEqual([]);
    expect(allowedScans(null)).toEqual(['pickup']);
  });

  it('starts from what the actions still waiting to send will make of the order', () => {
    const waiting = (orderId: string, type: QueuedAction['type']): QueuedAction => ({
      event_id: `${orderId}-${type}`,
      courier_id: 'k1',
      queued_at: 0,
      order_id: orderId,
      order_ref: orderId,
      type,
      occurred_at: '2025-01-01T00:00:00.000Z',
      pictures: [],
      cash: null,
      scan_sent: false,
    });
    expect(expectedStatus('in_transit', [waiting('a', 'out_for_delivery'), waiting('b', 'delivered')], 'a')).toBe('out_for_delivery');
    expect(expectedStatus('out_for_delivery', [waiting('a', 'pickup')], 'a')).toBe('out_for_delivery');
  });
});
