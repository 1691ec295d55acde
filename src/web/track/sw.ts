/**
 * The tracking page's service worker (served as `/track/sw.js`, scope `/track/`): it shows the alerts pushed to the
 * browsers that turned notifications on from a tracking page (src/web/shared/push-worker.ts). It caches nothing: the
 * page is live, and its link is its credential.
 */
import { installPushHandlers, type PushWorkerScope } from '../shared/push-worker';

interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
/** The worker's own lifecycle, beside the push handlers. */
interface LifecycleScope {
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
}

const worker = self as unknown as LifecycleScope;

// A new build's worker takes over at once: it holds no state an older one could need.
worker.addEventListener('install', (event) => event.waitUntil(worker.skipWaiting()));
worker.addEventListener('activate', (event) => event.waitUntil(worker.clients.claim()));
installPushHandlers(self as unknown as PushWorkerScope);
