/**
 * The portal's service worker, served within each shop's portal (`/portal/<slug>/sw.js`, scope `/portal/<slug>/`):
 * keeps the portal's shell and assets so it opens with no network once it has loaded, and shows Web Push alerts
 * (API.md "Web Push"). The shell and assets are read network first (a new build shows as soon as the network has it)
 * and from the cache when there is none. API calls are never touched: they carry personal data.
 */
import { assetUrl } from '../shared/assets';
import { installPushHandlers, type PushWorkerScope } from '../shared/push-worker';

/*
 * The service worker's own globals, declared here: the project compiles against the DOM library, which lacks them,
 * and the WebWorker library cannot be loaded beside it.
 */
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface WorkerScope {
  readonly location: Location;
  readonly registration: { readonly scope: string };
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

/** Set by the build (src/web/build.ts): a digest of the portal's shell (which names its assets), so each build gets its own cache. */
declare const BUILD_ID: string;

const worker = self as unknown as WorkerScope;
/** This shop's portal: `/portal/<slug>/`. */
const SHELL = new URL(worker.registration.scope).pathname;
// One cache per shop's portal and build: a shop's worker replacing its cache leaves the others' alone.
const CACHE_PREFIX = `portal-shell-${SHELL}-`;
const SHELL_CACHE = `${CACHE_PREFIX}${BUILD_ID}`;
// The assets under this build's names (src/web/build.ts), as the shell names them.
const ASSETS = [assetUrl('portal.js'), assetUrl('portal.css'), `${SHELL}manifest.webmanifest`, assetUrl('portal-icon.svg'), assetUrl('portal-icon-192.png')];
/** A network that answers nothing within this long is treated as none. */
const NETWORK_WAIT_MS = 4_000;

installPushHandlers(self as unknown as PushWorkerScope);

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([SHELL, ...ASSETS]))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== SHELL_CACHE).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  // The shell whatever its query (`?lang=`) or fragment: it is one file.
  if (request.mode === 'navigate' && url.pathname === SHELL) event.respondWith(networkFirst(request, SHELL));
  else if (ASSETS.includes(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
  // Everything else (the API above all) goes to the network as if there were no service worker.
});

/** The network's answer, kept under `key`; the kept one when the network fails or is too slow. */
async function networkFirst(request: Request, key: string): Promise<Response> {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await withTimeout(fetch(request), NETWORK_WAIT_MS);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(key);
    if (kept) return kept;
    throw error;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the network is too slow')), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
