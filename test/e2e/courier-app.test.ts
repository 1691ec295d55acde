/**
 * The courier app (`/courier/`, API.md "The courier app") in real Chromium against two real nodes with real Redis:
 * sign-in from an invite link and with a pasted token, today's orders, a typed scan, a delivery with its proof
 * done offline (kept through a reload the service worker serves) that lands when the network is back, positions
 * on shift reaching a watcher of the order, deactivation, and the Arabic layout at 360 px. Everything is awaited
 * through the page's stable hooks (attributes, not text).
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildPage } from '../../src/web/build';
import { closeBrowser, foreignHosts, openPage, PHONE, screenshot, type TestPage } from '../support/browser';
import { eventually } from '../support/eventually';
import { unique } from '../support/ids';
import { uploadLogo } from '../support/logo';
import { liveCluster } from '../support/live-fixture';
import { assignCourier, placeOrder, postStatus, type PlacedOrder } from '../support/orders';
import { Recorder } from '../support/recorder';
import { connectSocket, subscribeOk } from '../support/sockets';

// The courier's phone is in Hong Kong; times on the page are in its zone.
process.env.TZ = 'Asia/Hong_Kong';

jest.setTimeout(120_000);

/** Hong Kong: stops in Tai Hang and Causeway Bay, the courier in between. */
const TAI_HANG = { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 };
const CAUSEWAY_BAY = { address: '15/F, 500 Hennessy Road, Causeway Bay, Hong Kong', lat: 22.2799, lng: 114.1848 };
const WAN_CHAI = { address: '3 Lockhart Road, Wan Chai, Hong Kong', lat: 22.2776, lng: 114.1722 };
const COURIER_AT = { latitude: 22.2790, longitude: 114.1880 };

const pages: TestPage[] = [];
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
});
// Built before the nodes start, as `npm test` builds the pages before any node runs.
beforeAll(async () => {
  const built = await buildPage('courier');
  process.stdout.write(`courier app: ${built.gzippedKb} KB of script and style, gzipped\n`);
});
const cluster = liveCluster('courier-app', { tenant: 'Acme' });

// The company's branding: its logo in the app's top bar.
beforeAll(async () => {
  const logo = await uploadLogo(cluster.biz);
  await ok(cluster.biz.put('/v1/tenants/me/branding', { display_name: 'Acme Express', logo: logo.id, primary_color: '#0a7c59' }));
});

async function ok(promise: Promise<{ status: number; body: any }>, status = 200): Promise<any> {
  const response = await promise;
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A courier record and a one-time invite link for it. */
async function courierWithInvite(name: string): Promise<{ id: string; url: string }> {
  const id = unique('k');
  await ok(cluster.biz.post('/v1/couriers', { id, name, phone: '+85291234567' }), 201);
  const invite = await ok(cluster.biz.post(`/v1/couriers/${id}/invites`), 201);
  expect(invite.url).toBe(`${cluster.a.url}/courier/#invite=${invite.code}`);
  return { id, url: invite.url };
}

/** An order of the courier's, moved on to `status`. */
async function orderFor(courierId: string, status: string | null, body: Record<string, unknown> = {}): Promise<PlacedOrder> {
  const order = await placeOrder(cluster.biz, body);
  await assignCourier(cluster.biz, order.id, courierId);
  if (status) await postStatus(cluster.biz, order.id, status);
  return order;
}

/** A phone-sized page (the options add an emulated position and its permission). */
async function phone(options: Parameters<typeof openPage>[1] = {}): Promise<TestPage> {
  const opened = await openPage(PHONE, { locale: 'en-GB', timezoneId: 'Asia/Hong_Kong', ...options });
  pages.push(opened);
  return opened;
}

const card = (orderId: string): string => `[data-testid=courier-order][data-order-id="${orderId}"]`;

async function outboxCount(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid=outbox-count]', 'data-count'));
}

