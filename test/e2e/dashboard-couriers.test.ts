/**
 * The dashboard's couriers and proofs end to end (API.md "Pages", "Courier records", "Proof of delivery", "Payments"):
 * real Chromium, a real node, real Redis. A courier is added from the form; an invite shows its link and a QR code that
 * a barcode reader (zbarimg) decodes to that link; a deactivation (after a confirm) refuses the courier's token; the
 * cash a courier is to collect and holds follows a cash order; the order view shows a delivery's proof with its images
 * loaded and a failed attempt's reason in words; a tab followed before the page listens for the address still opens its
 * view. Writes docs/screenshots/dashboard-couriers.png and dashboard-proof.png.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildPages } from '../../src/web/build';
import { closeBrowser, DESK, foreignHosts, moveAddressBeforeListening, openPage, screenshot, type TestPage } from '../support/browser';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { assignCourier, placeOrder, postStatus } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';
import { removeDir, tempDir } from '../support/temp-dir';

jest.setTimeout(60_000);

const run = promisify(execFile);
const HKD = (value: number) => ({ value, currency: 'HKD' });

let node: TestNode;
let tenant: Tenant;
let biz: Client;
let scratch: string;
const pages: TestPage[] = [];

/** Couriers the business has before the tests add their own (the screenshot shows a small fleet). */
const FLEET = [
  { id: 'k-wong', name: 'Wong Siu Ming', phone: '+85291230001', vehicle: 'Van' },
  { id: 'k-lee', name: 'Lee Ka Yan', phone: '+85291230002', vehicle: 'Motorbike' },
  { id: 'k-cheung', name: 'Cheung Wai Lam', vehicle: 'Bicycle' },
];

beforeAll(async () => {
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dash-couriers') } });
  tenant = await createTenant(node.url, 'Harbour Goods');
  biz = client(node.url, tenant.apiKey);
  for (const courier of FLEET) expect((await biz.post('/v1/couriers', courier)).status).toBe(201);
  expect((await biz.patch('/v1/couriers/k-cheung', { active: false })).status).toBe(200);
  scratch = tempDir('dash-couriers-');
}, 120_000);

afterEach(async () => {
  while (pages.length) await pages.pop()!.context.close();
});

afterAll(async () => {
  await closeBrowser();
  await node?.close();
  if (scratch) removeDir(scratch);
});

