import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import type { Language } from '../shared/i18n';
import { disablePush, enablePush, pushState, type PushOptions, type PushState } from '../shared/push-client';
import type { MessageKey } from './i18n/en';
import { LanguagePicker, Notice } from './parts';
import { customerPath, isOffline, type PortalApi } from './portal-api';
import { isEmail, readPhone, type PortalSession } from './session';
import { useText } from './text';
import type { CustomerView, StoredPreferences } from './wire';

interface PreferencesViewProps {
  api: PortalApi;
  slug: string;
  session: PortalSession;
  me: CustomerView | null;
  onMe: (me: CustomerView) => void;
  onLanguage: (language: Language) => void;
  onSignOut: () => void;
}

type SaveState = 'idle' | 'saving' | 'saved' | 'failed';
type Channels = Pick<StoredPreferences, 'email' | 'sms'>;

/** The Web Push options of a shop's portal: its own worker and scope, its own place for the subscription's id. */
export function pushOptions(slug: string, token: string): PushOptions {
  return { token, worker: `/portal/${slug}/sw.js`, scope: `/portal/${slug}/`, storageKey: `portal.${slug}.push` };
}

/**
 * My preferences (API.md "Customer portal"): how alerts reach the customer (email, SMS, this device's notifications
 * behind `[data-testid=push-toggle]`, hidden where the browser cannot), the email address and phone they go to (a new
 * one is confirmed with a code sent to it), the language, and signing out. A channel switched on or off is saved at
 * once; the addresses stored are sent back with it, since a save without them would clear them.
 */
export function PreferencesView({ api, slug, session, me, onMe, onLanguage, onSignOut }: PreferencesViewProps) {
  const { t } = useText();
  const [stored, setStored] = useState<StoredPreferences | null>(null);
  const [loadFailed, setLoadFailed] = useState<MessageKey | null>(null);
  const [channels, setChannels] = useState<Channels | null>(null);
  const [save, setSave] = useState<SaveState>('idle');
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const push = usePush(pushOptions(slug, session.token));

  const read = (): void => {
    api.get<StoredPreferences>(customerPath(session.customerId, 'preferences')).then(
      (answer) => {
        setStored(answer);
        setChannels({ email: answer.email, sms: answer.sms });
        setLoadFailed(null);
      },
      (error: unknown) => setLoadFailed(isOffline(error) ? 'offline' : 'load_failed'),
    );
  };
  useEffect(read, [api, session.customerId]);

  /** Saves the channels after any save under way, with the addresses as stored. */
  const choose = (next: Channels): void => {
    setChannels(next);
    setSave('saving');
    saving.current = saving.current.then(async () => {
      try {
        const current = stored;
        const answer = await api.put<StoredPreferences>(customerPath(session.customerId, 'preferences'), {
          ...next,
          ...(current?.email_address ? { email_address: current.email_address } : {}),
          ...(current?.phone ? { phone: current.phone } : {}),
        });
        setStored(answer);
        setSave('saved');
      } catch {
        setSave('failed');
      }
    });
  };

  const confirmed = (view: CustomerView): void => {
    onMe(view);
    read();
  };

  const signOut = async (): Promise<void> => {
    // This device's notifications go with the session.
    if (push.state === 'on') await push.turnOff().catch(() => undefined);
    onSignOut();
  };

  const emailAddress = stored?.email_address ?? me?.email ?? null;
  const phone = stored?.phone ?? me?.phone ?? null;
  return (
    <>
      <h1 class="view-title">{t('prefs_title')}</h1>
      {loadFailed && <Notice tone="warning">{t(loadFailed)}</Notice>}
      <section class="panel" aria-labelledby="alerts-title">
        <h2 class="panel-title" id="alerts-title">
          {t('prefs_alerts')}
        </h2>
        <p class="hint">{t('prefs_alerts_lead')}</p>
        <ul class="switches">
          <Switch testId="pref-email" label={t('prefs_email')} hint={emailAddress ? null : t('prefs_no_email')} on={channels?.email ?? false} disabled={!channels} onChange={(on) => choose({ ...channels!, email: on })} />
          <Switch testId="pref-sms" label={t('prefs_sms')} hint={phone ? null : t('prefs_no_phone')} on={channels?.sms ?? false} disabled={!channels} onChange={(on) => choose({ ...channels!, sms: on })} />
          {push.state !== null && push.state !== 'unsupported' && (
            <Switch
              testId="push-toggle"
              label={t('prefs_push')}
              hint={push.state === 'denied' ? t('prefs_push_denied') : null}
              on={push.state === 'on'}
              disabled={push.state === 'denied' || push.busy}
              onChange={(on) => void (on ? push.turnOn() : push.turnOff())}
            />
          )}
        </ul>
        <p class={`save-state ${save}`} data-testid="preferences-state" data-state={save} role="status" aria-live="polite">
          {save === 'saving' ? t('prefs_saving') : save === 'saved' ? t('prefs_saved') : save === 'failed' ? t('prefs_save_failed') : ''}
        </p>
      </section>

      <section class="panel" aria-labelledby="contact-title">
        <h2 class="panel-title" id="contact-title">
          {t('contact_title')}
        </h2>
        <ContactRow kind="email" current={emailAddress} api={api} onConfirmed={confirmed} />
        <ContactRow kind="phone" current={phone} api={api} onConfirmed={confirmed} />
      </section>

      <section class="panel" aria-labelledby="language-title">
        <h2 class="panel-title" id="language-title">
          {t('language_label')}
        </h2>
        <LanguagePicker onLanguage={onLanguage} />
      </section>

      <section class="panel account">
        {me?.name && <p class="signed-in" dir="auto">{t('signed_in_as', { name: me.name })}</p>}
        <button type="button" class="button subtle wide" data-testid="sign-out" onClick={() => void signOut()}>
          {t('signout')}
        </button>
      </section>
    </>
  );
}

