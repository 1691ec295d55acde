import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { applyLanguage, keepLanguage, type Language } from '../shared/i18n';
import type { PageSettings } from '../shared/settings';
import { applyBrand, NEUTRAL, readBranding, type Brand } from './branding';
import type { MessageKey } from './i18n/en';
import { currentLanguage, LANGUAGE_KEY } from './language';
import { forgetSession, keepSession, storedSession, type PortalSession } from './session';
import { SignIn } from './signin';
import { TextContext, textFor } from './text';
import { Workspace } from './workspace';

interface AppProps {
  slug: string;
  settings: PageSettings;
  initialLanguage: Language;
}

/** The portal of one shop: its look, then sign-in until a session starts, then the customer's own views. */
export function App({ slug, settings, initialLanguage }: AppProps) {
  const [language, setLanguage] = useState(initialLanguage);
  const text = useMemo(() => textFor(language), [language]);
  const [brand, setBrand] = useState<Brand>(NEUTRAL);
  const [start] = useState(() => storedSession(slug));
  const [session, setSession] = useState<PortalSession | null>(start === 'expired' ? null : start);
  const [notice, setNotice] = useState<MessageKey | null>(start === 'expired' ? 'session_expired' : null);

  useEffect(() => {
    void readBranding(slug).then((read) => {
      applyBrand(read);
      setBrand(read);
    });
  }, [slug]);

  useEffect(() => {
    document.title = brand.name ? `${brand.name} · ${text.t('app_title')}` : text.t('app_title');
  }, [text, brand]);

  const show = useCallback((next: Language) => {
    applyLanguage(next);
    setLanguage(next);
  }, []);

  const pick = useCallback(
    (next: Language) => {
      // A language picked on the page outranks the link's `?lang=` from now on, also after a reload.
      const url = new URL(window.location.href);
      if (url.searchParams.has('lang')) {
        url.searchParams.delete('lang');
        window.history.replaceState(null, '', url.pathname + url.search + url.hash);
      }
      keepLanguage(LANGUAGE_KEY, next);
      show(next);
    },
    [show],
  );

  /** The customer's own language, once known, where neither the link nor the page chose one. */
  const customerLocale = useCallback((locale: string | null) => show(currentLanguage(locale)), [show]);

  const end = useCallback(
    (why: MessageKey | null) => {
      forgetSession(slug);
      setNotice(why);
      setSession(null);
    },
    [slug],
  );

  return (
    <TextContext.Provider value={text}>
      {session ? (
        <Workspace
          key={session.token}
          slug={slug}
          session={session}
          settings={settings}
          brand={brand}
          onEnd={end}
          onLanguage={pick}
          onCustomerLocale={customerLocale}
        />
      ) : (
        <SignIn
          slug={slug}
          brand={brand}
          notice={notice}
          onLanguage={pick}
          onSignedIn={(started) => {
            keepSession(slug, started);
            setNotice(null);
            setSession(started);
          }}
        />
      )}
    </TextContext.Provider>
  );
}
