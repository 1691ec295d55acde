/**
 * The customer's tracking page (`/track/:order_id?token=…`, API.md "Pages") in real Chromium, against two real
 * nodes sharing DATA_DIR and REDIS_PREFIX behind a failover proxy (the way a load balancer fronts a cluster),
 * with real Redis. Everything is awaited through the page's stable hooks (attributes, not text).
 */
import type { Page } from 'playwright-core';
import { buildPage } from '../../src/web/build';
import { closeBrowser, DESK, foreignHosts, openPage, PHONE, screenshot, type TestPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { type FailoverProxy, startFailoverProxy } from '../support/failover-proxy';
import { type Client, client } from '../support/http';
import { craftJwt } from '../support/jwt';
import { liveCluster } from '../support/live-fixture';
import { uploadLogo } from '../support/logo';
import { JWT_SECRET } from '../support/node-settings';
import { placeOrder, postStatus } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';

// The viewer's time zone: Chromium, launched from this process, takes it from TZ. The page must show times in it.
const VIEWER_TIME_ZONE = 'Asia/Hong_Kong';
process.env.TZ = VIEWER_TIME_ZONE;

jest.setTimeout(90_000);

/** Hong Kong: a flat in Tai Hang, a courier nearby, and places further off. */
const HOME = { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 };
const COURIER_NEARBY = { lat: 22.2806, lng: 114.1889 }; // about 470 m north-west
const COURIER_CLOSER = { lat: 22.2795, lng: 114.1903 };
const KOWLOON_TONG = { lat: 22.3369, lng: 114.1762 };
const TAI_PO = { lat: 22.4501, lng: 114.1688 };

let proxy: FailoverProxy;
let tenant: Tenant;
let api: Client;
const pages: TestPage[] = [];

// The pages go first, then the browser and the proxy, then the nodes (the live fixture stops them last).
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
  await proxy?.close();
});
// Built before the nodes start, as `npm test` builds the pages before any node runs.
beforeAll(async () => {
  const built = await buildPage('track');
  process.stdout.write(`tracking page: ${built.gzippedKb} KB of script and style, gzipped\n`);
});
const pair = liveCluster('track-page');

beforeAll(async () => {
  proxy = await startFailoverProxy([pair.a.node.port!, pair.b.node.port!]);
  tenant = await createTenant(pair.a.url);
  api = client(pair.a.url, tenant.apiKey);
  // The shop's branding: its name, logo, colour and support contacts on the page.
  const logo = await uploadLogo(api);
  const branding = { display_name: 'Harbour Goods', logo: logo.id, primary_color: '#0a6e4f', support_email: 'help@harbour.example', support_phone: '+85221234567' };
  expect((await api.put('/v1/tenants/me/branding', branding)).status).toBe(200);
});

// How soon the first status shows is measured by `npm run bench -- pages` (a timed assertion here would flake on a busy machine).
it('opens with the link’s token and shows the status, its progress and the timeline', async () => {
  const order = await placeOrder(api, { external_id: `shop-${Date.now()}`, destination: HOME });
  await postStatus(api, order.id, 'processing');
  const tracked = await open(order, DESK);
  const { page } = tracked;

  // The page marks the moment its first status is shown.
  expect(await page.evaluate(() => performance.getEntriesByName('order-status-shown').length)).toBe(1);

  expect(await page.getAttribute('[data-testid=order-status]', 'data-status')).toBe('processing');
  expect(await page.locator('.step.done').count()).toBe(2); // placed, processing
  expect(await timelineSeqs(page)).toEqual([2, 1]);
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  // The shop's: its name and logo over the reference, its colour as the accent, and how to reach it.
  expect(await page.textContent('[data-testid=shop-name]')).toBe('Harbour Goods');
  await page.waitForFunction(() => (document.querySelector('.shop-logo') as HTMLImageElement | null)?.naturalWidth! > 0);
  expect(await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim())).toBe('#0a6e4f');
  expect(await page.textContent('[data-testid=shop-support]')).toBe(
    'Questions about your delivery? Contact Harbour Goods: help@harbour.example or +85221234567',
  );
  expect(await page.getAttribute('[data-testid=shop-support] a[href^="tel:"]', 'href')).toBe('tel:+85221234567');
  // The destination has coordinates: a map of it, with no courier (the order is not on its way yet).
  expect(await page.isVisible('.map-panel .leaflet-container')).toBe(true);
  expect(await page.locator('[data-testid=courier-marker]').count()).toBe(0);
  // Times in the viewer's zone: the placement's time as a Hong Kong clock shows it.
  const placedAt = (await page.getAttribute('[data-seq="1"] time', 'datetime'))!;
  const hongKongTime = await page.evaluate(
    ([iso, timeZone]) => new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(iso)),
    [placedAt, VIEWER_TIME_ZONE] as const,
  );
  expect(await page.textContent('[data-seq="1"] time')).toContain(hongKongTime);
  expectClean(tracked);
});