it('signs in with an invite link, lists the assigned orders and moves one with a typed scan', async () => {
  const courier = await courierWithInvite('Chan Tai Man');
  const first = await orderFor(courier.id, 'in_transit', {
    external_id: unique('shop'),
    customer: { id: unique('cust'), name: 'Wong Siu Ming', phone: '+85261234567' },
    destination: TAI_HANG,
    amount: { value: 12900, currency: 'HKD' },
    payment: { method: 'cash' },
    instructions: 'Ring twice; the doorman keeps parcels after 6 pm',
  });
  const second = await orderFor(courier.id, null, { customer: { id: unique('cust'), name: 'Lee Ka Yan' }, destination: CAUSEWAY_BAY });
  const someoneElses = await placeOrder(cluster.biz, { destination: WAN_CHAI });
  const opened = await phone();
  const { page } = opened;

  await page.goto(courier.url);
  await page.waitForSelector(card(first.id));
  await page.waitForSelector(card(second.id));
  expect(await page.locator('[data-testid=courier-order]').count()).toBe(2);
  expect(await page.locator(card(someoneElses.id)).count()).toBe(0);
  // The company's logo, loaded, in the top bar.
  await page.waitForFunction(() => (document.querySelector('[data-testid=shop-logo]') as HTMLImageElement | null)?.naturalWidth! > 0);
  expect(await page.getAttribute('[data-testid=shop-logo]', 'alt')).toBe('Acme Express');
  // The code was spent and left the address bar; the session is on the device.
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.evaluate(() => JSON.parse(localStorage.getItem('courier.session') ?? 'null')?.courierId)).toBe(courier.id);
  // The stop's card: who, how to call, how to get there, what to collect, the instructions.
  const stop = page.locator(card(first.id));
  expect(await stop.getAttribute('data-status')).toBe('in_transit');
  expect(await stop.locator('a[href^="tel:"]').getAttribute('href')).toBe('tel:+85261234567');
  expect(await stop.locator('[data-testid=order-navigate]').getAttribute('href')).toContain(`${TAI_HANG.lat},${TAI_HANG.lng}`);
  expect(await stop.textContent()).toContain('Wong Siu Ming');
  expect(await stop.textContent()).toContain('HK$129.00');
  expect(await stop.textContent()).toContain('Ring twice');
  expect(await page.locator('.orders-map .stop-pin').count()).toBe(2);

  // The label's reference, typed: the order opens with what its status allows.
  await page.fill('[data-testid=scan-input]', first.external_id);
  await page.click('[data-testid=scan-submit]');
  await page.waitForSelector(`[data-testid=selected-order][data-order-id="${first.id}"][data-status=in_transit]`);
  expect(await page.locator('[data-testid=action-pickup]').count()).toBe(0); // backwards from in transit
  await page.click('[data-testid=action-out_for_delivery]');
  await page.click('[data-testid=action-submit]');
  await page.waitForSelector(`[data-testid=scan-result][data-order-id="${first.id}"][data-outcome=applied]`);
  await page.waitForSelector(`${card(first.id)}[data-status=out_for_delivery]`);
  await page.waitForSelector('[data-testid=outbox-count][data-count="0"]');
  expect(opened.errors).toEqual([]);
  const moved = await ok(cluster.biz.get(`/v1/orders/${first.id}`));
  expect(moved.status).toBe('out_for_delivery');
  expect(moved.history.at(-1)).toMatchObject({ type: 'scan', scan_type: 'out_for_delivery', source: 'courier' });

  // A code that is none of the courier's orders: said in words, and only a pickup is offered.
  await page.fill('[data-testid=scan-input]', someoneElses.id);
  await page.click('[data-testid=scan-submit]');
  await page.waitForSelector(`[data-testid=selected-order][data-order-id="${someoneElses.id}"][data-status=""]`);
  expect(await page.locator('[data-testid^=action-]').evaluateAll((found) => found.map((element) => element.getAttribute('data-testid')))).toEqual([
    'action-pickup',
  ]);
  await page.click('[data-testid=sheet-close]');
  await page.waitForSelector('.orders-map .leaflet-tile-loaded', { timeout: 20_000 });
  await screenshot(page, 'courier-orders');
  expect(foreignHosts(opened.requests, [new URL(cluster.a.url).host])).toEqual([]);
});

