/**
 * The tracking page's proof of delivery and failed-attempt reasons (API.md "Proof of delivery", "Tracking links"),
 * in real Chromium against two real nodes sharing DATA_DIR and REDIS_PREFIX, with real Redis: the courier works on
 * node B while the customer's page is open on node A. Awaited through the page's stable hooks (attributes, not text).
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildPage } from '../../src/web/build';
import { ar } from '../../src/web/track/i18n/ar';
import { closeBrowser, foreignHosts, openPage, PHONE, screenshot, type TestPage } from '../support/browser';
import { type Client, client } from '../support/http';
import { unique } from '../support/ids';
import { liveCluster } from '../support/live-fixture';
import { assignCourier, placeOrder } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';

process.env.TZ = 'Asia/Hong_Kong';
jest.setTimeout(90_000);

const HOME = { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 };

let tenant: Tenant;
let api: Client;
const pages: TestPage[] = [];

afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
});
// Built before the nodes start, as `npm test` builds the pages before any node runs.
beforeAll(async () => {
  await buildPage('track');
});
const pair = liveCluster('track-proof');

beforeAll(async () => {
  tenant = await createTenant(pair.a.url);
  api = client(pair.a.url, tenant.apiKey);
});

it('says why an attempt failed, then shows the proof of delivery live and again after a reload', async () => {
  const courierId = unique('k-proof');
  // The courier works through node B; the customer's page follows node A.
  const courier = client(pair.b.url, await tenant.token('courier', courierId));
  const order = await placeOrder(api, {
    external_id: `HK-${String(Date.now()).slice(-6)}`,
    customer: { id: unique('c'), name: 'Chan Tai Man' },
    destination: HOME,
  });
  await assignCourier(api, order.id, courierId);
  const scan = async (type: string, fields: Record<string, unknown> = {}) => {
    const answer = await courier.post('/v1/scans', {
      scans: [{ event_id: unique('e'), order_id: order.id, type, occurred_at: new Date().toISOString(), ...fields }],
    });
    expect(answer.status).toBe(200);
    expect(answer.body.results[0]).toMatchObject({ outcome: 'applied' });
  };
  await scan('out_for_delivery');

  const tracked = await openPage(PHONE);
  pages.push(tracked);
  const { page } = tracked;
  await page.goto(`${pair.a.url}/track/${order.id}?token=${order.tracking_token}`);
  await page.waitForSelector('[data-testid=live-state][data-state=live]');
  expect(await page.locator('[data-testid=proof]').isVisible()).toBe(false);

  // Nobody home: the reason in words, live, in the status panel and on the timeline's entry.
  await scan('failed_attempt', { reason: 'not_home', note: 'Rang twice, left a card' });
  await page.waitForSelector('[data-testid=order-status][data-status=failed_attempt]');
  const panelReason = page.locator('.status-panel [data-testid=attempt-reason]');
  await panelReason.waitFor();
  expect(await panelReason.getAttribute('data-reason')).toBe('not_home');
  expect(await panelReason.textContent()).toBe('We couldn’t deliver: nobody was home.');
  const entryReason = page.locator('[data-testid=timeline] [data-status=failed_attempt] [data-testid=attempt-reason]');
  expect(await entryReason.getAttribute('data-reason')).toBe('not_home');
  expect(await entryReason.textContent()).toBe('Nobody was home');
  // Announced to screen readers once the reason is known; the courier's note stays with the business.
  await page.waitForFunction(() => document.querySelector('[role=status][aria-live=polite]')?.textContent?.includes('nobody was home'));
  expect(await page.textContent('body')).not.toContain('Rang twice');

  // The next round: delivered with a proof uploaded by the courier, while the page is open.
  await scan('out_for_delivery');
  await page.waitForSelector('[data-testid=order-status][data-status=out_for_delivery]');
  expect(await page.locator('.status-panel [data-testid=attempt-reason]').count()).toBe(0);
  const photos = [await uploaded(courier, await doorstepPhoto('#b07a45'), 'image/jpeg'), await uploaded(courier, await doorstepPhoto('#8c5a2b'), 'image/jpeg')];
  const signature = await uploaded(courier, await signaturePng(), 'image/png');
  const reads = () => tracked.requests.filter((url) => new URL(url).pathname === `/v1/orders/${order.id}`).length;
  const readsBefore = reads();
  await scan('delivered', { proof: { recipient_name: 'Wong Siu Ling', signature, photos, note: 'Handed over at the door of 12B' } });

  await page.waitForSelector('[data-testid=order-status][data-status=delivered]');
  await expectProof(page, photos, signature);
  // Live: one document load, and one read of the order for the delivery's details.
  expect(tracked.requests.filter((url) => new URL(url).pathname.startsWith('/track/'))).toHaveLength(1);
  expect(reads() - readsBefore).toBe(1);
  // The timeline keeps the failed attempt's reason below the delivery.
  expect(await entryReason.getAttribute('data-reason')).toBe('not_home');
  // Fits a 360 px phone: the proof shows below the status, on the first screen.
  expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(true);
  await page.evaluate(() => window.scrollTo(0, 0));
  expect(await proofTop(page)).toBeLessThan(PHONE.height / 2);
  await screenshot(page, 'track-proof-phone');

  // A photo opens larger from the keyboard, and closes back to where it was, without fetching it again.
  const fetched = () => tracked.requests.filter((url) => new URL(url).pathname.startsWith('/v1/attachments/')).length;
  const fetchedBefore = fetched();
  const button = page.locator('.proof-photo-button').first();
  const thumbnail = (await button.boundingBox())!;
  await button.focus();
  await page.keyboard.press('Enter');
  const viewer = page.locator('dialog.photo-viewer[open]');
  await viewer.waitFor();
  const large = (await viewer.locator('[data-testid=proof-photo]').boundingBox())!;
  expect(large.width).toBeGreaterThan(thumbnail.width);
  expect(await viewer.locator('[data-testid=proof-photo]').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(0);
  expect(await page.evaluate(() => document.activeElement?.className)).toBe('viewer-close');
  await page.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  // The photo goes back to its place on the dialog's `close` event, a task after the dialog closed.
  await page.waitForFunction(() => document.querySelectorAll('.proof-photo-button [data-testid=proof-photo]').length === 2);
  expect(await page.evaluate(() => document.activeElement?.classList.contains('proof-photo-button'))).toBe(true);
  // A tap opens the next one; a tap closes it.
  await page.locator('.proof-photo-button').nth(1).click();
  await viewer.waitFor();
  expect(await viewer.locator('[data-testid=proof-photo]').getAttribute('data-attachment')).toBe(photos[1]);
  await viewer.click();
  await viewer.waitFor({ state: 'detached' });
  expect(fetched()).toBe(fetchedBefore);

  // Everything from this server (the pictures too, by their signed links), nothing logged as an error.
  expect(foreignHosts(tracked.requests, [new URL(pair.a.url).host])).toEqual([]);
  expect(tracked.errors).toEqual([]);

  // A reload reads it all from the order's view.
  await page.reload();
  await page.waitForSelector('[data-testid=order-status][data-status=delivered]');
  await expectProof(page, photos, signature);
  expect(await entryReason.getAttribute('data-reason')).toBe('not_home');

  // Said again in Arabic, the proof keeps its pictures: the same images, nothing fetched again.
  const attachmentsBefore = fetched();
  await page.evaluate(() => document.querySelectorAll('[data-testid=proof] img').forEach((image) => image.classList.add('kept')));
  await page.selectOption('[data-testid=lang-select]', 'ar');
  await page.waitForFunction(() => document.documentElement.dir === 'rtl');
  const proof = page.locator('[data-testid=proof]');
  expect(await proof.locator('.panel-title').textContent()).toBe(ar.proof_title);
  expect(await proof.locator('[data-testid=proof-recipient]').textContent()).toBe('Wong Siu Ling');
  expect(await proof.locator('figcaption').textContent()).toBe(ar.proof_signature);
  expect(await proof.locator('img.kept').count()).toBe(3);
  expect(await proof.locator('[data-testid=proof-photo]').first().getAttribute('alt')).toMatch(/^صورة التسليم/);
  expect(await entryReason.textContent()).toBe(ar.reason_not_home);
  expect(fetched()).toBe(attachmentsBefore);
  expect(tracked.errors).toEqual([]);
});

/** The proof as the test's delivery gave it, its pictures loaded (each a real image, from this server). */
async function expectProof(page: Page, photos: string[], signature: string): Promise<void> {
  const proof = page.locator('[data-testid=proof]');
  await proof.waitFor();
  expect(await proof.locator('[data-testid=proof-recipient]').textContent()).toBe('Wong Siu Ling');
  expect(await proof.textContent()).toContain('Delivered to Wong Siu Ling');
  expect(await proof.textContent()).toContain('Handed over at the door of 12B');
  expect(await proof.locator('[data-testid=proof-photo]').evaluateAll((images) => images.map((image) => image.getAttribute('data-attachment')))).toEqual(photos);
  expect(await proof.locator('[data-testid=proof-signature]').getAttribute('data-attachment')).toBe(signature);
  // Lazy pictures: in view, they load.
  await proof.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => {
    const images = Array.from(document.querySelectorAll<HTMLImageElement>('[data-testid=proof] img'));
    return images.length === 3 && images.every((image) => image.complete && image.naturalWidth > 0);
  });
  for (const image of await proof.locator('img').all()) {
    expect(await image.getAttribute('loading')).toBe('lazy');
    expect(await image.getAttribute('src')).toMatch(/^\/v1\/attachments\/att_[^?]+\?exp=\d+&sig=/);
    expect((await image.getAttribute('alt'))!.length).toBeGreaterThan(5);
  }
}