it('shows a status posted through the API without a reload, with its timeline entry, and announces it', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const tracked = await open(order, DESK);
  const { page } = tracked;
  await page.waitForSelector('[data-testid=live-state][data-state=live]');

  const posted = Date.now();
  await postStatus(api, order.id, 'shipped');
  await page.waitForSelector('[data-testid=order-status][data-status=shipped]', { timeout: 2000 });
  await page.waitForSelector('[data-testid=timeline] [data-seq="2"][data-status=shipped]', { timeout: 2000 });
  process.stdout.write(`tracking page: posted status shown after ${Date.now() - posted} ms\n`);
  expect(await timelineSeqs(page)).toEqual([2, 1]);
  expect(await page.textContent('[role=status][aria-live=polite]')).toContain('Shipped');
  // One document load: the update came live.
  expect(tracked.requests.filter((url) => new URL(url).pathname.startsWith('/track/'))).toHaveLength(1);
  expectClean(tracked);
});

it('moves the courier marker when the courier posts its position, once the order is out for delivery', async () => {
  const courierId = `k-${Date.now()}`;
  const courier = client(pair.a.url, await tenant.token('courier', courierId));
  const order = await placeOrder(api, { destination: HOME });
  expect((await api.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId })).status).toBe(200);
  await postStatus(api, order.id, 'in_transit');
  const tracked = await open(order, DESK);
  const { page } = tracked;
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  const marker = `[data-testid=courier-marker]`;

  // In transit the courier is out at other customers' doors: the link is not told where it is (API.md "Tracking
  // links"), neither now nor once the order goes out for delivery.
  expect((await courier.post(`/v1/couriers/me/location`, KOWLOON_TONG)).status).toBe(204);
  await postStatus(api, order.id, 'out_for_delivery');
  await page.waitForSelector('[data-testid=order-status][data-status=out_for_delivery]');
  expect(await page.locator(marker).count()).toBe(0);

  expect((await courier.post('/v1/couriers/me/location', COURIER_NEARBY)).status).toBe(204);
  await page.waitForSelector(`${marker}[data-lat="${COURIER_NEARBY.lat}"][data-lng="${COURIER_NEARBY.lng}"]`, { timeout: 5000 });
  expect((await courier.post('/v1/couriers/me/location', COURIER_CLOSER)).status).toBe(204);
  await page.waitForSelector(`${marker}[data-lat="${COURIER_CLOSER.lat}"][data-lng="${COURIER_CLOSER.lng}"]`, { timeout: 5000 });
  expect(await page.locator(marker).count()).toBe(1);

  // Delivered: the courier is no longer shown, the destination stays.
  await postStatus(api, order.id, 'delivered');
  await page.waitForSelector('[data-testid=order-status][data-status=delivered]');
  await page.waitForSelector(marker, { state: 'detached' });
  expect(await page.isVisible('.map-panel .leaflet-container')).toBe(true);
  expectClean(tracked);
});

it('explains an exception status; a late event, which changed nothing, is not among the link\'s events', async () => {
  const order = await placeOrder(api, { destination: HOME });
  await postStatus(api, order.id, 'processing');
  await postStatus(api, order.id, 'on_hold');
  const late = await api.post(`/v1/orders/${order.id}/status`, { status: 'shipped', occurred_at: new Date(Date.now() - 3600_000).toISOString() });
  expect(late.status).toBe(200);
  expect(late.body.event).toMatchObject({ applied: false, seq: null });
  const tracked = await open(order, PHONE);
  const { page } = tracked;

  expect(await page.getAttribute('[data-testid=order-status]', 'data-status')).toBe('on_hold');
  expect((await page.textContent('.status-sentence'))!.length).toBeGreaterThan(20);
  // The progress bar stays at the step the order was held at.
  expect(await page.locator('.step.done').count()).toBe(2);
  expect(await timelineSeqs(page)).toEqual([3, 2, 1]);
  expect(await page.locator('[data-testid=timeline] > li').count()).toBe(3);
  expectClean(tracked);
});