interface SwitchProps {
  testId: string;
  label: string;
  hint: string | null;
  on: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
}

/** A channel's switch: the whole row is the target. */
function Switch({ testId, label, hint, on, disabled, onChange }: SwitchProps) {
  return (
    <li>
      <label class={`switch-row${disabled ? ' disabled' : ''}`}>
        <span class="switch-words">
          <span>{label}</span>
          {hint && <span class="hint">{hint}</span>}
        </span>
        <input type="checkbox" role="switch" class="switch" data-testid={testId} checked={on} disabled={disabled} onChange={(event) => onChange(event.currentTarget.checked)} />
      </label>
    </li>
  );
}

/** This device's Web Push state for the portal, and turning it on or off. */
function usePush(options: PushOptions) {
  const [state, setState] = useState<PushState | null>(null);
  const [busy, setBusy] = useState(false);
  const kept = useRef(options);
  useEffect(() => {
    void pushState(kept.current).then(setState, () => setState('unsupported'));
  }, []);
  const run = async (step: (options: PushOptions) => Promise<PushState>): Promise<void> => {
    setBusy(true);
    try {
      setState(await step(kept.current));
    } finally {
      setBusy(false);
    }
  };
  return { state, busy, turnOn: () => run(enablePush), turnOff: () => run(disablePush) };
}

interface ContactRowProps {
  kind: 'email' | 'phone';
  current: string | null;
  api: PortalApi;
  onConfirmed: (me: CustomerView) => void;
}

