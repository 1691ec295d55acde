/**
 * The customer's tracking page (`/track/:order_id?token=…`, API.md "Pages"): no login, the link's token is the
 * credential. It loads the order over HTTP (so the status shows at once), then follows it live over Socket.IO
 * with the same token, resuming from the last seq it showed after any lost connection. A delivery's proof and a
 * failed attempt's reason are not in the live updates: the page reads the order again for them (TrackingPage).
 */
import { TrackingClient } from '../../client/tracking-client';
import { Api, ApiError } from '../shared/api';
import { pageSettings } from '../shared/settings';
import { fill, h } from './dom';
import { readLink, type TrackingLink } from './link';
import { TrackingPage, type OrderWithHistory } from './tracking-page';

/** Answers that mean the link itself is wrong (bad, expired or someone else's token; no such order). */
const BAD_LINK = new Set([400, 401, 403, 404]);
/** Waits between attempts to load the order while the server cannot answer (doubling up to the last). */
const RETRY_MS = [1000, 2000, 4000, 8000, 15000];

const root = document.getElementById('app')!;
const link = readLink(window.location);
if (link) void open(link);
else showBadLink('This tracking link is incomplete');

async function open(link: TrackingLink): Promise<void> {
  const api = new Api(link.token);
  const order = await load(api, link.orderId);
  if (!order) return;
  const page = new TrackingPage(root, order, pageSettings(), () => api.get<OrderWithHistory>(orderPath(link.orderId)));
  performance.mark('order-status-shown');
  follow(link, page);
}

/** The order with its history; null when the link is bad (the page then says so). */
async function load(api: Api, orderId: string): Promise<OrderWithHistory | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await api.get<OrderWithHistory>(orderPath(orderId));
    } catch (error) {
      if (error instanceof ApiError && BAD_LINK.has(error.status)) {
        showBadLink('This tracking link is not valid or has expired');
        return null;
      }
      // The server is busy or unreachable (rate limit, 503, no network): say so and try again.
      showMessage({ role: 'status' }, 'We can’t reach the tracking service right now', 'Trying again in a moment…');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
    }
  }
}

function orderPath(orderId: string): string {
  return `/v1/orders/${encodeURIComponent(orderId)}`;
}

function showBadLink(title: string): void {
  document.title = title;
  showMessage(
    { role: 'alert', 'data-testid': 'page-error' },
    title,
    'Please open the latest link from your email or text message, or ask the shop you ordered from for a new one.',
  );
}

/** One message instead of the order. */
function showMessage(attributes: Record<string, string>, title: string, text: string): void {
  root.removeAttribute('aria-busy');
  fill(root, h('section', { ...attributes, class: 'panel message' }, h('h1', { class: 'message-title' }, title), h('p', {}, text)));
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
  const stop = (notice: string): void => {
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
    if (message === 'unauthorized') stop('This tracking link has expired, so live updates have stopped. The last known status is shown.');
  });
  live.on('subscription_error', () => stop('Live updates are not available for this order. The last known status is shown.'));
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