describe('dashboard couriers', () => {
  test('a courier added from the form appears in the list; an id taken already is refused in words', async () => {
    const view = await openCouriers();
    const form = view.page.getByTestId('courier-form');
    await form.getByTestId('courier-id-input').fill('k-chan');
    await form.getByTestId('courier-name-input').fill('Chan Tai Man');
    await form.getByTestId('courier-phone-input').fill('+85291234567');
    await form.getByTestId('courier-vehicle-input').fill('Motorbike');
    await form.getByTestId('courier-create-submit').click();

    const row = courierRow(view.page, 'k-chan');
    await row.and(view.page.locator('[data-active=true]')).waitFor();
    expect(await row.innerText()).toEqual(expect.stringContaining('Chan Tai Man'));
    expect(await row.innerText()).toEqual(expect.stringContaining('+85291234567'));
    expect(await row.innerText()).toEqual(expect.stringContaining('Motorbike'));
    expect((await biz.get('/v1/couriers/k-chan')).body).toMatchObject({ id: 'k-chan', name: 'Chan Tai Man', phone: '+85291234567', active: true });

    await form.getByTestId('courier-id-input').fill('k-chan');
    await form.getByTestId('courier-name-input').fill('Someone Else');
    await form.getByTestId('courier-create-submit').click();
    const refusal = view.page.getByTestId('courier-form-result');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/courier with the id “k-chan” exists already/);
    expect((await biz.get('/v1/couriers/k-chan')).body.name).toBe('Chan Tai Man');
    expectClean(view, [/status of 409/]);
  });

  test('an invite shows its link and a QR code that decodes to that link, with when it expires', async () => {
    const view = await openCouriers();
    await courierRow(view.page, 'k-lee').getByTestId('courier-invite').click();
    const link = await view.page.getByTestId('courier-invite-link').inputValue();
    expect(link).toMatch(new RegExp(`^${escapeRegExp(node.url)}/courier/#invite=[\\w-]{20,}$`));

    const qrFile = path.join(scratch, 'invite-qr.png');
    await view.page.getByTestId('courier-invite-qr').screenshot({ path: qrFile });
    const { stdout } = await run('zbarimg', ['--raw', '-q', qrFile]);
    expect(stdout.trim()).toBe(link);

    // Valid for 24 hours, and said so.
    const expiry = await view.page.getByTestId('courier-invite-expiry').locator('time').getAttribute('datetime');
    expect(Math.abs(Date.parse(expiry!) - (Date.now() + 24 * 3600_000))).toBeLessThan(60_000);
    // The link is a real invite: it signs the courier app in once.
    const code = new URL(link).hash.replace('#invite=', '');
    const session = await client(node.url).post('/v1/courier-sessions', { invite: code });
    expect(session.status).toBe(201);
    expect(session.body.courier.id).toBe('k-lee');
    expectClean(view);
  });

  test("deactivating a courier, after a confirm, refuses its token; reactivating brings it back", async () => {
    const courierId = unique('k');
    expect((await biz.post('/v1/couriers', { id: courierId, name: 'Ho Chun Kit' })).status).toBe(201);
    const courier = client(node.url, await tenant.token('courier', courierId));
    expect((await courier.get('/v1/couriers/me')).status).toBe(200);

    const view = await openCouriers();
    const row = courierRow(view.page, courierId);
    await row.and(view.page.locator('[data-active=true]')).waitFor();
    // Cancelled: nothing changes.
    await row.getByTestId('courier-toggle-active').click();
    await view.page.getByTestId('courier-active-cancel').click();
    await view.page.getByTestId('courier-active-dialog').waitFor({ state: 'hidden' });
    expect(await row.getAttribute('data-active')).toBe('true');
    expect((await courier.get('/v1/couriers/me')).status).toBe(200);

    await row.getByTestId('courier-toggle-active').click();
    const dialog = view.page.getByTestId('courier-active-dialog');
    expect(await dialog.innerText()).toMatch(/Deactivate Ho Chun Kit\?/);
    await dialog.getByTestId('courier-active-confirm').click();
    await row.and(view.page.locator('[data-active=false]')).waitFor();
    expect((await courier.get('/v1/couriers/me')).status).toBe(401);
    // An inactive courier cannot be invited; the filter finds it among the inactive.
    expect(await row.getByTestId('courier-invite').isDisabled()).toBe(true);
    await view.page.getByTestId('courier-filter-inactive').click();
    await view.page.waitForFunction(
      (id) => Array.from(document.querySelectorAll('[data-testid=courier-row]')).every((row) => row.getAttribute('data-active') === 'false') && document.querySelector(`[data-courier-id="${id}"]`) !== null,
      courierId,
    );

    await row.getByTestId('courier-toggle-active').click();
    await view.page.getByTestId('courier-active-confirm').click();
    await view.page.getByTestId('courier-filter-all').click();
    await courierRow(view.page, courierId).and(view.page.locator('[data-active=true]')).waitFor();
    // A token minted after the reactivation works.
    expect((await client(node.url, await tenant.token('courier', courierId)).get('/v1/couriers/me')).status).toBe(200);
    expectClean(view);
  });

  test('a tab followed before the page listens for the address still opens its view', async () => {
    const view = await openPage(DESK);
    pages.push(view);
    // No change event reaches the page for this move: it must read the address once it listens.
    await moveAddressBeforeListening(view.context, '#/couriers');
    await view.page.goto(`${node.url}/dashboard`);
    await view.page.getByTestId('signin-token').fill(tenant.apiKey);
    await view.page.getByTestId('signin-submit').click();
    await view.page.locator('[data-testid=courier-row]').first().waitFor();
    expect(await view.page.getByTestId('tab-couriers').getAttribute('aria-current')).toBe('page');
  });

  test('the cash a courier is to collect shows once a cash order is assigned, and what it holds once collected', async () => {
    const order = await placeOrder(biz, { external_id: 'HG-3001', customer: { id: 'c-ng', name: 'Ng Mei Ling' }, amount: HKD(12900), payment: { method: 'cash' } });
    const view = await openCouriers();
    const cash = courierRow(view.page, 'k-wong').getByTestId('courier-cash');
    expect(await cash.innerText()).toBe('—');

    await assignCourier(biz, order.id, 'k-wong');
    await view.page.getByTestId('couriers-refresh').click();
    await view.page.waitForFunction(() => /HK\$129\.00 to collect/.test(document.querySelector('[data-courier-id="k-wong"] [data-testid=courier-cash]')!.textContent!));
    expect((await courierRow(view.page, 'k-wong').innerText()).replace(/\s+/g, ' ')).toMatch(/Van 1 /); // one active order

    await postStatus(biz, order.id, 'out_for_delivery');
    const courier = client(node.url, await tenant.token('courier', 'k-wong'));
    const collected = await courier.post(`/v1/orders/${order.id}/payments`, { event_id: 'cash-3001', kind: 'cod_collected', amount: HKD(12900) });
    expect(collected.status).toBe(201);
    await view.page.getByTestId('couriers-refresh').click();
    await view.page.waitForFunction(() => {
      const text = document.querySelector('[data-courier-id="k-wong"] [data-testid=courier-cash]')!.textContent!;
      return /HK\$129\.00 held/.test(text) && !/to collect/.test(text);
    });

    // The screenshot: the fleet with the cash, and an invite open beside it.
    await courierRow(view.page, 'k-wong').getByTestId('courier-invite').click();
    await view.page.getByTestId('courier-invite-qr').waitFor();
    await settle(view.page);
    await screenshot(view.page, 'dashboard-couriers');
    expectClean(view);
  });

  test('the order view shows the payment, the instructions, the proof of delivery with its images, and a failed attempt’s reason', async () => {
    const order = await placeOrder(biz, {
      external_id: 'HG-3002',
      customer: { id: 'c-chow', name: 'Chow Ka Ho' },
      destination: { address: '18 Harbour Road, Wan Chai', lat: 22.2799, lng: 114.1729 },
      amount: HKD(25800),
      payment: { method: 'cash' },
      instructions: 'Ring twice. If nobody answers, leave it with the doorman.',
    });
    await assignCourier(biz, order.id, 'k-wong');
    await postStatus(biz, order.id, 'out_for_delivery');
    await postStatus(biz, order.id, 'failed_attempt', { reason: 'not_home', note: 'Rang twice, no answer' });
    await postStatus(biz, order.id, 'out_for_delivery');
    const signature = await upload(await signaturePng(), 'image/png');
    const photo = await upload(await parcelPhoto(), 'image/jpeg');
    await postStatus(biz, order.id, 'delivered', {
      location: { lat: 22.27993, lng: 114.17284 },
      proof: { recipient_name: 'Chow Ka Ho', signature: signature.id, photos: [photo.id], note: 'Handed over at the door' },
    });
    const courier = client(node.url, await tenant.token('courier', 'k-wong'));
    expect((await courier.post(`/v1/orders/${order.id}/payments`, { event_id: 'cash-3002', kind: 'cod_collected', amount: HKD(25800) })).status).toBe(201);

    const view = await open();
    await view.page.goto(`${node.url}/dashboard#/orders/${order.id}`);
    const proof = view.page.getByTestId('delivery-proof');
    await proof.waitFor();
    // The images themselves arrived and decoded, through their signed links.
    await view.page.waitForFunction(() => {
      const images = Array.from(document.querySelectorAll<HTMLImageElement>('[data-testid=delivery-proof] img'));
      return images.length === 2 && images.every((image) => image.complete);
    });
    const widths = await proof.locator('img').evaluateAll((images) => (images as HTMLImageElement[]).map((image) => image.naturalWidth));
    expect(widths).toEqual([expect.any(Number), expect.any(Number)]);
    for (const width of widths) expect(width).toBeGreaterThan(0);
    expect(await proof.getByTestId('proof-recipient-name').innerText()).toBe('Chow Ka Ho');
    expect(await proof.innerText()).toContain('Handed over at the door');
    // Each attachment's SHA-256 as it was stored, for tamper evidence.
    const hashes = await proof.getByTestId('proof-sha256').evaluateAll((lines) => lines.map((line) => [line.getAttribute('data-attachment-id'), line.textContent]));
    expect(hashes).toEqual([
      [signature.id, `SHA-256 ${signature.sha256}`],
      [photo.id, `SHA-256 ${photo.sha256}`],
    ]);

    const reason = view.page.getByTestId('event-reason');
    expect(await reason.getAttribute('data-reason')).toBe('not_home');
    expect(await reason.innerText()).toBe('Nobody was home');
    const payment = view.page.getByTestId('order-payment');
    expect(await payment.getAttribute('data-payment-status')).toBe('cod_collected');
    expect((await payment.innerText()).replace(/\s+/g, ' ')).toMatch(/Cash collected ?Cash due HK\$258\.00 · paid HK\$258\.00/);
    expect(await view.page.getByTestId('order-instructions').innerText()).toBe('Ring twice. If nobody answers, leave it with the doorman.');

    // The order's details, payment and instructions above the proof, below the sticky header.
    await view.page.evaluate(() => {
      const details = document.querySelector('[data-testid=order-payment]')!.closest('section')!;
      window.scrollTo(0, details.getBoundingClientRect().top + window.scrollY - document.querySelector('.topbar')!.getBoundingClientRect().height - 12);
    });
    await settle(view.page);
    await screenshot(view.page, 'dashboard-proof');
    expectClean(view);
  });
});