it('follows the courier without jumping on every ping, and leaves the map alone once the person moves it', async () => {
  const courierId = `k-follow-${Date.now()}`;
  const courier = client(pair.a.url, await tenant.token('courier', courierId));
  const order = await placeOrder(api, { destination: HOME });
  expect((await api.post(`/v1/orders/${order.id}/assign`, { courier_id: courierId })).status).toBe(200);
  await postStatus(api, order.id, 'out_for_delivery');
  const tracked = await open(order, PHONE);
  const { page } = tracked;
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  const moveTo = async (spot: { lat: number; lng: number }) => {
    expect((await courier.post('/v1/couriers/me/location', spot)).status).toBe(204);
    await page.waitForSelector(`[data-testid=courier-marker][data-lat="${spot.lat}"][data-lng="${spot.lng}"]`);
  };
  // Where the map is, once the page has finished moving it (data-moving): where the destination is drawn.
  const view = async () => {
    await page.waitForSelector('.map-canvas:not([data-moving])');
    return page.$eval('.dot-destination', (dot) => JSON.stringify(dot.getBoundingClientRect()));
  };

  await moveTo(COURIER_NEARBY);
  const before = await view();
  await page.waitForFunction(markerInsideMap, true);
  // A small step inside the view: the map stays where it is.
  await moveTo(COURIER_CLOSER);
  expect(await view()).toBe(before);
  // Far out of view (Kowloon Tong, 6 km north): the map brings destination and courier back into view.
  await moveTo(KOWLOON_TONG);
  expect(await view()).not.toBe(before);
  await page.waitForFunction(markerInsideMap, true);

  // The person drags the map (north out of view); the courier moving on (Tai Po, further north) no longer moves it.
  const canvas = (await page.locator('.map-canvas').boundingBox())!;
  await page.mouse.move(canvas.x + canvas.width / 2, canvas.y + canvas.height / 2);
  await page.mouse.down();
  await page.mouse.move(canvas.x + canvas.width / 2 + 20, canvas.y + canvas.height / 2 - 100, { steps: 8 });
  await page.mouse.up();
  await page.waitForSelector('.follow', { state: 'visible' });
  const dragged = await view();
  await moveTo(TAI_PO);
  expect(await view()).toBe(dragged);
  await page.waitForFunction(markerInsideMap, false); // it glides out of view
  // "Follow courier" gives the view back to the page.
  await page.click('.follow');
  await page.waitForFunction(markerInsideMap, true);
  await page.waitForSelector('.follow', { state: 'hidden' });
  expectClean(tracked);
});

it('says when it is offline and catches up when the network is back', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const tracked = await open(order, PHONE);
  const { page, context } = tracked;
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  await context.setOffline(true);
  await page.waitForSelector('[data-testid=live-state][data-state=offline]');
  await postStatus(api, order.id, 'processing');
  await context.setOffline(false);
  await page.waitForSelector('[data-testid=live-state][data-state=live]', { timeout: 15_000 });
  await page.waitForSelector('[data-testid=order-status][data-status=processing]');
  expect(await timelineSeqs(page)).toEqual([2, 1]);
});

it('says a bad, expired or someone else’s link is not valid, in the page', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const other = await placeOrder(api, {});
  const now = Math.floor(Date.now() / 1000);
  const expired = craftJwt({ tid: tenant.id, role: 'tracker', oid: order.id, iat: now - 7200, exp: now - 3600 }, JWT_SECRET);
  const links = [
    `/track/${order.id}?token=not-a-token`,
    `/track/${order.id}?token=${expired}`,
    `/track/${order.id}?token=${other.tracking_token}`,
    `/track/ord_does_not_exist?token=${order.tracking_token}`,
    `/track/${order.id}`,
  ];
  for (const link of links) {
    const tracked = await openPage(PHONE);
    pages.push(tracked);
    await tracked.page.goto(proxy.url + link);
    const error = await tracked.page.waitForSelector('[data-testid=page-error]');
    expect(await error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/tracking link is (not valid or has expired|incomplete)/);
    expect(await tracked.page.locator('[data-testid=order-status]').count()).toBe(0);
    expect(foreignHosts(tracked.requests, [new URL(proxy.url).host])).toEqual([]);
    // Chromium logs the API's 4xx answer itself; nothing else may fail.
    expect(tracked.errors.filter((text) => !/Failed to load resource: the server responded with a status of 40[134]/.test(text))).toEqual([]);
  }
});

