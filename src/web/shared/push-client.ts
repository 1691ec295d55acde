/**
 * Web Push in a page (API.md "Web Push"): whether alerts can come as notifications on this device, and turning them
 * on or off. The tracking page and the portal offer it behind `[data-testid=push-toggle]`.
 *
 * Turning it on registers the page's service worker (which shows the notifications, src/web/shared/push-worker.ts),
 * subscribes the browser's push service with the server's VAPID key and registers that subscription with the server
 * under the page's token; the id the server answers is kept in localStorage under `storageKey`. One browser has one
 * subscription per service worker scope, so several holders (the tracking links of several orders, all under
 * `/track/`) share it: the device keeps the list of its holders per scope, and the browser's subscription is ended
 * only when the last of them turns push off.
 */
import { Api, ApiError, toError } from './api';

/** `unsupported`: the browser has no Push API (or no service worker); `denied`: the person refused notifications. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

export interface PushOptions {
  /** The bearer token the subscription is made with: the customer's, or the tracking link's for that one order. */
  token: string;
  /** The service worker that shows the notifications, and its scope (e.g. `/track/sw.js`, `/track/`). */
  worker: string;
  scope: string;
  /** Where the subscription's id is kept on the device (localStorage), so it can be removed again. */
  storageKey: string;
}

/** This device's state for `options`. */
export async function pushState(options: PushOptions): Promise<PushState> {
  if (!supported()) return 'unsupported';
  if (Notification.permission === 'denied') return 'denied';
  if (Notification.permission !== 'granted' || read(options.storageKey) === null) return 'off';
  const registration = await navigator.serviceWorker.getRegistration(options.scope);
  const subscription = await registration?.pushManager.getSubscription();
  return subscription ? 'on' : 'off';
}

/**
 * Asks for permission, subscribes with the server's VAPID key and registers the subscription; answers the new state.
 * @throws ApiError when the server refuses the subscription, and the browser's own errors (no network, its push
 *   service unreachable) as they come
 */
export async function enablePush(options: PushOptions): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const permission = await Notification.requestPermission();
  if (permission === 'denied') return 'denied';
  if (permission !== 'granted') return 'off';
  const registration = await navigator.serviceWorker.register(options.worker, { scope: options.scope });
  await activated(registration);
  const key = fromBase64url(await publicKey());
  let subscription = await registration.pushManager.getSubscription();
  // Made with another key (the server's keys were replaced): its push service would refuse our pushes.
  if (subscription && !sameBytes(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  const { endpoint, keys } = subscription.toJSON();
  const { id } = await new Api(options.token).post<{ id: string }>('/v1/push-subscriptions', {
    endpoint,
    keys: { p256dh: keys?.p256dh, auth: keys?.auth },
  });
  write(options.storageKey, id);
  holders(options.scope, (list) => [...list.filter((held) => held !== options.storageKey), options.storageKey]);
  return 'on';
}

/**
 * Deletes the subscription on the server and in the browser (unless another holder on this device still uses the
 * browser's subscription); answers the new state.
 * @throws ApiError when the server refuses the removal (a subscription it no longer has, or a link it no longer
 *   takes, counts as removed), and the browser's own errors (no network) as they come
 */
export async function disablePush(options: PushOptions): Promise<PushState> {
  if (!supported()) return 'unsupported';
  const id = read(options.storageKey);
  if (id !== null) {
    try {
      await new Api(options.token).delete(`/v1/push-subscriptions/${encodeURIComponent(id)}`);
    } catch (error) {
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 401))) throw error;
    }
    remove(options.storageKey);
  }
  const others = holders(options.scope, (list) => list.filter((held) => held !== options.storageKey));
  const registration = await navigator.serviceWorker.getRegistration(options.scope);
  const subscription = await registration?.pushManager.getSubscription();
  if (subscription && others.length === 0) await subscription.unsubscribe();
  return pushState(options);
}

function supported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** Resolves once the registration has an active worker (the push manager subscribes only then). */
function activated(registration: ServiceWorkerRegistration): Promise<void> {
  const worker = registration.installing ?? registration.waiting ?? registration.active;
  if (!worker || worker.state === 'activated') return Promise.resolve();
  return new Promise((resolve, reject) => {
    worker.addEventListener('statechange', () => {
      if (worker.state === 'activated') resolve();
      else if (worker.state === 'redundant') reject(new Error('the service worker did not install'));
    });
  });
}

/** The server's VAPID public key (a public route: no token goes with it). @throws ApiError */
async function publicKey(): Promise<string> {
  const response = await fetch('/v1/push/public-key');
  if (!response.ok) throw await toError(response);
  return ((await response.json()) as { public_key: string }).public_key;
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function sameBytes(buffer: ArrayBuffer | null, bytes: Uint8Array): boolean {
  if (!buffer || buffer.byteLength !== bytes.length) return false;
  const view = new Uint8Array(buffer);
  return view.every((byte, index) => byte === bytes[index]);
}

/** The holders of the browser's subscription for `scope` on this device, after `change`. */
function holders(scope: string, change: (list: string[]) => string[]): string[] {
  const key = `push-holders:${scope}`;
  let list: string[] = [];
  try {
    const parsed: unknown = JSON.parse(read(key) ?? '[]');
    if (Array.isArray(parsed)) list = parsed.filter((item): item is string => typeof item === 'string');
  } catch {
    // A value another version wrote: start over.
  }
  const next = change(list);
  write(key, JSON.stringify(next));
  return next;
}

// Storage can be refused (a private window, a blocked site): push then works for this visit only.
function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // See `read`.
  }
}

function remove(key: string): void {
  try {
    localStorage.removeItem(key);
  } catch {
    // See `read`.
  }
}