/** One contact address, and changing it: the new address gets a 6-digit code, which confirms it. */
function ContactRow({ kind, current, api, onConfirmed }: ContactRowProps) {
  const { t } = useText();
  const [step, setStep] = useState<'shown' | 'typing' | 'code'>('shown');
  const [typed, setTyped] = useState('');
  const [target, setTarget] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ key: MessageKey; tone: 'warning' | 'done' } | null>(null);

  const call = async (body: Record<string, string>): Promise<CustomerView | null> => {
    setBusy(true);
    setMessage(null);
    try {
      return (await api.post<CustomerView | { expires_at: string }>('/v1/customers/me/contact', body)) as CustomerView;
    } catch (error) {
      setMessage({ key: contactRefusal(error), tone: 'warning' });
      return null;
    } finally {
      setBusy(false);
    }
  };

  const send = async (event: Event): Promise<void> => {
    event.preventDefault();
    const address = kind === 'email' ? (isEmail(typed) ? typed.trim() : null) : readPhone(typed);
    if (!address) {
      setMessage({ key: kind === 'email' ? 'contact_invalid_email' : 'contact_invalid_phone', tone: 'warning' });
      return;
    }
    if ((await call({ [kind]: address })) !== null) {
      setTarget(address);
      setCode('');
      setStep('code');
    }
  };

  const confirm = async (event: Event): Promise<void> => {
    event.preventDefault();
    const digits = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(digits) || !target) {
      setMessage({ key: 'signin_code_invalid', tone: 'warning' });
      return;
    }
    const view = await call({ [kind]: target, code: digits });
    if (view) {
      setStep('shown');
      setTyped('');
      setMessage({ key: 'contact_confirmed', tone: 'done' });
      onConfirmed(view);
    }
  };

  const cancel = (): void => {
    setStep('shown');
    setMessage(null);
  };

  return (
    <div class="contact" data-testid={`contact-${kind}`}>
      <div class="contact-row">
        <span class="contact-words">
          <span class="label">{t(kind === 'email' ? 'contact_email' : 'contact_phone')}</span>
          <span class="contact-value" dir="ltr">
            {current ?? t('contact_none')}
          </span>
        </span>
        {step === 'shown' && (
          <button type="button" class="button subtle" data-testid={`contact-${kind}-change`} onClick={() => (setStep('typing'), setMessage(null))}>
            {current ? t('contact_change') : t('contact_add')}
          </button>
        )}
      </div>
      {step === 'typing' && (
        <form class="stack" onSubmit={(event) => void send(event)} noValidate>
          <label for={`contact-${kind}-new`}>{t(kind === 'email' ? 'contact_new_email' : 'contact_new_phone')}</label>
          <input
            id={`contact-${kind}-new`}
            type="text"
            inputMode={kind === 'email' ? 'email' : 'tel'}
            autocomplete={kind === 'email' ? 'email' : 'tel'}
            dir="ltr"
            data-testid={`contact-${kind}-input`}
            value={typed}
            onInput={(event) => setTyped(event.currentTarget.value)}
          />
          <div class="row">
            <button type="submit" class="button primary grow" data-testid={`contact-${kind}-send`} disabled={busy}>
              {t('contact_send')}
            </button>
            <button type="button" class="button subtle" onClick={cancel}>
              {t('contact_cancel')}
            </button>
          </div>
        </form>
      )}
      {step === 'code' && target && (
        <form class="stack" onSubmit={(event) => void confirm(event)} noValidate>
          <p class="hint">{t('contact_sent', { address: target })}</p>
          <label for={`contact-${kind}-code`}>{t('signin_code_label')}</label>
          <input
            id={`contact-${kind}-code`}
            class="code-input"
            type="text"
            inputMode="numeric"
            autocomplete="one-time-code"
            maxLength={6}
            dir="ltr"
            data-testid={`contact-${kind}-code`}
            value={code}
            onInput={(event) => setCode(event.currentTarget.value)}
          />
          <div class="row">
            <button type="submit" class="button primary grow" data-testid={`contact-${kind}-confirm`} disabled={busy}>
              {t('contact_confirm')}
            </button>
            <button type="button" class="button subtle" onClick={cancel}>
              {t('contact_cancel')}
            </button>
          </div>
        </form>
      )}
      {message && <Notice tone={message.tone}>{t(message.key, target ? { address: target } : undefined)}</Notice>}
    </div>
  );
}

function contactRefusal(error: unknown): MessageKey {
  if (!(error instanceof ApiError)) return 'offline';
  if (error.code === 'invalid_code') return 'contact_code_refused';
  if (error.code === 'rate_limited') return 'busy';
  if (error.code === 'validation_failed') return 'contact_unreachable';
  return 'refusal_other';
}
