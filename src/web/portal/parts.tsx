/** Small pieces every view uses: the language picker, the live badge, notices and icons. */
import type { ComponentChildren } from 'preact';
import type { Language } from '../shared/i18n';
import { LanguageSelect } from '../shared/language-select';
import type { LiveState } from './live';
import { useText } from './text';

/** The portal's language picker, in the language shown. */
export function LanguagePicker({ onLanguage }: { onLanguage: (language: Language) => void }) {
  const { t, language } = useText();
  return <LanguageSelect language={language} label={t('language_label')} onLanguage={onLanguage} />;
}

/** Whether the portal is receiving updates (`[data-testid=live-state]` with `data-state`). */
export function LiveBadge({ state }: { state: LiveState }) {
  const { t } = useText();
  return (
    <p class={`live-state live-${state}`} data-testid="live-state" data-state={state} role="status">
      <span class="live-dot" aria-hidden="true" />
      {t(`live_${state}`)}
    </p>
  );
}

export function Notice({ tone = 'info', children, testId }: { tone?: 'info' | 'warning' | 'done'; children: ComponentChildren; testId?: string }) {
  return (
    <p class={`notice ${tone}`} role={tone === 'warning' ? 'alert' : 'status'} data-testid={testId}>
      {children}
    </p>
  );
}

/** The icons of the tabs: simple strokes in the current colour, drawn in place (no image requests). */
export function Icon({ name }: { name: 'orders' | 'points' | 'book' | 'preferences' }) {
  const paths: Record<typeof name, string> = {
    orders: 'M4 7l8-4 8 4v10l-8 4-8-4V7zm0 0l8 4 8-4M12 11v10',
    points: 'M12 3l2.6 5.6 6.1.7-4.5 4.2 1.2 6L12 16.6 6.6 19.5l1.2-6-4.5-4.2 6.1-.7L12 3z',
    book: 'M12 5v14M5 12h14',
    preferences: 'M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4',
  };
  return (
    <svg class="icon" viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false">
      <path d={paths[name]} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />
    </svg>
  );
}
