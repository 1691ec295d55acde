/**
 * The customer's tracking page (`/track/:order_id?token=…`, API.md "Pages"): no login, the link's token is the
 * credential. It loads the order over HTTP (so the status shows at once), then follows it live over Socket.IO
 * with the same token, resuming from the last seq it showed after any lost connection. A delivery's proof and a
 * failed attempt's reason are not in the live updates: the page reads the order again for them (TrackingPage).
 *
 * Its language (API.md "Languages") is the first found of `?lang=`, the one picked on the page, the customer's, the
 * browser's and the business's (`default_locale`); the last two need the order, so until it is in (and for a link
 * that opens none) the page speaks the first found without them.
 */
import { TrackingClient } from '../../client/tracking-client';
import { Api, ApiError } from '../shared/api';
import { applyLanguage, browserLanguageSources, keepLanguage, pickLanguage, type Language } from '../shared/i18n';
import { pageSettings } from '../shared/settings';
import { fill, h } from './dom';
import type { MessageKey } from './i18n/en';
import { readLink, type TrackingLink } from './link';
import { TrackingPage, type OrderWithHistory } from './tracking-page';
import { LANGUAGE_KEY, loadText, textFor, type Text } from './text';

/** Answers that mean the link itself is wrong (bad, expired or someone else's token; no such order). */
const BAD_LINK = new Set([400, 401, 403, 404]);
/** Waits between attempts to load the order while the server cannot answer (doubling up to the last). */
const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

const root = document.getElementById('app')!;
const sources = browserLanguageSources(LANGUAGE_KEY);
/** The words until the order is in: fetched at once, alongside the order. */
const early = speak(pickLanguage(sources));
void early.then((text) => {
  const loading = root.querySelector('.loading');
  if (!loading) return; // the order (or a message) is already shown
  applyLanguage(text.language);
  document.title = text.t('page_title');
  loading.textContent = text.t('loading');
});
const link = readLink(window.location);
if (link) void open(link);
else void showBadLink('link_incomplete');

async function open(link: TrackingLink): Promise<void> {
  const api = new Api(link.token);
  const order = await load(api, link.orderId);
  if (!order) return;
  const text = await speak(pickLanguage({ ...sources, customer: order.customer.locale, fallback: order.default_locale }));
  applyLanguage(text.language);
  const page: TrackingPage = new TrackingPage(root, order, pageSettings(), {
    readView: () => api.get<OrderWithHistory>(orderPath(link.orderId)),
    text,
    onLanguage: (language) => void switchLanguage(page, language),
    push: { token: link.token, worker: '/track/sw.js', scope: '/track/', storageKey: `track.push.${link.orderId}` },
  });
  performance.mark('order-status-shown');
  follow(link, page);
}

/** `language`'s words; English (bundled) when they cannot be fetched, rather than no page at all. */
function speak(language: Language): Promise<Text> {
  return loadText(language).catch(() => textFor('en'));
}

/** A language picked on the page: kept for the next visit, and the page says everything again in it. */
async function switchLanguage(page: TrackingPage, language: Language): Promise<void> {
  keepLanguage(LANGUAGE_KEY, language);
  // The pick outranks the link's `?lang=` from now on, also after a reload.
  const url = new URL(window.location.href);
  if (url.searchParams.has('lang')) {
    url.searchParams.delete('lang');
    window.history.replaceState(window.history.state, '', url);
  }
  let text: Text;
  try {
    text = await loadText(language);
  } catch {
    // Not fetched (offline, say): the page stays in its language, and the picker shows that one again.
    page.setText(page.text);
    return;
  }
  applyLanguage(language);
  page.setText(text);
}

/** The order with its history; null when the link is bad (the page then says so). */
async function load(api: Api, orderId: string): Promise<OrderWithHistory | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api.get<OrderWithHistory>(orderPath(orderId));
    } catch (error) {
      if (error instanceof ApiError && BAD_LINK.has(error.status)) {
        await showBadLink('link_invalid');
        return null;
      }
      // The server is busy or unreachable (rate limit, 503, no network): say so and try again.
      await showMessage({ role: 'status' }, 'unreachable_title', 'unreachable_text');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
    }
  }
}

function orderPath(orderId: string): string {
  return `/v1/orders/${encodeURIComponent(orderId)}`;
}

async function showBadLink(title: MessageKey): Promise<void> {
  const text = await showMessage({ role: 'alert', 'data-testid': 'page-error' }, title, 'link_help');
  document.title = text.t(title);
}

/** One message instead of the order, in the language the page knows without it. */
async function showMessage(attributes: Record<string, string>, title: MessageKey, message: MessageKey): Promise<Text> {
  const text = await early;
  applyLanguage(text.language);
  root.removeAttribute('aria-busy');
  fill(root, h('section', { ...attributes, class: 'panel message' }, h('h1', { class: 'message-title' }, text.t(title)), h('p', {}, text.t(message))));
  return text;
}

/** Live updates with the link's token, on this server (whichever node the load balancer picks each time). */
function follow(link: TrackingLink, page: TrackingPage): void {
  const live = new TrackingClient({
    urls: [window.location.origin],
    token: link.token,
    // WebSocket first (one round trip less); long-polling where a network blocks WebSockets.
    socket: { transports: ['websocket', 'polling'], tryAllTransports: true },
    maxBackoffMs: 5000,
  });
  let subscribed = false;
  let stopped = false;
  const show = (): void => {
    if (stopped || !navigator.onLine) page.setLive('offline');
    else if (subscribed) page.setLive('live');
    else page.setLive('reconnecting');
  };
  const stop = (notice: MessageKey): void => {
    stopped = true;
    live.close();
    page.setNotice(notice);
    show();
  };

  live.on('update', (update) => page.applyUpdate(update));
  live.on('location', (update) => page.applyLocation(update));
  live.on('eta', (update) => page.applyEta(update));
  live.on('arriving', (update) => page.applyArriving(update));
  live.on('order', (order) => {
    page.applyOrder(order);
    subscribed = true;
    show();
  });
  live.on('disconnected', () => {
    subscribed = false;
    show();
  });
  live.on('connect_failed', (_url, message) => {
    // The token expired while the page was open: retrying cannot help.
    if (message === 'unauthorized') stop('live_stopped_expired');
  });
  live.on('subscription_error', () => stop('live_stopped_refused'));
  window.addEventListener('online', show);
  window.addEventListener('offline', show);

  // Subscribing once connected sends one subscribe (the client resubscribes by itself after reconnections).
  // It resumes from the last event the page shows: anything applied since the page loaded arrives as an update.
  void live.connect().then(() =>
    live.subscribe(link.orderId, { sinceSeq: page.lastSeq }).catch(() => {
      // Refused: reported through subscription_error above.
    }),
  );
}