// ---------- helpers ----------

async function open(viewport = DESK): Promise<TestPage> {
  const view = await openPage(viewport);
  pages.push(view);
  const devtools = await view.context.newCDPSession(view.page);
  await devtools.send('Emulation.setTimezoneOverride', { timezoneId: 'Asia/Hong_Kong' });
  await devtools.send('Emulation.setLocaleOverride', { locale: 'en-HK' });
  await view.page.goto(`${node.url}/dashboard`);
  await view.page.getByTestId('signin-token').fill(tenant.apiKey);
  await view.page.getByTestId('signin-submit').click();
  await view.page.getByTestId('tab-couriers').waitFor();
  return view;
}

/** Signs in and opens the couriers view from its tab, once the list is there. */
async function openCouriers(): Promise<TestPage> {
  const view = await open();
  await view.page.getByTestId('tab-couriers').click();
  await view.page.locator('[data-testid=courier-row]').first().waitFor();
  return view;
}

function courierRow(page: Page, courierId: string) {
  return page.locator(`[data-testid=courier-row][data-courier-id="${courierId}"]`);
}

/** Nothing loading, no hover highlight where the last click was, fonts ready. */
async function settle(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.waitForFunction(() => !document.querySelector('.loading, .button[aria-busy="true"]'));
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

function expectClean(view: TestPage, expected: RegExp[] = []): void {
  expect(view.errors.filter((error) => !expected.some((pattern) => pattern.test(error)))).toEqual([]);
  expect(foreignHosts(view.requests, [new URL(node.url).host])).toEqual([]);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function upload(bytes: Buffer, contentType: string): Promise<{ id: string; sha256: string }> {
  const response = await biz.post('/v1/attachments', undefined, { rawBody: bytes, headers: { 'content-type': contentType } });
  if (response.status !== 201) throw new Error(`upload: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A signature as the courier app draws it: dark strokes on white. */
function signaturePng(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="160"><rect width="480" height="160" fill="#fff"/>
    <path d="M30 110 C 70 20, 110 150, 150 80 S 230 30, 260 100 S 340 140, 380 60 L 450 90" fill="none" stroke="#1b2330" stroke-width="5" stroke-linecap="round"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** A photo of a parcel at a door, near enough: a brown box on a grey floor. */
function parcelPhoto(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="640" height="480" fill="#8a9099"/>
    <rect x="0" y="0" width="640" height="300" fill="#d9d4c7"/><rect x="200" y="180" width="240" height="190" fill="#b07a45"/>
    <rect x="305" y="180" width="30" height="190" fill="#e5d3a1"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}
