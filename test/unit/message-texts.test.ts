/**
 * The built-in message texts (API.md "Languages"): every subject, every part and every failed attempt's reason in
 * English, Traditional Chinese (Hong Kong) and Arabic, each written in its own script; the language an alert goes out
 * in; and the email layout's direction.
 */
import { textColorOn } from '../../src/domain/branding';
import { alertLocale, LOCALES, matchLocale, type Locale } from '../../src/domain/locale';
import { MESSAGE_SUBJECTS } from '../../src/domain/message';
import { FAIL_REASONS, FAIL_REASON_WORDS } from '../../src/domain/proof';
import { BUILT_IN_TEXTS, LAYOUT_WORDS, type MessageTexts, type TextValues } from '../../src/notifiers/alert-texts';
import { emailHtml } from '../../src/notifiers/email-layout';

const SCRIPT: Record<Locale, RegExp> = { en: /[A-Za-z]/, 'zh-HK': /\p{Script=Han}/u, ar: /\p{Script=Arabic}/u };
// Characters of the other two scripts: a text in one language carries none of them (Latin is allowed everywhere:
// references, links and names are Latin in every language).
const FOREIGN: Record<Locale, RegExp> = { en: /[\p{Script=Han}\p{Script=Arabic}]/u, 'zh-HK': /\p{Script=Arabic}/u, ar: /\p{Script=Han}/u };
// Letters of words in Latin script, once references, links, codes and the brand are taken out: none in Chinese or Arabic texts.
const LATIN_WORD = /\b[A-Za-z]{3,}\b/;

const values: TextValues = {
  reference: 'R-100',
  customerName: null,
  courierName: 'K',
  trackingUrl: 'https://t.example/track/ord_1?token=x',
  eta: '17:30',
  reason: null,
  collect: 'HK$129.00',
  code: '123456',
  brand: 'Q',
};

/** Every text of a message, by part. */
function parts(message: MessageTexts): Record<string, string> {
  return {
    subject: message.subject,
    greeting: message.greeting,
    lines: message.lines.join(' '),
    ...(message.action !== null ? { action: message.action } : {}),
    sms: message.sms,
    'push.title': message.push.title,
    'push.body': message.push.body,
  };
}

function stripValues(text: string): string {
  return [values.reference, values.trackingUrl!, values.code!, values.collect!, values.eta!].reduce((rest, value) => rest.split(value).join(''), text);
}

describe.each(LOCALES)('built-in texts in %s', (locale) => {
  it.each(MESSAGE_SUBJECTS)('%s: every part is there, in this language and script', (subject) => {
    const message = BUILT_IN_TEXTS[locale][subject]({ ...values, reason: subject === 'failed_attempt' ? FAIL_REASON_WORDS[locale].not_home : null });
    for (const [part, text] of Object.entries(parts(message))) {
      expect({ part, text: text.trim() === '' ? 'empty' : 'ok' }).toEqual({ part, text: 'ok' });
      expect({ part, foreign: FOREIGN[locale].test(text) }).toEqual({ part, foreign: false });
      if (part === 'greeting') continue;
      expect({ part, script: SCRIPT[locale].test(stripValues(text)) }).toEqual({ part, script: true });
      if (locale !== 'en') expect({ part, latin: LATIN_WORD.exec(stripValues(text))?.[0] ?? null }).toEqual({ part, latin: null });
    }
    if (subject === 'sign_in_code') {
      expect(message.lines.join(' ')).toContain(values.code);
      expect(message.sms).toContain(values.code);
      expect(message.action).toBeNull();
    } else {
      expect(message.subject).toContain(values.reference);
      expect(message.sms).toContain(values.trackingUrl);
      expect(message.action).not.toBeNull();
    }
  });

  it('says why a delivery failed, for every reason', () => {
    for (const reason of FAIL_REASONS) {
      const words = FAIL_REASON_WORDS[locale][reason];
      expect(SCRIPT[locale].test(words)).toBe(true);
      const message = BUILT_IN_TEXTS[locale].failed_attempt({ ...values, reason: words });
      expect(message.lines.join(' ')).toContain(words);
      expect(message.sms).toContain(words);
    }
  });

  it('names the courier, the time expected and the cash to have ready when they are known, and leaves them out when not', () => {
    const known = BUILT_IN_TEXTS[locale].out_for_delivery({ ...values, courierName: 'Kit' }).lines.join(' ');
    for (const value of ['Kit', values.eta!, values.collect!]) expect(known).toContain(value);
    const unknown = BUILT_IN_TEXTS[locale].out_for_delivery({ ...values, courierName: null, eta: null, collect: null }).lines.join(' ');
    expect(unknown).not.toMatch(/null|undefined/);
    expect(unknown).not.toContain(values.collect);
  });

  it('has the words of the email layout', () => {
    const words = LAYOUT_WORDS[locale];
    for (const text of [words.linkHint, words.contact('Q'), words.why('Q', 'shipped'), words.why('Q', 'sign_in_code'), words.codeLabel]) {
      expect(SCRIPT[locale].test(text.replace('Q', ''))).toBe(true);
      expect(FOREIGN[locale].test(text)).toBe(false);
    }
  });
});