it('fits a 360 px phone and a desk with a Hong Kong order out for delivery, in each language (screenshots), all from this server', async () => {
  const order = await outForDeliveryInHongKong();
  const shots = [
    { viewport: PHONE, name: 'track-phone', lang: null },
    { viewport: DESK, name: 'track-desk', lang: null },
    { viewport: PHONE, name: 'track-phone-zh-hk', lang: 'zh-HK' },
    { viewport: DESK, name: 'track-desk-zh-hk', lang: 'zh-HK' },
    { viewport: PHONE, name: 'track-phone-ar', lang: 'ar' },
    { viewport: DESK, name: 'track-desk-ar', lang: 'ar' },
  ] as const;
  for (const { viewport, name, lang } of shots) {
    const tracked = await open(order, viewport, lang ? `&lang=${lang}` : '');
    const { page } = tracked;
    await page.waitForSelector('[data-testid=live-state][data-state=live]');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe(lang ?? 'en');
    expect(await page.getAttribute('[data-testid=order-status]', 'data-status')).toBe('out_for_delivery');
    await page.waitForSelector(`[data-testid=courier-marker][data-lat="${COURIER_NEARBY.lat}"]`);
    expect(await timelineSeqs(page)).toEqual([6, 5, 4, 3, 2, 1]);
    // Every basemap tile drawn and faded in, so the screenshot shows the map.
    await page.waitForFunction(() => {
      const tiles = Array.from(document.querySelectorAll('.leaflet-tile'));
      return tiles.length > 0 && tiles.every((tile) => tile.classList.contains('leaflet-tile-loaded') && getComputedStyle(tile).opacity === '1');
    });

    const layout = await page.evaluate(() => {
      const box = (selector: string) => {
        const rect = document.querySelector(selector)!.getBoundingClientRect();
        return { top: rect.top, left: rect.left, right: rect.right, height: rect.height };
      };
      return {
        scrollWidth: document.scrollingElement!.scrollWidth,
        innerWidth: window.innerWidth,
        innerHeight: window.innerHeight,
        boxes: [box('[data-testid=order-status]'), box('.map-panel .leaflet-container'), box('[data-testid=timeline] [data-seq]')],
      };
    });
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
    // Status, map and the newest timeline entry are all on the first screen, none cut off at the sides.
    for (const box of layout.boxes) {
      expect(box.height).toBeGreaterThan(0);
      expect(box.top).toBeGreaterThanOrEqual(0);
      expect(box.top).toBeLessThan(layout.innerHeight);
      expect(box.left).toBeGreaterThanOrEqual(0);
      expect(box.right).toBeLessThanOrEqual(layout.innerWidth);
    }
    // The basemap's share of the page (issue budget: 300 KB gzipped), as it crossed the wire.
    const basemapBytes = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.name.includes('/basemap/'))
        .reduce((sum, entry) => sum + (entry as PerformanceResourceTiming).encodedBodySize, 0),
    );
    process.stdout.write(`tracking page (${name}): basemap ${(basemapBytes / 1024).toFixed(1)} KB on the wire\n`);
    expect(basemapBytes).toBeGreaterThan(0);
    expect(basemapBytes).toBeLessThanOrEqual(300 * 1024);
    await screenshot(page, name);
    expectClean(tracked);
  }
});

it('resumes on the other node when its node stops, showing every event once and in order', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const tracked = await open(order, PHONE);
  const { page } = tracked;
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  await postStatus(api, order.id, 'processing');
  await page.waitForSelector('[data-testid=timeline] [data-seq="2"]');
  expect(proxy.routedTo(pair.a.node.port!)).toBeGreaterThan(0);
  expect(proxy.routedTo(pair.b.node.port!)).toBe(0);

  // New connections wait at the "load balancer" while node A goes away, so the page is reconnecting for as long
  // as the events on node B take.
  proxy.hold();
  await pair.a.close({ keepData: true });
  await page.waitForSelector('[data-testid=live-state][data-state=reconnecting]');
  const onB = client(pair.b.url, tenant.apiKey);
  for (const status of ['shipped', 'in_transit', 'in_transit', 'out_for_delivery']) {
    expect((await onB.post(`/v1/orders/${order.id}/status`, { status })).status).toBe(200);
  }
  proxy.release();

  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  await page.waitForSelector('[data-testid=order-status][data-status=out_for_delivery]');
  expect(await timelineSeqs(page)).toEqual([6, 5, 4, 3, 2, 1]);
  expect(proxy.routedTo(pair.b.node.port!)).toBeGreaterThan(0);
  // Still live on node B: the next event comes through once.
  expect((await onB.post(`/v1/orders/${order.id}/status`, { status: 'delivered' })).status).toBe(200);
  await page.waitForSelector('[data-testid=timeline] [data-seq="7"]');
  expect(await timelineSeqs(page)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  expect(foreignHosts(tracked.requests, [new URL(proxy.url).host])).toEqual([]);
});

