/**
 * Web Push in real Chromium (API.md "Web Push"): the pages' push client (src/web/shared/push-client.ts) on the
 * tracking page registers `/track/sw.js` under the page's Content-Security-Policy, subscribes with the server's VAPID
 * key and registers the subscription with the link's token; an alert then reaches the local push service signed and
 * encrypted, and the tracking page's worker shows what is pushed to it as a notification. Turning push off removes the
 * subscription on the server and in the browser.
 *
 * A headless browser has no push service of its own: the page's `PushManager` hands out a subscription at the local
 * push service (test/support/push-service.ts) whose keys the test holds, recording the key it was asked to subscribe
 * with; the push to the worker is delivered through the DevTools protocol, as the browser delivers a decrypted one.
 */
import path from 'node:path';
import { build } from 'esbuild';
import type { CDPSession, Page } from 'playwright-core';
import { buildPage } from '../../src/web/build';
import { closeBrowser, openPage, PHONE, type TestPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { placeOrder, postStatus, type PlacedOrder } from '../support/orders';
import { startPushService, type PushDevice, type PushServiceStandIn } from '../support/push-service';
import { createTenant, type Tenant } from '../support/tenant';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');
/** Where the page loads the push client from in these tests (answered by the test: same origin, as CSP wants). */
const CLIENT_SCRIPT = '/assets/push-client-under-test.js';

let pushService: PushServiceStandIn;
let server: TestNode;
let tenant: Tenant;
let biz: Client;
let clientBundle: string;
const pages: TestPage[] = [];

beforeAll(async () => {
  await buildPage('track');
  const bundled = await build({
    entryPoints: [path.join(ROOT, 'src/web/shared/push-client.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    globalName: 'pushClient',
    target: 'es2020',
  });
  clientBundle = bundled.outputFiles[0]!.text;
  pushService = await startPushService();
  server = await startTestNode({ env: { REDIS_PREFIX: unique('web-push'), WEBHOOK_ALLOW_PRIVATE: 'true' }, pushCa: pushService.ca! });
  tenant = await createTenant(server.url);
  biz = client(server.url, tenant.apiKey);
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
  await server?.close();
  await pushService?.close();
});

/** The push client's options on the tracking page of `order`. */
const optionsFor = (order: PlacedOrder) => ({ token: order.tracking_token, worker: '/track/sw.js', scope: '/track/', storageKey: `push:${order.id}` });

/**
 * The order's tracking page with notifications allowed, the push client loaded, and a browser push service that
 * subscribes at `device`.
 */
async function trackingPage(order: PlacedOrder, device: PushDevice): Promise<Page> {
  const opened = await openPage(PHONE);
  pages.push(opened);
  const { page, context } = opened;
  await context.grantPermissions(['notifications'], { origin: server.url });
  await context.route(`${server.url}${CLIENT_SCRIPT}`, (route) => route.fulfill({ contentType: 'application/javascript', body: clientBundle }));
  await context.addInitScript((subscription) => {
    let current: null | { endpoint: string; options: { applicationServerKey: ArrayBuffer }; toJSON(): unknown; unsubscribe(): Promise<boolean> } = null;
    const record = window as unknown as { subscribedWith: number[] | null; unsubscribed: number };
    record.subscribedWith = null;
    record.unsubscribed = 0;
    PushManager.prototype.getSubscription = async () => current as unknown as PushSubscription;
    PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
      const key = new Uint8Array(options!.applicationServerKey as ArrayBuffer);
      record.subscribedWith = [...key];
      current = {
        endpoint: subscription.endpoint,
        options: { applicationServerKey: key.buffer.slice(0) },
        toJSON: () => ({ endpoint: subscription.endpoint, expirationTime: null, keys: subscription.keys }),
        unsubscribe: async () => {
          record.unsubscribed += 1;
          current = null;
          return true;
        },
      };
      return current as unknown as PushSubscription;
    };
  }, device.subscription);
  await page.goto(`${server.url}/track/${order.id}?token=${encodeURIComponent(order.tracking_token)}`);
  await page.waitForSelector('[data-testid=order-status]');
  await page.addScriptTag({ url: CLIENT_SCRIPT });
  return page;
}

type PushClientCall = 'pushState' | 'enablePush' | 'disablePush';

/** Calls the push client in the page. */
function callClient(page: Page, method: PushClientCall, options: ReturnType<typeof optionsFor>): Promise<string> {
  return page.evaluate(
    ([name, opts]) => (window as unknown as { pushClient: Record<string, (o: unknown) => Promise<string>> }).pushClient[name]!(opts),
    [method, options] as const,
  );
}

/** The DevTools session of the page's context, with the service worker registrations it has seen. */
async function workerSession(page: Page): Promise<{ session: CDPSession; registrationFor: (scope: string) => Promise<string> }> {
  const session = await page.context().newCDPSession(page);
  const seen = new Map<string, string>();
  const waiting: Array<() => void> = [];
  session.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
    for (const registration of registrations) if (!registration.isDeleted) seen.set(registration.scopeURL, registration.registrationId);
    for (const wake of waiting.splice(0)) wake();
  });
  await session.send('ServiceWorker.enable');
  const registrationFor = async (scope: string): Promise<string> => {
    while (!seen.has(scope)) await new Promise<void>((resolve) => waiting.push(resolve));
    return seen.get(scope)!;
  };
  return { session, registrationFor };
}