/** Where the proof begins, from the top of the screen. */
function proofTop(page: Page): Promise<number> {
  return page.$eval('[data-testid=proof]', (proof) => proof.getBoundingClientRect().top);
}

async function uploaded(api: Client, bytes: Buffer, contentType: string): Promise<string> {
  const response = await api.post('/v1/attachments', undefined, { rawBody: bytes, headers: { 'content-type': contentType } });
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

/** A small JPEG of a parcel on a doorstep, the parcel in `colour`. */
function doorstepPhoto(colour: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
    <rect width="640" height="480" fill="#d9d4cc"/>
    <rect x="180" y="20" width="280" height="360" fill="#4d6a7a"/>
    <circle cx="420" cy="210" r="9" fill="#e3c16f"/>
    <rect x="0" y="380" width="640" height="100" fill="#9a948a"/>
    <rect x="230" y="300" width="180" height="130" fill="${colour}"/>
    <rect x="310" y="300" width="20" height="130" fill="#e8dcc0"/>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

/** A small PNG of a signature, as the courier app's signature pad draws one. */
function signaturePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">
    <rect width="600" height="200" fill="#fff"/>
    <path d="M40 140 C 70 40, 110 40, 100 130 S 160 60, 190 120 S 250 150, 280 90 C 300 60, 330 150, 360 110 S 430 70, 470 120 L 560 100"
      stroke="#1b2a4a" stroke-width="5" fill="none" stroke-linecap="round" stroke-linejoin="round"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