it('keeps a delivery done offline through a reload, and sends its proof and cash when the network is back', async () => {
  const courier = await courierWithInvite('Cheung Wing Sze');
  const order = await orderFor(courier.id, 'out_for_delivery', {
    external_id: unique('shop'),
    customer: { id: unique('cust'), name: 'Ho Mei Ling', phone: '+85262345678' },
    destination: CAUSEWAY_BAY,
    amount: { value: 12900, currency: 'HKD' },
    payment: { method: 'cash' },
  });
  const { page, context } = await phone();
  await page.goto(courier.url);
  await page.waitForSelector(card(order.id));
  // The service worker has the shell and assets once it is active (it caches them while installing).
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));

  await context.setOffline(true);
  await page.click(`${card(order.id)} .order-main`);
  await page.waitForSelector(`[data-testid=selected-order][data-order-id="${order.id}"][data-status=out_for_delivery]`);
  await page.click('[data-testid=action-delivered]');
  await page.fill('[data-testid=proof-recipient]', 'Ho Mei Ling');
  await sign(page);
  await page.setInputFiles('[data-testid=proof-photo]', { name: 'door.jpg', mimeType: 'image/jpeg', buffer: await doorPhoto() });
  await page.waitForSelector('.photos img');
  // The cash due is offered as collected.
  expect(await page.inputValue('[data-testid=cod-collected]')).toBe('129.00');
  await screenshot(page, 'courier-delivery');
  await page.click('[data-testid=action-submit]');
  await page.waitForSelector('[data-testid=outbox-count][data-count="1"]');

  // Closed and opened again with no network: the service worker serves the app, the action is still waiting.
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  await page.waitForSelector('[data-testid=outbox-count][data-count="1"]');
  await page.waitForSelector(card(order.id)); // the list as last read, from the device
  expect((await ok(cluster.biz.get(`/v1/orders/${order.id}`))).status).toBe('out_for_delivery');

  await context.setOffline(false);
  await page.waitForSelector('[data-testid=outbox-count][data-count="0"]', { timeout: 30_000 });
  await page.waitForSelector(`[data-testid=scan-result][data-order-id="${order.id}"][data-outcome=applied]`);
  const delivered = await ok(cluster.biz.get(`/v1/orders/${order.id}`));
  expect(delivered.status).toBe('delivered');
  expect(delivered.proof).toMatchObject({ recipient_name: 'Ho Mei Ling', signature: { id: expect.any(String) } });
  expect(delivered.proof.photos).toHaveLength(1);
  // Done while offline: the delivery's time is when it was done, not when it reached the server.
  const scan = delivered.history.at(-1);
  expect(Date.parse(scan.occurred_at)).toBeLessThan(Date.parse(scan.recorded_at));
  expect(delivered.payment).toMatchObject({ status: 'cod_collected', amount_paid: { value: 12900, currency: 'HKD' } });
  // The proof's pictures are what the phone took: a PNG signature with ink on it and the JPEG photo.
  const signature = await fetch(cluster.a.url + delivered.proof.signature.url);
  expect(signature.headers.get('content-type')).toBe('image/png');
  const { channels } = await sharp(Buffer.from(await signature.arrayBuffer())).stats();
  expect(channels[0]!.min).toBeLessThan(100); // dark strokes on white
  const photo = await fetch(cluster.a.url + delivered.proof.photos[0].url);
  expect(photo.headers.get('content-type')).toBe('image/jpeg');
});

it('sends the position on shift to the watchers of an order out for delivery', async () => {
  const courier = await courierWithInvite('Lam Chi Keung');
  const customerId = unique('cust');
  const order = await orderFor(courier.id, 'out_for_delivery', { customer: { id: customerId, name: 'Yip Wai' }, destination: TAI_HANG });
  const watcher = await connectSocket(cluster.b.url, await cluster.tenant.token('customer', customerId));
  const heard = Recorder.of(watcher);
  await subscribeOk(watcher, order.id);

  const { page, context } = await phone({ geolocation: COURIER_AT, permissions: ['geolocation'] });
  await page.goto(courier.url);
  await page.waitForSelector(card(order.id));
  await page.waitForSelector('[data-testid=shift-toggle][data-on=false]');
  await page.click('[data-testid=shift-toggle]');
  await page.waitForSelector('[data-testid=shift-toggle][data-on=true]');

  const pushed = await heard.until((entry) => entry.event === 'courier_location' && entry.data.order_id === order.id, 'the courier position');
  expect(pushed.data).toMatchObject({ courier_id: courier.id, lat: COURIER_AT.latitude, lng: COURIER_AT.longitude });
  await eventually(async () => {
    const seen = await ok(cluster.biz.get(`/v1/orders/${order.id}`));
    return seen.last_location?.lat === COURIER_AT.latitude;
  }, 'the order’s last_location');
  // The courier's own position is on the map.
  await page.waitForSelector('.orders-map .courier-dot');

  // Offline, positions wait on the phone (one every 5 s at most) and go out together when the network is back.
  await context.setOffline(true);
  const later = { latitude: 22.2785, longitude: 114.1902 };
  await context.setGeolocation(later);
  await eventually(() => page.evaluate(bufferedPositions).then((count) => count >= 1), 'a position kept on the phone', 15_000);
  expect(heard.of('courier_location').some((update) => update.lat === later.latitude)).toBe(false);
  await context.setOffline(false);
  await heard.until((entry) => entry.event === 'courier_location' && entry.data.lat === later.latitude, 'the buffered position');
  await eventually(() => page.evaluate(bufferedPositions).then((count) => count === 0), 'the buffer emptied');

  // Off shift: the position is no longer watched.
  await page.click('[data-testid=shift-toggle]');
  await page.waitForSelector('[data-testid=shift-toggle][data-on=false]');
  // The map drops the courier's dot in its effect, after the toggle is drawn.
  await page.waitForSelector('.orders-map .courier-dot', { state: 'detached' });
  await context.setGeolocation({ latitude: 22.2801, longitude: 114.1901 });
  expect(await page.locator('.orders-map .courier-dot').count()).toBe(0);
});

