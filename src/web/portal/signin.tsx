import { useState } from 'preact/hooks';
import type { Language } from '../shared/i18n';
import type { Brand } from './branding';
import type { MessageKey } from './i18n/en';
import { LanguagePicker, Notice } from './parts';
import { readAddress, sendCode, SignInError, signInWithCode, type PortalSession, type SignInAddress } from './session';
import { useText } from './text';

interface SignInProps {
  slug: string;
  brand: Brand;
  /** Why the customer is here again (a session that ended or expired). */
  notice: MessageKey | null;
  onSignedIn: (session: PortalSession) => void;
  onLanguage: (language: Language) => void;
}

const CODE = /^\d{6}$/;

/** Sign-in with a code sent to the customer's email or phone (API.md "Customer portal"). */
export function SignIn({ slug, brand, notice, onSignedIn, onLanguage }: SignInProps) {
  const { t } = useText();
  const [typed, setTyped] = useState('');
  const [address, setAddress] = useState<SignInAddress | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<MessageKey | null>(null);

  const run = async (step: () => Promise<void>): Promise<void> => {
    setBusy(true);
    setRefusal(null);
    try {
      await step();
    } catch (error) {
      setRefusal(error instanceof SignInError ? error.reason : 'signin_failed');
    } finally {
      setBusy(false);
    }
  };

  const send = (event: Event): void => {
    event.preventDefault();
    const read = readAddress(typed);
    if (!read) {
      setRefusal('signin_address_invalid');
      return;
    }
    void run(async () => {
      await sendCode(slug, read);
      setAddress(read);
      setCode('');
    });
  };

  const submit = (event: Event): void => {
    event.preventDefault();
    const digits = code.replace(/\s/g, '');
    if (!address) return;
    if (!CODE.test(digits)) {
      setRefusal('signin_code_invalid');
      return;
    }
    void run(async () => onSignedIn(await signInWithCode(slug, address, digits)));
  };

  const shown = refusal ?? (address ? null : notice);
  const sentTo = address && ('email' in address ? address.email : address.phone);
  return (
    <main class="signin">
      <div class="signin-top">
        <LanguagePicker onLanguage={onLanguage} />
      </div>
      <div class="signin-brand">
        {brand.logo ? <img class="brand-logo large" src={brand.logo} alt="" /> : <span class="brand-mark large" aria-hidden="true" />}
        {brand.name && (
          <p class="shop-name" dir="auto" data-testid="shop-name">
            {brand.name}
          </p>
        )}
      </div>
      <h1>{t('signin_title')}</h1>
      <p class="lead">{brand.name ? t('signin_lead_shop', { shop: brand.name }) : t('signin_lead')}</p>
      {shown && (
        <Notice tone="warning" testId="signin-notice">
          {t(shown)}
        </Notice>
      )}
      {!address ? (
        <form class="stack" onSubmit={send} noValidate>
          <label for="signin-address">{t('signin_address_label')}</label>
          <input
            id="signin-address"
            type="text"
            inputMode="email"
            autocomplete="username"
            autocapitalize="off"
            spellcheck={false}
            dir="ltr"
            data-testid="portal-signin-address"
            value={typed}
            aria-describedby="signin-address-hint"
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
          <p class="hint" id="signin-address-hint">
            {t('signin_address_hint')}
          </p>
          <button type="submit" class="button primary wide" data-testid="portal-signin-send" disabled={busy}>
            {busy ? t('signin_sending') : t('signin_send')}
          </button>
        </form>
      ) : (
        <form class="stack" onSubmit={submit} noValidate>
          <Notice>{t('signin_code_sent', { address: sentTo! })}</Notice>
          <label for="signin-code">{t('signin_code_label')}</label>
          <input
            id="signin-code"
            class="code-input"
            type="text"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={6}
            dir="ltr"
            data-testid="portal-signin-code"
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
          <button type="submit" class="button primary wide" data-testid="portal-signin-submit" disabled={busy}>
            {busy ? t('signin_checking') : t('signin_submit')}
          </button>
          <div class="row">
            <button type="button" class="button subtle grow" disabled={busy} onClick={() => void run(() => sendCode(slug, address))}>
              {t('signin_resend')}
            </button>
            <button
              type="button"
              class="button subtle grow"
              disabled={busy}
              onClick={() => {
                setAddress(null);
                setRefusal(null);
              }}
            >
              {t('signin_other_address')}
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