describe("an alert's language", () => {
  it.each([
    ['zh-HK', 'zh-HK'],
    ['zh-hant', 'zh-HK'],
    ['zh-Hant-HK', 'zh-HK'],
    ['zh-TW', 'zh-HK'],
    ['yue', 'zh-HK'],
    ['yue-Hant', 'zh-HK'],
    ['ar', 'ar'],
    ['ar-SA', 'ar'],
    ['en', 'en'],
    ['en-GB', 'en'],
  ])("is %s's match, %s", (tag, locale) => {
    expect(matchLocale(tag)).toBe(locale);
    expect(alertLocale(tag, 'ar')).toBe(locale);
  });

  it("is the tenant's default when the customer's is none of ours or unknown, else English", () => {
    for (const tag of ['fr', 'zh-CN', 'zh-Hans', 'zh', 'english', '', null, undefined]) {
      expect(matchLocale(tag)).toBeNull();
      expect(alertLocale(tag, 'zh-HK')).toBe('zh-HK');
      expect(alertLocale(tag, null)).toBe('en');
    }
  });
});

describe('the email layout', () => {
  const frame = (locale: Locale) =>
    emailHtml({
      locale,
      title: 'T',
      preview: 'P',
      brand: { name: 'Q & Co', logoUrl: 'https://t.example/v1/logos/att_1', color: '#ffcc00', supportEmail: 'help@q.example', supportPhone: '+85221234567' },
      content: '<p>x</p>',
      button: { label: 'Go', url: 'https://t.example/track/ord_1?token=x' },
      words: { linkHint: 'h', contact: 'c', why: 'w' },
    });

  it('reads right to left in Arabic, aligned right, and left to right otherwise, with the language set', () => {
    const arabic = frame('ar');
    expect(arabic).toMatch(/^<!DOCTYPE html><html lang="ar" dir="rtl">/);
    expect(arabic).toContain('text-align:right');
    expect(arabic).not.toContain('text-align:left');
    const chinese = frame('zh-HK');
    expect(chinese).toMatch(/^<!DOCTYPE html><html lang="zh-HK" dir="ltr">/);
    expect(chinese).not.toContain('text-align:right');
  });

  it('is at most 600 px wide, in the brand: its name (escaped), logo and colour, with text that reads on it', () => {
    const html = frame('en');
    expect(html).toContain('max-width:600px');
    expect(html).toContain('Q &#38; Co');
    expect(html).toContain('<img src="https://t.example/v1/logos/att_1" alt="Q &#38; Co"');
    expect(html).toContain('background-color:#ffcc00');
    // Yellow is light: black text on it.
    expect(html).toContain('color:#111111');
    expect(html).toContain('href="https://t.example/track/ord_1?token=x"');
    expect(html).toContain('href="mailto:help@q.example"');
  });

  it('picks the text colour that contrasts more with the brand colour', () => {
    expect(textColorOn('#000000')).toBe('#ffffff');
    expect(textColorOn('#1f5fbf')).toBe('#ffffff');
    expect(textColorOn('#ffffff')).toBe('#111111');
    expect(textColorOn('#ffcc00')).toBe('#111111');
  });
});
