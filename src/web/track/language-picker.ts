import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../shared/i18n';
import { h } from './dom';
import type { Text } from './text';

/** Each language's short name, for the closed picker: a phone's header has room for little beside the order. */
const SHORT_NAMES: Record<Language, string> = { en: 'EN', 'zh-HK': '中文', ar: 'عربي' };

/**
 * The language picker (`[data-testid=lang-select]`): a native select, each language named in itself so anyone finds
 * their own, drawn closed as a globe and the short name of the language shown (the select lies over it, unseen, and
 * takes the taps and keys).
 */
export class LanguagePicker {
  readonly element: HTMLLabelElement;
  private readonly name = h('span', { class: 'visually-hidden' });
  private readonly shown = h('span', { class: 'language-shown', 'aria-hidden': 'true' });
  private readonly select = h(
    'select',
    { class: 'language-select', 'data-testid': 'lang-select' },
    ...LANGUAGES.map((code) => h('option', { value: code, lang: code }, LANGUAGE_NAMES[code])),
  );

  constructor(text: Text, onPick: (language: Language) => void) {
    this.element = h('label', { class: 'language' }, this.name, this.shown, this.select);
    this.select.addEventListener('change', () => {
      const picked = LANGUAGES.find((code) => code === this.select.value);
      if (!picked) return;
      this.show(picked);
      onPick(picked);
    });
    this.setText(text);
  }

  /** Shows `text`'s language as the one picked (also to put the picker back when a pick could not be loaded). */
  setText({ t, language }: Text): void {
    this.name.textContent = t('language_label');
    this.select.value = language;
    this.show(language);
  }

  private show(language: Language): void {
    this.shown.textContent = SHORT_NAMES[language];
    this.shown.lang = language;
  }
}