it('shows an action the server refused, in words', async () => {
  const courier = await courierWithInvite('Kwok Ka Ho');
  const order = await orderFor(courier.id, 'out_for_delivery', { external_id: unique('shop'), destination: WAN_CHAI });
  const { page, context } = await phone();
  await page.goto(courier.url);
  await page.waitForSelector(card(order.id));

  // Offline, the courier notes a failed attempt; meanwhile the office gives the order to another courier.
  await context.setOffline(true);
  await page.click(`${card(order.id)} .order-main`);
  await page.click('[data-testid=action-failed_attempt]');
  await page.selectOption('[data-testid=fail-reason]', 'not_home');
  await page.click('[data-testid=action-submit]');
  await page.waitForSelector('[data-testid=outbox-count][data-count="1"]');
  await assignCourier(cluster.biz, order.id, unique('k'));

  await context.setOffline(false);
  const refused = page.locator(`[data-testid=scan-result][data-order-id="${order.id}"][data-outcome=rejected]`);
  await refused.waitFor();
  expect(await refused.textContent()).toContain('This order is not assigned to you.');
  await page.waitForSelector('[data-testid=outbox-count][data-count="0"]');
  await page.waitForSelector(card(order.id), { state: 'detached' }); // no longer among the courier's orders
  expect((await ok(cluster.biz.get(`/v1/orders/${order.id}`))).status).toBe('out_for_delivery');
});

it('is installable: a manifest with icons, and a service worker allowed by the page’s policy', async () => {
  const shell = await fetch(`${cluster.a.url}/courier/`);
  const policy = shell.headers.get('content-security-policy')!;
  expect(policy).toContain("worker-src 'self'");
  expect(policy).toContain("manifest-src 'self'");
  expect(policy).toContain("script-src 'self'");
  // No inline script or eval; WebAssembly only, for the camera's barcode decoder.
  expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  expect(await shell.text()).toContain('<link rel="manifest" href="/courier/manifest.webmanifest">');

  const manifest = await fetch(`${cluster.a.url}/courier/manifest.webmanifest`);
  expect(manifest.headers.get('content-type')).toContain('application/manifest+json');
  const app = await manifest.json();
  expect(app).toMatchObject({ start_url: '/courier/', scope: '/courier/', display: 'standalone' });
  for (const icon of app.icons as Array<{ src: string; type: string; sizes: string }>) {
    const fetched = await fetch(cluster.a.url + icon.src);
    expect({ src: icon.src, status: fetched.status, type: fetched.headers.get('content-type') }).toEqual({ src: icon.src, status: 200, type: icon.type });
    if (icon.type === 'image/png') {
      const { width } = await sharp(Buffer.from(await fetched.arrayBuffer())).metadata();
      expect(`${width}x${width}`).toBe(icon.sizes);
    }
  }
  const worker = await fetch(`${cluster.a.url}/courier/sw.js`);
  expect(worker.headers.get('content-type')).toContain('javascript');
  expect(worker.headers.get('cache-control')).toBe('no-cache');
});

