import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../shared/i18n';
import { useText } from './text';

/** The language picker: each language named in itself, so anyone finds their own. */
export function LanguagePicker({ onLanguage }: { onLanguage: (language: Language) => void }) {
  const { t, language } = useText();
  return (
    <label class="language">
      <span class="visually-hidden">{t('language_label')}</span>
      <select
        data-testid="lang-select"
        value={language}
        onChange={(event) => {
          const picked = LANGUAGES.find((code) => code === event.currentTarget.value);
          if (picked) onLanguage(picked);
        }}
      >
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
