/**
 * The courier app's service worker (served as `/courier/sw.js`, scope `/courier/`): keeps the app's shell and
 * assets so the app opens with no network once it has loaded (API.md "The courier app"). The shell and assets are
 * read network first (a new build shows as soon as the network has it) and from the cache when there is none; the
 * offline basemap's tiles, which never change, cache first. API calls are never touched: they carry personal data
 * and the app's outbox, not this cache, is what makes them work offline.
 */
import { assetUrl } from '../shared/assets';

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
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

/** Set by the build (src/web/build.ts): a digest of the app's shell (which names its assets), so each build gets its own cache. */
declare const BUILD_ID: string;

const worker = self as unknown as WorkerScope;
const SHELL_CACHE = `courier-shell-${BUILD_ID}`;
const TILE_CACHE = 'courier-tiles';
const SHELL = '/courier/';
// The barcode decoder (about 460 KB, most of it WebAssembly) is not fetched at install: it is kept once the camera
// has first opened, so scanning by camera then works offline too.
const DECODER = [assetUrl('courier-decoder.js'), assetUrl('courier-decoder.wasm')];
// The assets under this build's names (src/web/build.ts), as the shell names them.
const ASSETS = [assetUrl('courier.js'), assetUrl('courier.css'), '/courier/manifest.webmanifest', assetUrl('courier-icon.svg'), assetUrl('courier-icon-192.png')];
/** A network that answers nothing within this long is treated as none: the courier should not wait at the door. */
const NETWORK_WAIT_MS = 4_000;
/** Tiles kept for the map offline: a day's area at the zooms a courier uses, a few megabytes. */
const TILES_KEPT = 400;

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
      .then((names) => Promise.all(names.filter((name) => name.startsWith('courier-shell-') && name !== SHELL_CACHE).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim()),
  );
});

worker.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== worker.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === SHELL) event.respondWith(networkFirst(request, SHELL));
  else if (ASSETS.includes(url.pathname) || DECODER.includes(url.pathname)) event.respondWith(networkFirst(request, url.pathname));
  else if (url.pathname.startsWith('/basemap/')) event.respondWith(cacheFirst(request));
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

async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(TILE_CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(request, response.clone());
    const keys = await cache.keys();
    // Oldest first: Cache keeps insertion order.
    await Promise.all(keys.slice(0, Math.max(0, keys.length - TILES_KEPT)).map((old) => cache.delete(old)));
  }
  return response;
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
