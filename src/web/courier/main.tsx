/** The courier app (`GET /courier/`, API.md "The courier app"): entry point of its bundle. */
import { render } from 'preact';
import { applyLanguage, startLanguage } from '../shared/i18n';
import { pageSettings } from '../shared/settings';
import { App } from './app';
import { LANGUAGE_KEY } from './text';

const language = startLanguage(LANGUAGE_KEY);
applyLanguage(language);
render(<App settings={pageSettings()} initialLanguage={language} />, document.getElementById('app')!);

// The service worker keeps the app's shell and assets, so it opens with no network (src/web/courier/sw.ts).
if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/courier/sw.js', { scope: '/courier/' }).catch(() => {
    // Not installable here (a private window, an insecure origin): the app still works while online.
  });
}
