/** The customer portal (`GET /portal/<slug>/`, API.md "Customer portal"): entry point of its bundle. */
import { render } from 'preact';
import { applyLanguage } from '../shared/i18n';
import { pageSettings } from '../shared/settings';
import { App } from './app';
import { currentLanguage } from './language';

/** The shop's part of the address: `/portal/<slug>/`. */
const slug = decodeURIComponent(window.location.pathname.split('/')[2] ?? '');
const home = `/portal/${slug}/`;

const language = currentLanguage(null);
applyLanguage(language);
render(<App slug={slug} settings={pageSettings()} initialLanguage={language} />, document.getElementById('app')!);

// The service worker keeps the portal's shell, so it opens with no network, and shows its notifications
// (src/web/portal/sw.ts).
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register(`${home}sw.js`, { scope: home }).catch(() => {
    // Not installable here (a private window, an insecure origin): the portal still works while online.
  });
}