/** Opens the order's tracking link (with `query` after its token) through the proxy and waits for its status. */
async function open(order: { id: string; tracking_token: string }, viewport: { width: number; height: number }, query = ''): Promise<TestPage> {
  const tracked = await openPage(viewport);
  pages.push(tracked);
  await tracked.page.goto(`${proxy.url}/track/${order.id}?token=${order.tracking_token}${query}`);
  await tracked.page.waitForSelector('[data-testid=order-status][data-status]');
  return tracked;
}

/** The seqs of the timeline's applied entries, top to bottom. */
function timelineSeqs(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=timeline] [data-seq]', (items) => items.map((item) => Number(item.getAttribute('data-seq'))));
}

/** In the page: whether the courier's marker is drawn inside the map's box (`inside`) or outside it. */
function markerInsideMap(inside: boolean): boolean {
  const marker = document.querySelector('[data-testid=courier-marker]')?.getBoundingClientRect();
  const map = document.querySelector('.map-canvas')!.getBoundingClientRect();
  if (!marker) return false;
  const x = marker.left + marker.width / 2;
  const y = marker.top + marker.height / 2;
  return (x >= map.left && x <= map.right && y >= map.top && y <= map.bottom) === inside;
}

/** Nothing fetched from another host, nothing logged as an error. */
function expectClean(tracked: TestPage): void {
  expect(foreignHosts(tracked.requests, [new URL(proxy.url).host])).toEqual([]);
  expect(tracked.errors).toEqual([]);
}

/**
 * A realistic order for the screenshots: placed, prepared, picked up, through a hub and out for delivery, the
 * courier a few hundred metres away. Events are spread over the next minutes (API.md allows up to 5 minutes
 * ahead), so the timeline shows distinct times.
 */
async function outForDeliveryInHongKong() {
  const courierId = `k-hk-${Date.now()}`;
  const courier = client(pair.a.url, await tenant.token('courier', courierId));
  const body = {
    external_id: `HK-${String(Date.now()).slice(-6)}`,
    customer: { id: `c-hk-${Date.now()}`, name: 'Chan Tai Man', locale: 'en' },
    destination: HOME,
    amount: { value: 48_900, currency: 'HKD' },
    promised_by: new Date(Date.now() + 90 * 60_000).toISOString(),
  };
  const order = await placeOrder(api, body);
  const minutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();
  await api.post(`/v1/orders/${order.id}/status`, { status: 'processing', occurred_at: minutes(0.5), note: 'Packed at the Kwun Tong warehouse' });
  const scans = [
    { type: 'pickup', occurred_at: minutes(1) },
    { type: 'hub_in', occurred_at: minutes(2) },
    { type: 'hub_out', occurred_at: minutes(3) },
    { type: 'out_for_delivery', occurred_at: minutes(4) },
  ].map((scan, index) => ({ ...scan, event_id: `${order.id}-scan-${index}`, order_id: order.id }));
  const scanned = await courier.post('/v1/scans', { scans });
  expect(scanned.body.results.map((result: { outcome: string }) => result.outcome)).toEqual(['applied', 'applied', 'applied', 'applied']);
  expect((await courier.post('/v1/couriers/me/location', COURIER_NEARBY)).status).toBe(204);
  // Positions are stored in batches: the page opens with the courier where the order says it is.
  await eventually(async () => (await api.get(`/v1/orders/${order.id}`)).body.last_location !== null, 'courier position stored');
  return order;
}

/**
 * Builds the tracking page into dist/web (what src/web/build.ts does for it), so this suite serves the page as
 * its sources are now. The same options as build.ts, plus one: esbuild 0.28 refuses build.ts's `safari14` target
 * for any destructuring (Safari before 14.1 miscompiles it; evanw/esbuild#4436), socket.io-client's included.
 */