it('signs in with a pasted token, and signs out with a clear message when the courier is made inactive', async () => {
  const id = unique('k');
  await ok(cluster.biz.post('/v1/couriers', { id, name: 'Tsang Ho Yin' }), 201);
  const order = await orderFor(id, 'shipped', { destination: WAN_CHAI });
  const { page } = await phone();
  await page.goto(`${cluster.a.url}/courier`); // redirected to /courier/
  expect(new URL(page.url()).pathname).toBe('/courier/');

  await page.fill('[data-testid=courier-signin-token]', 'not a token');
  await page.click('[data-testid=courier-signin-submit]');
  await page.waitForSelector('[data-testid=signin-notice]');
  await page.fill('[data-testid=courier-signin-token]', await cluster.tenant.token('courier', id));
  await page.click('[data-testid=courier-signin-submit]');
  await page.waitForSelector(card(order.id));
  expect(await page.textContent('.who-name')).toBe('Tsang Ho Yin');

  await ok(cluster.biz.patch(`/v1/couriers/${id}`, { active: false }));
  // The app reads its orders again when it comes to the front: refused, it says why and forgets the session.
  await page.evaluate(() => window.dispatchEvent(new Event('focus')));
  await page.waitForSelector('[data-testid=signin-notice]');
  expect(await page.textContent('[data-testid=signin-notice]')).toContain('signed out');
  expect(await page.evaluate(() => localStorage.getItem('courier.session'))).toBeNull();
});

it('is in Arabic, right to left, with no sideways scrolling on a 360 px phone', async () => {
  const courier = await courierWithInvite('Ahmad Khan');
  const order = await orderFor(courier.id, 'out_for_delivery', {
    external_id: unique('shop'),
    customer: { id: unique('cust'), name: 'Fatima Rahman', phone: '+85263456789' },
    destination: TAI_HANG,
    amount: { value: 25000, currency: 'HKD' },
    payment: { method: 'cash' },
    instructions: 'Call from the lobby',
  });
  await orderFor(courier.id, 'in_transit', { customer: { id: unique('cust'), name: 'Omar Siddiqui' }, destination: CAUSEWAY_BAY });
  const { page } = await phone();
  await page.goto(`${cluster.a.url}/courier/?lang=ar#invite=${new URL(courier.url).hash.slice('#invite='.length)}`);
  await page.waitForSelector(card(order.id));
  expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
  expect(await page.textContent('.section-title')).toContain('طلبات اليوم');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await screenshot(page, 'courier-orders-ar');

  // The delivery form too, and the language picked stays for the next visit.
  await page.click(`${card(order.id)} .order-main`);
  await page.click('[data-testid=action-delivered]');
  await page.waitForSelector('[data-testid=proof-signature]');
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await page.click('[data-testid=sheet-close]');
  await page.selectOption('[data-testid=lang-select]', 'zh-HK');
  expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['zh-HK', 'ltr']);
  await page.goto(`${cluster.a.url}/courier/`);
  await page.waitForSelector(card(order.id));
  expect(await page.textContent('.section-title')).toContain('今日訂單');
});

/** How many positions wait on the phone (the app's IndexedDB), read in the page. */
function bufferedPositions(): Promise<number> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open('courier-app');
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const counting = opening.result.transaction('positions').objectStore('positions').count();
      counting.onsuccess = () => {
        opening.result.close();
        resolve(counting.result);
      };
      counting.onerror = () => reject(counting.error);
    };
  });
}

/** Draws a signature on the pad with mouse drags: two strokes across it. */
async function sign(page: Page): Promise<void> {
  const box = (await page.locator('[data-testid=proof-signature]').boundingBox())!;
  const at = (x: number, y: number): [number, number] => [box.x + box.width * x, box.y + box.height * y];
  for (const stroke of [
    [at(0.1, 0.6), at(0.3, 0.3), at(0.5, 0.7), at(0.7, 0.3), at(0.9, 0.5)],
    [at(0.2, 0.8), at(0.8, 0.75)],
  ]) {
    await page.mouse.move(...stroke[0]!);
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...point, { steps: 8 });
    await page.mouse.up();
  }
}

/** A small JPEG, as a phone camera would hand one over (larger than the app keeps, so it is scaled down). */
function doorPhoto(): Promise<Buffer> {
  return sharp({ create: { width: 2400, height: 1800, channels: 3, background: { r: 120, g: 90, b: 60 } } })
    .jpeg({ quality: 70 })
    .toBuffer();
}
