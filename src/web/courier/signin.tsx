import { useState } from 'preact/hooks';
import type { Language } from '../shared/i18n';
import type { MessageKey } from './i18n/en';
import { LanguagePicker } from './language-picker';
import { signInWithToken, SignInError, type CourierSession } from './session';
import { useText } from './text';

interface SignInProps {
  /** Why the courier is here again (a session that ended, an invite refused). */
  notice: MessageKey | null;
  onSignedIn: (session: CourierSession) => void;
  onLanguage: (language: Language) => void;
}

/** Sign-in with a pasted courier token; an invite link signs in by itself (see App). */
export function SignIn({ notice, onSignedIn, onLanguage }: SignInProps) {
  const { t } = useText();
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<MessageKey | null>(null);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    try {
      onSignedIn(await signInWithToken(token));
    } catch (error) {
      setRefusal(error instanceof SignInError ? error.reason : 'signin_failed');
      setBusy(false);
    }
  };

  const shown = refusal ?? notice;
  return (
    <main class="signin">
      <div class="signin-top">
        <LanguagePicker onLanguage={onLanguage} />
      </div>
      <div class="brand-mark" aria-hidden="true" />
      <h1>{t('signin_title')}</h1>
      <p class="lead">{t('signin_lead')}</p>
      {shown && (
        <p class="notice warning" role="alert" data-testid="signin-notice">
          {t(shown)}
        </p>
      )}
      <form class="signin-form" onSubmit={(event) => void submit(event)}>
        <label for="courier-token">{t('signin_token_label')}</label>
        <textarea
          id="courier-token"
          data-testid="courier-signin-token"
          rows={3}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          dir="ltr"
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />
        <button type="submit" class="button primary wide" data-testid="courier-signin-submit" disabled={busy}>
          {busy ? t('signin_checking') : t('signin_submit')}
        </button>
      </form>
    </main>
  );
}
