import { LANGUAGE_NAMES, LANGUAGES, type Language } from './i18n';

/**
 * The pages' language picker (`[data-testid=lang-select]`): each language named in itself, so anyone finds their own.
 * `label` is said to screen readers in the page's language.
 */
export function LanguageSelect({ language, label, onLanguage }: { language: Language; label: string; onLanguage: (language: Language) => void }) {
  return (
    <label class="language">
      <span class="visually-hidden">{label}</span>
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
