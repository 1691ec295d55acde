/**
 * Web Push in a service worker (API.md "Web Push"): shows each alert the server pushes as a notification (its title,
 * its body, the order's icon when the alert names one) and, on a click, focuses a window already showing the order's
 * tracking page or opens its link. Any page's worker installs it (`/track/sw.js`, the portal's): the handlers read
 * nothing but the message, which the browser decrypted.
 */

/*
 * The service worker's own globals, declared here (as in src/web/courier/sw.ts): the project compiles against the DOM
 * library, which lacks them, and the WebWorker library cannot be loaded beside it.
 */
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClient {
  readonly url: string;
  focus(): Promise<WindowClient>;
  navigate(url: string): Promise<WindowClient | null>;
}

/** What the handlers use of a service worker's global scope. */
export interface PushWorkerScope {
  readonly registration: Pick<ServiceWorkerRegistration, 'showNotification'>;
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
}

/** An alert as the server pushes it: `{ title, body, url, order_id, status }`, and an icon when it has one. */
export interface PushedAlert {
  title: string;
  body: string;
  /** The order's tracking link. */
  url: string;
  order_id: string;
  status: string;
  icon?: string;
}

/** Installs the `push` and `notificationclick` handlers on a service worker's scope. */
export function installPushHandlers(scope: PushWorkerScope): void {
  scope.addEventListener('push', (event) => {
    const alert = readAlert(event.data);
    // Not one of ours (or unreadable): nothing to tell the person.
    if (!alert) return;
    event.waitUntil(scope.registration.showNotification(alert.title, notificationOptions(alert)));
  });
  scope.addEventListener('notificationclick', (event) => {
    event.notification.close();
    const url = (event.notification.data as { url?: unknown } | null)?.url;
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return;
    event.waitUntil(openOrFocus(scope, url));
  });
}

/**
 * How an alert is shown: one notification per order (`tag`), a newer alert replacing the older one and sounding
 * again; the text's direction found from the text itself (Arabic reads right to left).
 */
export function notificationOptions(alert: PushedAlert): NotificationOptions & { renotify: boolean } {
  return {
    body: alert.body,
    tag: `order:${alert.order_id}`,
    renotify: true,
    dir: 'auto',
    data: { url: alert.url, order_id: alert.order_id, status: alert.status },
    ...(alert.icon ? { icon: alert.icon } : {}),
  };
}

/** The pushed alert, or null for a message that is not one. */
export function readAlert(data: PushEvent['data']): PushedAlert | null {
  let value: unknown;
  try {
    value = data?.json();
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { title, body, url, order_id: orderId, status, icon } = value as Record<string, unknown>;
  if (typeof title !== 'string' || typeof body !== 'string' || typeof url !== 'string' || typeof orderId !== 'string' || typeof status !== 'string') {
    return null;
  }
  return { title, body, url, order_id: orderId, status, ...(typeof icon === 'string' ? { icon } : {}) };
}

/**
 * Focuses a window already showing the link's page (the same path, whatever its query), or opens the link. A
 * window showing the order with another token (an older link) is taken to the link the alert carries.
 */
export async function openOrFocus(scope: Pick<PushWorkerScope, 'clients'>, url: string): Promise<void> {
  const target = new URL(url);
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const showing = windows.find((client) => {
    const shown = new URL(client.url);
    return shown.origin === target.origin && shown.pathname === target.pathname;
  });
  if (!showing) {
    await scope.clients.openWindow(target.href);
    return;
  }
  const focused = await showing.focus();
  if (focused.url === target.href) return;
  try {
    await focused.navigate(target.href);
  } catch {
    // A window this worker does not control cannot be taken elsewhere: it stays focused, showing the order.
  }
}