it('turns push on from the tracking page: the worker is registered, the subscription made with the server’s key and kept', async () => {
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: { id: unique('cust') } });
  const publicKey = (await client(server.url).get('/v1/push/public-key')).body.public_key as string;
  const device = pushService.device(publicKey);
  const page = await trackingPage(order, device);
  const options = optionsFor(order);

  expect(await callClient(page, 'pushState', options)).toBe('off');
  expect(await callClient(page, 'enablePush', options)).toBe('on');
  expect(await callClient(page, 'pushState', options)).toBe('on');

  const subscribedWith = await page.evaluate(() => (window as unknown as { subscribedWith: number[] }).subscribedWith);
  expect(Buffer.from(subscribedWith).toString('base64url')).toBe(publicKey);
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration('/track/'))?.scope);
  expect(scope).toBe(`${server.url}/track/`);
  // The worker is served as a script checked on every visit (a new build's worker replaces the old at once).
  const worker = await fetch(`${server.url}/track/sw.js`);
  expect([worker.status, worker.headers.get('content-type'), worker.headers.get('cache-control')]).toEqual([200, 'application/javascript; charset=utf-8', 'no-cache']);
  const id = await page.evaluate((key) => localStorage.getItem(key), options.storageKey);
  const stored = await server.node.parts.store.push.alertPushSubscriptions(tenant.id, order.customer.id, order.id);
  expect(stored).toEqual([expect.objectContaining({ id, endpoint: device.endpoint, order_id: order.id })]);

  // With the page closed (an open one is reached over its socket), the alert reaches the browser's push service,
  // signed and encrypted for this subscription.
  await page.context().close();
  await eventually(() => server.node.parts.io.of('/').sockets.size === 0, 'the closed page’s socket gone from the node');
  await postStatus(biz, order.id, 'shipped');
  const [message] = await pushService.waitForMessages(device.id);
  expect(message).toMatchObject({ status: 201, problem: null, payload: { order_id: order.id, status: 'shipped' } });
});

it('the tracking page’s worker shows a pushed alert as a notification of its order, a newer one in its place', async () => {
  const order = await placeOrder(biz, { external_id: unique('ref'), customer: { id: unique('cust') } });
  const publicKey = (await client(server.url).get('/v1/push/public-key')).body.public_key as string;
  const page = await trackingPage(order, pushService.device(publicKey));
  const { session, registrationFor } = await workerSession(page);
  expect(await callClient(page, 'enablePush', optionsFor(order))).toBe('on');
  const registrationId = await registrationFor(`${server.url}/track/`);

  const link = `${server.url}/track/${order.id}?token=${order.tracking_token}`;
  const alert = (status: string, title: string, body: string) => ({ title, body, url: link, order_id: order.id, status });
  const shown = () =>
    page.evaluate(async () =>
      (await (await navigator.serviceWorker.getRegistration('/track/'))!.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data as unknown })),
    );
  /** The notifications shown, once one with `title` is among them (a notification shows when its push is handled). */
  const shownWith = (title: string) => eventually(async () => ((await shown()).some((n) => n.title === title) ? shown() : null), `a notification "${title}"`);
  await session.send('ServiceWorker.deliverPushMessage', {
    origin: server.url,
    registrationId,
    data: JSON.stringify(alert('shipped', 'طلبك في الطريق', `الطلب ${order.external_id} في الطريق`)),
  });
  expect(await shownWith('طلبك في الطريق')).toEqual([
    { title: 'طلبك في الطريق', body: `الطلب ${order.external_id} في الطريق`, tag: `order:${order.id}`, data: { url: link, order_id: order.id, status: 'shipped' } },
  ]);

  await session.send('ServiceWorker.deliverPushMessage', {
    origin: server.url,
    registrationId,
    data: JSON.stringify(alert('delivered', 'Your order was delivered', 'Details on the tracking page')),
  });
  expect(await shownWith('Your order was delivered')).toEqual([expect.objectContaining({ title: 'Your order was delivered', tag: `order:${order.id}` })]);
});

it('turns push off: the server forgets the subscription and the browser ends it; another order on this device keeps its own', async () => {
  const first = await placeOrder(biz, { customer: { id: unique('cust') } });
  const second = await placeOrder(biz, { customer: { id: unique('cust') } });
  const publicKey = (await client(server.url).get('/v1/push/public-key')).body.public_key as string;
  const page = await trackingPage(first, pushService.device(publicKey));
  expect(await callClient(page, 'enablePush', optionsFor(first))).toBe('on');
  // The same browser (one subscription under /track/) also follows the second order.
  expect(await callClient(page, 'enablePush', optionsFor(second))).toBe('on');
  const held = async (order: PlacedOrder) => (await server.node.parts.store.push.alertPushSubscriptions(tenant.id, order.customer.id, order.id)).length;
  expect([await held(first), await held(second)]).toEqual([1, 1]);

  expect(await callClient(page, 'disablePush', optionsFor(first))).toBe('off');
  expect([await held(first), await held(second)]).toEqual([0, 1]);
  expect(await page.evaluate(() => (window as unknown as { unsubscribed: number }).unsubscribed)).toBe(0);
  expect(await callClient(page, 'pushState', optionsFor(second))).toBe('on');

  expect(await callClient(page, 'disablePush', optionsFor(second))).toBe('off');
  expect(await held(second)).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { unsubscribed: number }).unsubscribed)).toBe(1);
  expect(await page.evaluate((key) => localStorage.getItem(key), optionsFor(second).storageKey)).toBeNull();
});

it('a browser that refused notifications is `denied`, and nothing is subscribed', async () => {
  const order = await placeOrder(biz, { customer: { id: unique('cust') } });
  const publicKey = (await client(server.url).get('/v1/push/public-key')).body.public_key as string;
  const page = await trackingPage(order, pushService.device(publicKey));
  await page.context().clearPermissions();
  // Headless Chromium answers a permission nobody granted as refused.
  expect(await callClient(page, 'enablePush', optionsFor(order))).toBe('denied');
  expect(await server.node.parts.store.push.alertPushSubscriptions(tenant.id, order.customer.id, order.id)).toEqual([]);
});
