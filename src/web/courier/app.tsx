import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { applyLanguage, keepLanguage, type Language } from '../shared/i18n';
import type { PageSettings } from '../shared/settings';
import { CourierApi } from './courier-api';
import { DeviceStore } from './device-store';
import type { MessageKey } from './i18n/en';
import { Outbox } from './outbox';
import { Screen, type Parts } from './screen';
import { forgetSession, inviteInLocation, keepSession, signInWithInvite, SignInError, storedSession, type CourierSession } from './session';
import { Shift } from './shift';
import { SignIn } from './signin';
import { LANGUAGE_KEY, TextContext, textFor, useText } from './text';
import { TodayOrders } from './today-orders';

interface AppProps {
  settings: PageSettings;
  initialLanguage: Language;
}

/** The app: sign-in until a session starts, then the courier's day. */
export function App({ settings, initialLanguage }: AppProps) {
  const [language, setLanguage] = useState(initialLanguage);
  const text = useMemo(() => textFor(language), [language]);
  const changeLanguage = useCallback((next: Language) => {
    // A language picked on the page outranks the link's `?lang=` from now on, also after a reload.
    const url = new URL(window.location.href);
    if (url.searchParams.has('lang')) {
      url.searchParams.delete('lang');
      window.history.replaceState(null, '', url.pathname + url.search + url.hash);
    }
    applyLanguage(next);
    keepLanguage(LANGUAGE_KEY, next);
    setLanguage(next);
  }, []);
  useEffect(() => {
    document.title = text.t('app_title');
  }, [text]);

  const [start] = useState(() => ({ kept: storedSession(), invite: inviteInLocation(window.location) }));
  const [session, setSession] = useState<CourierSession | null>(start.kept === 'expired' ? null : start.kept);
  const [notice, setNotice] = useState<MessageKey | null>(start.kept === 'expired' ? 'session_expired' : null);
  const [joining, setJoining] = useState(start.invite !== null);

  // An invite link signs in once: its code leaves the address bar (and the history) before it is spent.
  useEffect(() => {
    if (!start.invite) return;
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    signInWithInvite(start.invite).then(
      (started) => {
        keepSession(started);
        setNotice(null);
        setSession(started);
        setJoining(false);
      },
      (error: unknown) => {
        setNotice(error instanceof SignInError ? error.reason : 'signin_failed');
        setJoining(false);
      },
    );
  }, [start]);

  const end = useCallback((why: MessageKey | null) => {
    forgetSession();
    setNotice(why);
    setSession(null);
  }, []);

  return (
    <TextContext.Provider value={text}>
      {joining ? (
        <Splash what="signin_joining" />
      ) : session ? (
        <Workspace key={session.token} session={session} settings={settings} onEnd={end} onLanguage={changeLanguage} />
      ) : (
        <SignIn
          notice={notice}
          onLanguage={changeLanguage}
          onSignedIn={(started) => {
            keepSession(started);
            setNotice(null);
            setSession(started);
          }}
        />
      )}
    </TextContext.Provider>
  );
}

function Splash({ what }: { what: MessageKey }) {
  const { t } = useText();
  return (
    <main class="splash" aria-busy="true">
      <p>{t(what)}</p>
    </main>
  );
}

interface WorkspaceProps {
  session: CourierSession;
  settings: PageSettings;
  onEnd: (why: MessageKey | null) => void;
  onLanguage: (language: Language) => void;
}

/** The signed-in app: its parts live as long as the session. */
function Workspace({ session, settings, onEnd, onLanguage }: WorkspaceProps) {
  const [parts, setParts] = useState<Parts | null>(null);
  const [broken, setBroken] = useState(false);

  useEffect(() => {
    let closed = false;
    let built: Parts | null = null;
    // A 401 on any call: the courier was made inactive or the token ran out. The outbox stays on the device.
    const api = new CourierApi(session.token, () => onEnd('session_ended'));
    DeviceStore.open(session.courierId).then(
      (store) => {
        if (closed) {
          store.close();
          return;
        }
        const orders = new TodayOrders(store, api);
        built = { store, orders, outbox: new Outbox(store, api, () => void orders.refresh()), shift: new Shift(store, api) };
        setParts(built);
        void orders.start();
        void built.outbox.start();
        built.shift.start();
      },
      () => setBroken(true),
    );
    // Back online, or back in front: read the orders again and send what waits at once.
    const wake = (): void => {
      if (!built || document.visibilityState !== 'visible') return;
      void built.orders.refresh();
      built.outbox.retryNow();
      built.shift.retryNow();
    };
    window.addEventListener('online', wake);
    window.addEventListener('focus', wake);
    document.addEventListener('visibilitychange', wake);
    return () => {
      closed = true;
      window.removeEventListener('online', wake);
      window.removeEventListener('focus', wake);
      document.removeEventListener('visibilitychange', wake);
      if (built) {
        built.outbox.close();
        built.shift.close();
        built.orders.close();
        built.store.close();
      }
    };
  }, [session, onEnd]);

  // The session ends when its token does.
  useEffect(() => {
    if (session.expiresAt === null) return undefined;
    const left = session.expiresAt - Date.now();
    // Timers cannot wait longer than about 24.8 days (2³¹ ms); a token living longer is caught by its 401.
    if (left > MAX_TIMER_MS) return undefined;
    const timer = setTimeout(() => onEnd('session_expired'), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [session, onEnd]);

  if (broken) return <Splash what="storage_unavailable" />;
  if (!parts) return <Splash what="loading" />;
  return <Screen parts={parts} session={session} settings={settings} onSignOut={() => onEnd(null)} onLanguage={onLanguage} />;
}

const MAX_TIMER_MS = 2 ** 31 - 1;
