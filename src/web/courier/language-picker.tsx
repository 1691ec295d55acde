import type { Language } from '../shared/i18n';
import { LanguageSelect } from '../shared/language-select';
import { useText } from './text';

/** The app's language picker, in the language shown. */
export function LanguagePicker({ onLanguage }: { onLanguage: (language: Language) => void }) {
  const { t, language } = useText();
  return <LanguageSelect language={language} label={t('language_label')} onLanguage={onLanguage} />;
}
