/**
 * The customer portal (`/portal/<slug>/`, API.md "Customer portal") in real Chromium against two real nodes with real
 * Redis and an SMTP sink: my orders (active first, live), an order as the tracking page shows it (timeline, map,
 * courier, proof, payment), my points (live after a delivery, redeemed), a tab the address moved to before the portal
 * listened, booking a delivery, my preferences (channels, a contact address confirmed by a code), the languages
 * (Arabic right to left at 360 px, the picker kept, the customer's locale), a session that ended, installability and
 * opening offline. The customer is signed in by putting a token minted by the business where the portal keeps its
 * session; the sign-in by code is its own test. Awaited through the page's stable hooks (attributes, not text).
 */
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { buildPage } from '../../src/web/build';
import { closeBrowser, foreignHosts, moveAddressBeforeListening, openPage, PHONE, screenshot, type TestPage } from '../support/browser';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { uploadLogo } from '../support/logo';
import { liveCluster } from '../support/live-fixture';
import { assignCourier, placeOrder, postStatus, type PlacedOrder } from '../support/orders';
import { startSmtp, type SmtpServerHandle } from '../support/smtp';

// The customer's phone is in Hong Kong; times on the page are in its zone.
process.env.TZ = 'Asia/Hong_Kong';

jest.setTimeout(120_000);

const TAI_HANG = { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 };
const CAUSEWAY_BAY = { address: '15/F, 500 Hennessy Road, Causeway Bay, Hong Kong', lat: 22.2799, lng: 114.1848 };
const WAN_CHAI = { address: '3 Lockhart Road, Wan Chai, Hong Kong', lat: 22.2776, lng: 114.1722 };

let smtp: SmtpServerHandle;
const pages: TestPage[] = [];

// Built before the nodes start, as `npm test` builds the pages before any node runs; the SMTP sink before the nodes
// that send to it.
beforeAll(async () => {
  const built = await buildPage('portal');
  process.stdout.write(`portal: ${built.gzippedKb} KB of script and style, gzipped\n`);
  smtp = await startSmtp();
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
  await smtp?.close();
});
const cluster = liveCluster('portal', { tenant: 'Acme', env: () => ({ SMTP_URL: smtp.url, WEBHOOK_ALLOW_PRIVATE: 'true' }) });

// The shop's branding: its name, logo and colour on the portal (the sign-in reads it without a token).
beforeAll(async () => {
  const logo = await uploadLogo(cluster.biz);
  await ok(cluster.biz.put('/v1/tenants/me/branding', { display_name: 'Harbour Books', logo: logo.id, primary_color: '#0a7c59', support_email: 'help@harbour.example' }));
});

async function ok(promise: Promise<{ status: number; body: any }>, status = 200): Promise<any> {
  const response = await promise;
  if (response.status !== status) throw new Error(`expected ${status}, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** The tenant's portal: its slug is the tenant's id until it sets one. */
const portalUrl = (search = ''): string => `${cluster.a.url}/portal/${cluster.tenant.id}/${search}`;

/** A phone-sized page in Hong Kong (English unless `locale` says otherwise). */
async function phone(locale = 'en-GB'): Promise<TestPage> {
  const opened = await openPage(PHONE, { locale, timezoneId: 'Asia/Hong_Kong' });
  pages.push(opened);
  return opened;
}

/** The page's console errors. */
function unexpectedErrors(opened: TestPage): string[] {
  return opened.errors;
}

/** A customer of the tenant with its own API client (a token the business minted). */
async function customer(): Promise<{ id: string; token: string; api: Client }> {
  const id = unique('cust');
  const token = await cluster.tenant.token('customer', id);
  return { id, token, api: client(cluster.a.url, token) };
}

/**
 * Opens the portal signed in as the customer: the token is put where the portal keeps its session
 * (`portal.<slug>.session` in localStorage), as a sign-in by code would leave it.
 */
async function signedIn(opened: TestPage, who: { id: string; token: string }, search = ''): Promise<Page> {
  const page = await withSession(opened, who, search);
  await page.waitForSelector('[data-testid=portal-tab-orders]');
  return page;
}

/** Opens the portal with `who`'s session kept on the device, whether or not the server takes its token. */
async function withSession(opened: TestPage, who: { id: string; token: string }, search = ''): Promise<Page> {
  const { page } = opened;
  await page.goto(portalUrl(search));
  await page.evaluate(
    ([key, session]) => localStorage.setItem(key!, session!),
    [`portal.${cluster.tenant.id}.session`, JSON.stringify({ token: who.token, customerId: who.id, expiresAt: Date.now() + 3_600_000 })],
  );
  await page.goto(portalUrl(search));
  return page;
}

const row = (orderId: string): string => `[data-testid=portal-order][data-order-id="${orderId}"]`;

/** The rows' order ids, top to bottom. */
function rowIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid=portal-order]').evaluateAll((rows) => rows.map((element) => element.getAttribute('data-order-id')!));
}

function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** A picture uploaded by the business for a proof of delivery: a parcel at a door, or a signature on white. */
async function upload(kind: 'photo' | 'signature'): Promise<string> {
  const image =
    kind === 'photo'
      ? await sharp(
          Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
            <rect width="640" height="480" fill="#e6e1d8"/>
            <rect x="200" y="30" width="240" height="340" fill="#7a4a2a"/>
            <circle cx="410" cy="210" r="8" fill="#d8b25c"/>
            <rect x="0" y="370" width="640" height="110" fill="#a39e94"/>
            <rect x="250" y="290" width="150" height="120" fill="#c8924f"/>
            <rect x="318" y="290" width="14" height="120" fill="#efe3c8"/>
          </svg>`),
        )
          .jpeg({ quality: 80 })
          .toBuffer()
      : await sharp(
          Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200">
            <rect width="600" height="200" fill="#fff"/>
            <path d="M50 130 C 80 50, 120 50, 110 120 S 170 70, 200 115 S 260 140, 300 85 C 330 60, 350 140, 390 105 S 460 80, 540 110"
              stroke="#1b2a4a" stroke-width="5" fill="none" stroke-linecap="round"/>
          </svg>`),
        )
          .png()
          .toBuffer();
  const uploaded = await cluster.biz.post('/v1/attachments', undefined, {
    rawBody: image,
    headers: { 'content-type': kind === 'photo' ? 'image/jpeg' : 'image/png' },
  });
  expect(uploaded.status).toBe(201);
  return uploaded.body.id as string;
}

it('lists my orders, those on their way first, and moves a row live when the business posts a status', async () => {
  const me = await customer();
  const delivered = await placeOrder(cluster.biz, { external_id: unique('HK'), customer: { id: me.id, name: 'Chan Siu Ming' }, destination: WAN_CHAI });
  await postStatus(cluster.biz, delivered.id, 'delivered');
  const shipped = await placeOrder(cluster.biz, { external_id: unique('HK'), customer: { id: me.id, name: 'Chan Siu Ming' }, destination: TAI_HANG });
  await postStatus(cluster.biz, shipped.id, 'shipped');
  const placed = await placeOrder(cluster.biz, { external_id: unique('HK'), customer: { id: me.id, name: 'Chan Siu Ming' }, destination: CAUSEWAY_BAY });
  const someoneElses = await placeOrder(cluster.biz, { destination: WAN_CHAI });

  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.waitForSelector(row(delivered.id));
  // On their way first (newest first), then the finished one; nobody else's.
  expect(await rowIds(page)).toEqual([placed.id, shipped.id, delivered.id]);
  expect(await page.locator(row(someoneElses.id)).count()).toBe(0);
  expect(await page.getAttribute(row(shipped.id), 'data-status')).toBe('shipped');
  await page.waitForSelector('[data-testid=live-state][data-state=live]');

  // The business moves an order: its row follows, live, on the other node's socket.
  await postStatus(client(cluster.b.url, cluster.tenant.apiKey), shipped.id, 'out_for_delivery');
  await page.waitForSelector(`${row(shipped.id)}[data-status=out_for_delivery]`);
  // Delivered: it joins the finished ones, at their top.
  await postStatus(cluster.biz, placed.id, 'delivered');
  await page.waitForSelector(`${row(placed.id)}[data-status=delivered]`);
  expect(await rowIds(page)).toEqual([shipped.id, placed.id, delivered.id]);
  expect(await sidewaysScroll(page)).toBe(0);
  await screenshot(page, 'portal-orders');
  expect(unexpectedErrors(opened)).toEqual([]);
  expect(foreignHosts(opened.requests, [new URL(cluster.a.url).host])).toEqual([]);
});

it('shows an order as the tracking page does: the courier on the map, then the proof and the payment, live', async () => {
  const me = await customer();
  const courierId = unique('k');
  const order = await placeOrder(cluster.biz, {
    external_id: unique('HK'),
    customer: { id: me.id, name: 'Wong Mei Ling' },
    destination: TAI_HANG,
    amount: { value: 12900, currency: 'HKD' },
    payment: { method: 'cash' },
    instructions: 'Ring twice; the doorman keeps parcels after 6 pm',
    items: [{ name: 'Rice cooker', quantity: 1 }],
  });
  await assignCourier(cluster.biz, order.id, courierId);
  await postStatus(cluster.biz, order.id, 'out_for_delivery');
  const courier = client(cluster.b.url, await cluster.tenant.token('courier', courierId));

  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.click(`${row(order.id)}`);
  await page.waitForSelector('[data-testid=order-status][data-status=out_for_delivery]');
  expect(new URL(page.url()).hash).toBe(`#/orders/${order.id}`);
  expect(await page.locator('[data-testid=timeline] [data-seq]').count()).toBe(2);
  expect(await page.getAttribute('[data-testid=payment-status]', 'data-status')).toBe('cod_due');
  expect(await page.textContent('[data-testid=payment-status] ~ dl')).toContain('HK$129.00');
  expect(await page.textContent('article')).toContain('Ring twice');
  expect(await page.textContent('article')).toContain('Rice cooker');
  await page.waitForSelector('[data-testid=live-state][data-state=live]');

  // The courier's position reaches the map.
  expect((await courier.post('/v1/couriers/me/location', { lat: 22.2791, lng: 114.1901 })).status).toBe(204);
  await page.waitForSelector('[data-testid=courier-marker][data-lat="22.2791"][data-lng="114.1901"]');

  // Delivered with a photo and a signature: the proof shows without a reload, and the cash collected.
  const photo = await upload('photo');
  const signature = await upload('signature');
  await postStatus(cluster.biz, order.id, 'delivered', { proof: { recipient_name: 'Wong Mei Ling', photos: [photo], signature } });
  await page.waitForSelector('[data-testid=order-status][data-status=delivered]');
  await page.waitForSelector('[data-testid=proof] [data-testid=proof-recipient]');
  expect(await page.textContent('[data-testid=proof-recipient]')).toBe('Wong Mei Ling');
  await page.waitForFunction(() => {
    const images = Array.from(document.querySelectorAll<HTMLImageElement>('[data-testid=proof-photo], [data-testid=proof-signature]'));
    return images.length === 2 && images.every((image) => image.complete && image.naturalWidth > 0);
  });
  expect(await page.locator('[data-testid=courier-marker]').count()).toBe(0); // the courier has moved on
  expect(await page.locator('[data-testid=timeline] [data-seq]').count()).toBe(3);
  const paid = await cluster.biz.post(`/v1/orders/${order.id}/payments`, { event_id: unique('pay'), kind: 'cod_collected', amount: { value: 12900, currency: 'HKD' } });
  expect(paid.status).toBe(201);
  await page.waitForSelector('[data-testid=payment-status][data-status=cod_collected]');
  expect(await sidewaysScroll(page)).toBe(0);
  await screenshot(page, 'portal-order');
  expect(unexpectedErrors(opened)).toEqual([]);
});

it('moves my points live when an order is delivered, and redeems them', async () => {
  const me = await customer();
  const order = await placeOrder(cluster.biz, { customer: { id: me.id, name: 'Lee Ka Yan' }, destination: CAUSEWAY_BAY, amount: { value: 25000, currency: 'HKD' } });
  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.click('[data-testid=portal-tab-points]');
  await page.waitForSelector('[data-testid=loyalty-balance][data-balance="0"]');
  await page.waitForSelector('[data-testid=live-state][data-state=live]');

  // HK$250.00 at one point per dollar: the balance moves as the delivery lands, and its entry shows.
  await postStatus(cluster.biz, order.id, 'delivered');
  await page.waitForSelector('[data-testid=loyalty-balance][data-balance="250"]');
  await page.waitForSelector('[data-testid=loyalty-entry][data-reason=accrual]');

  // More than the balance is refused on the page; 100 as a discount is booked once.
  await page.fill('[data-testid=redeem-points]', '300');
  await page.click('[data-testid=redeem-submit]');
  await page.waitForSelector('[data-testid=redeem-outcome]');
  expect(await page.getAttribute('[data-testid=loyalty-balance]', 'data-balance')).toBe('250');
  await page.fill('[data-testid=redeem-points]', '100');
  await page.click('[data-testid=redeem-submit]');
  await page.waitForSelector('[data-testid=loyalty-balance][data-balance="150"]');
  await page.waitForSelector('[data-testid=loyalty-entry][data-reason=redemption]');
  // As a donation too.
  await page.click('[data-testid=redeem-kind-charity]');
  await page.fill('[data-testid=redeem-points]', '50');
  await page.click('[data-testid=redeem-submit]');
  await page.waitForSelector('[data-testid=loyalty-balance][data-balance="100"]');
  const account = await ok(cluster.biz.get(`/v1/customers/${me.id}/loyalty`));
  expect(account.balance).toBe(100);
  expect(account.entries.filter((entry: { reason: string }) => entry.reason === 'redemption').map((entry: { kind: string; delta: number }) => [entry.kind, entry.delta])).toEqual(
    expect.arrayContaining([
      ['discount', -100],
      ['charity', -50],
    ]),
  );
  expect(await sidewaysScroll(page)).toBe(0);
  await screenshot(page, 'portal-points');
  expect(unexpectedErrors(opened)).toEqual([]);
});

it('opens the tab the address moved to before the portal listened for it', async () => {
  const me = await customer();
  const opened = await phone();
  // No change event reaches the portal for this move: it must read the address once it listens.
  await moveAddressBeforeListening(opened.context, '#/points');
  const page = await signedIn(opened, me);
  await page.waitForSelector('[data-testid=loyalty-balance]');
  expect(await page.getAttribute('[data-testid=portal-tab-points]', 'aria-current')).toBe('page');
});

it('books a delivery for myself that appears in my orders', async () => {
  const me = await customer();
  // The map starts where the customer's last delivery went.
  await placeOrder(cluster.biz, { customer: { id: me.id, name: 'Ho Wing Sze', phone: '+85261234567' }, destination: TAI_HANG });
  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.click('[data-testid=portal-tab-book]');
  await page.fill('[data-testid=book-address]', CAUSEWAY_BAY.address);
  // A tap on the map marks the spot; typed coordinates replace it.
  const map = (await page.locator('[data-testid=book-map]').boundingBox())!;
  await page.mouse.click(map.x + map.width / 2, map.y + map.height / 2);
  await page.waitForFunction(() => (document.querySelector<HTMLInputElement>('[data-testid=book-lat]')?.value ?? '') !== '');
  await page.fill('[data-testid=book-lat]', String(CAUSEWAY_BAY.lat));
  await page.fill('[data-testid=book-lng]', String(CAUSEWAY_BAY.lng));
  await page.fill('[data-testid=book-item-name]', 'Two boxes of books');
  await page.fill('[data-testid=book-item-quantity]', '2');
  await page.fill('[data-testid=book-instructions]', 'Leave it with the doorman');
  const promised = new Date(Date.now() + 2 * 86_400_000);
  promised.setSeconds(0, 0);
  const local = new Date(promised.getTime() + 8 * 3_600_000).toISOString().slice(0, 16); // the phone's zone: UTC+8
  await page.fill('[data-testid=book-promised]', local);
  await page.click('[data-testid=book-submit]');

  await page.waitForSelector('[data-testid=booked-notice]');
  const [newest] = await rowIds(page);
  expect(await page.getAttribute(row(newest!), 'data-status')).toBe('placed');
  const booked = await ok(cluster.biz.get(`/v1/orders/${newest}`));
  expect(booked).toMatchObject({
    customer: { id: me.id, name: 'Ho Wing Sze', phone: '+85261234567', locale: 'en' },
    destination: CAUSEWAY_BAY,
    items: [{ name: 'Two boxes of books', quantity: 2 }],
    instructions: 'Leave it with the doorman',
    promised_by: promised.toISOString(),
    status: 'placed',
  });
  // Live like the others: the business moves it and the row follows.
  await postStatus(cluster.biz, newest!, 'processing');
  await page.waitForSelector(`${row(newest!)}[data-status=processing]`);
  expect(unexpectedErrors(opened)).toEqual([]);
});

it('saves my alert channels, keeping the stored addresses, and changes my email with a code', async () => {
  const me = await customer();
  await placeOrder(cluster.biz, { customer: { id: me.id, name: 'Yip Wai', email: `${me.id}@order.example` }, destination: WAN_CHAI });
  await ok(cluster.biz.put(`/v1/customers/${me.id}/preferences`, { email: false, sms: false, email_address: `${me.id}@prefs.example`, phone: '+85260001111' }));
  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.click('[data-testid=portal-tab-preferences]');
  await page.waitForSelector('[data-testid=pref-email]:not([disabled])');
  expect(await page.isChecked('[data-testid=pref-email]')).toBe(false);
  // Push: Chromium has the Push API and a service worker, so the switch is offered (subscribing is tested with the
  // local push service in web-push.test.ts).
  await page.waitForSelector('[data-testid=push-toggle]');

  await page.click('[data-testid=pref-email]');
  await page.waitForSelector('[data-testid=preferences-state][data-state=saved]');
  await page.click('[data-testid=pref-sms]');
  await page.waitForSelector('[data-testid=pref-sms]:checked');
  await page.waitForSelector('[data-testid=preferences-state][data-state=saved]');
  const stored = await ok(cluster.biz.get(`/v1/customers/${me.id}/preferences`));
  expect(stored).toMatchObject({ email: true, sms: true, email_address: `${me.id}@prefs.example`, phone: '+85260001111' });

  // A new email address: a code goes there, and once typed the address is the customer's.
  const fresh = `${me.id}@new.example`.toLowerCase();
  await page.click('[data-testid=contact-email-change]');
  await page.fill('[data-testid=contact-email-input]', fresh);
  await page.click('[data-testid=contact-email-send]');
  const [mail] = await smtp.waitForMessagesTo(fresh);
  const code = /\b(\d{6})\b/.exec(mail!.text)?.[1];
  expect(code).toBeDefined();
  await page.fill('[data-testid=contact-email-code]', code!);
  await page.click('[data-testid=contact-email-confirm]');
  await page.waitForSelector(`[data-testid=contact-email] .contact-value:text("${fresh}")`);
  expect(await ok(cluster.biz.get(`/v1/customers/${me.id}/preferences`))).toMatchObject({ email: true, email_address: fresh });
  expect(await sidewaysScroll(page)).toBe(0);

  // Signing out forgets the session on the device: the next visit starts at the sign-in.
  await page.click('[data-testid=sign-out]');
  await page.waitForSelector('[data-testid=portal-signin-address]');
  expect(await page.evaluate((key) => localStorage.getItem(key), `portal.${cluster.tenant.id}.session`)).toBeNull();
  await page.goto(portalUrl());
  await page.waitForSelector('[data-testid=portal-signin-address]');
  expect(unexpectedErrors(opened)).toEqual([]);
});

it('is in Arabic, right to left, with no sideways scrolling at 360 px, and keeps the language picked', async () => {
  const me = await customer();
  const order = await placeOrder(cluster.biz, {
    external_id: unique('HK'),
    customer: { id: me.id, name: 'Fatima Rahman' },
    destination: TAI_HANG,
    amount: { value: 32000, currency: 'HKD' },
  });
  await postStatus(cluster.biz, order.id, 'in_transit');
  const done = await placeOrder(cluster.biz, { customer: { id: me.id, name: 'Fatima Rahman' }, destination: WAN_CHAI, amount: { value: 9900, currency: 'HKD' } });
  await postStatus(cluster.biz, done.id, 'delivered');
  const opened = await phone();
  const page = await signedIn(opened, me, '?lang=ar');
  await page.waitForSelector(row(order.id));
  expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
  expect(await page.textContent('.view-title')).toBe('طلباتي');
  // Mirrored: the tabs run from the right, the first (orders) rightmost.
  const tabs = await page.locator('.tab').evaluateAll((found) => found.map((tab) => tab.getBoundingClientRect().left));
  expect(tabs).toEqual([...tabs].sort((a, b) => b - a));
  expect(await sidewaysScroll(page)).toBe(0);
  await screenshot(page, 'portal-orders-ar');
  for (const tab of ['points', 'book', 'preferences']) {
    await page.click(`[data-testid=portal-tab-${tab}]`);
    await page.waitForSelector(`[data-testid=portal-tab-${tab}][aria-current=page]`);
    expect({ tab, sideways: await sidewaysScroll(page) }).toEqual({ tab, sideways: 0 });
  }
  await page.click(`[data-testid=portal-tab-orders]`);
  await page.click(row(order.id));
  await page.waitForSelector('[data-testid=order-status][data-status=in_transit]');
  expect(await sidewaysScroll(page)).toBe(0);

  // Picked on the page: kept on the device, over the link's ?lang= and the browser's language.
  await page.click('[data-testid=portal-tab-preferences]');
  await page.selectOption('[data-testid=lang-select]', 'zh-HK');
  expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['zh-HK', 'ltr']);
  expect(new URL(page.url()).search).toBe('');
  await page.goto(portalUrl());
  await page.waitForSelector(row(order.id));
  expect(await page.textContent('.view-title')).toBe('我的訂單');
  expect(unexpectedErrors(opened)).toEqual([]);
});

it('speaks the customer’s own language when neither the link nor the device chose one', async () => {
  const me = await customer();
  await placeOrder(cluster.biz, { customer: { id: me.id, name: 'Omar Siddiqui', locale: 'ar' }, destination: TAI_HANG });
  const opened = await phone('en-GB');
  const page = await signedIn(opened, me);
  await page.waitForFunction(() => document.documentElement.lang === 'ar' && document.documentElement.dir === 'rtl');
  expect(await page.textContent('.view-title')).toBe('طلباتي');
});

it('goes back to sign-in with a message when the session is refused', async () => {
  const opened = await phone();
  // A token the server refuses (401): the session is forgotten and the customer told why.
  const page = await withSession(opened, { id: 'nobody', token: 'not-a-token' });
  await page.waitForSelector('[data-testid=signin-notice]');
  expect(await page.textContent('[data-testid=signin-notice]')).toContain('signed out');
  expect(await page.evaluate((key) => localStorage.getItem(key), `portal.${cluster.tenant.id}.session`)).toBeNull();
  await page.waitForSelector('[data-testid=portal-signin-address]');
  // The sign-in is the shop's: its name (and logo) from the branding read without a token.
  expect(await page.textContent('[data-testid=shop-name]')).toBe('Harbour Books');
  expect(await sidewaysScroll(page)).toBe(0);
  await screenshot(page, 'portal-signin');
  // The refused token's 401s are the browser's notes of what the page handled.
  expect(unexpectedErrors(opened).filter((error) => !/status of 401/.test(error))).toEqual([]);
});

it('is installable per shop: a manifest that starts at its portal, icons, and a worker the policy allows', async () => {
  const shell = await fetch(portalUrl());
  expect(shell.status).toBe(200);
  const policy = shell.headers.get('content-security-policy')!;
  expect(policy).toContain("worker-src 'self'");
  expect(policy).toContain("manifest-src 'self'");
  expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'|wasm-unsafe-eval/);
  expect(shell.headers.get('cache-control')).toBe('no-store');
  expect(await shell.text()).toContain('<link rel="manifest" href="manifest.webmanifest">');
  // Any well-formed address gets the page (it asks for the shop itself); others are not the portal's.
  expect((await fetch(`${cluster.a.url}/portal/some-other-shop/`)).status).toBe(200);
  expect((await fetch(`${cluster.a.url}/portal/No_Such!/`)).status).toBe(404);
  const bare = await fetch(`${cluster.a.url}/portal/${cluster.tenant.id}?lang=ar`, { redirect: 'manual' });
  expect([bare.status, bare.headers.get('location')]).toEqual([302, `/portal/${cluster.tenant.id}/?lang=ar`]);

  const manifest = await fetch(portalUrl('manifest.webmanifest'));
  expect(manifest.headers.get('content-type')).toContain('application/manifest+json');
  const app = await manifest.json();
  const home = `/portal/${cluster.tenant.id}/`;
  // Named and coloured as the shop, installed from its own portal.
  expect(app).toMatchObject({ id: home, start_url: home, scope: home, display: 'standalone', name: 'Harbour Books', short_name: 'Harbour Books', theme_color: '#0a7c59' });
  for (const icon of app.icons as Array<{ src: string; type: string; sizes: string }>) {
    const fetched = await fetch(cluster.a.url + icon.src);
    expect({ src: icon.src, status: fetched.status, type: fetched.headers.get('content-type') }).toEqual({ src: icon.src, status: 200, type: icon.type });
    if (icon.type === 'image/png') {
      const { width } = await sharp(Buffer.from(await fetched.arrayBuffer())).metadata();
      expect(`${width}x${width}`).toBe(icon.sizes);
    }
  }
  const worker = await fetch(portalUrl('sw.js'));
  expect(worker.headers.get('content-type')).toContain('javascript');
  expect(worker.headers.get('cache-control')).toBe('no-cache');
});

it('opens with no network once it has loaded', async () => {
  const me = await customer();
  await placeOrder(cluster.biz, { customer: { id: me.id }, destination: TAI_HANG });
  const opened = await phone();
  const page = await signedIn(opened, me);
  await page.waitForSelector('[data-testid=portal-order]');
  // The worker has the shell and assets once it is active (it caches them while installing).
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
  await opened.context.setOffline(true);
  const reloaded = await page.reload();
  expect(reloaded?.fromServiceWorker()).toBe(true);
  // The shell opens, signed in, and says it is offline.
  await page.waitForSelector('[data-testid=live-state][data-state=offline]');
  await page.waitForSelector('[data-testid=portal-tab-orders]');
  await opened.context.setOffline(false);
  await page.waitForSelector('[data-testid=portal-order]');
});

it('signs in with a code sent to the customer’s email', async () => {
  const id = unique('cust');
  const address = `${id}@signin.example`.toLowerCase();
  const order = await placeOrder(cluster.biz, { customer: { id, name: 'Tsang Ho Yin', email: address }, destination: WAN_CHAI });
  const opened = await phone();
  const { page } = opened;
  await page.goto(portalUrl());
  await page.fill('[data-testid=portal-signin-address]', address);
  await page.click('[data-testid=portal-signin-send]');
  await page.waitForSelector('[data-testid=portal-signin-code]');
  const [mail] = await smtp.waitForMessagesTo(address);
  const code = /\b(\d{6})\b/.exec(mail!.text)?.[1];
  expect(code).toBeDefined();
  // A wrong code first: refused, in words, and the form stays.
  await page.fill('[data-testid=portal-signin-code]', code === '000000' ? '111111' : '000000');
  await page.click('[data-testid=portal-signin-submit]');
  await page.waitForSelector('[data-testid=signin-notice]');
  await page.fill('[data-testid=portal-signin-code]', code!);
  await page.click('[data-testid=portal-signin-submit]');
  await page.waitForSelector(row(order.id));
  const kept = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null'), `portal.${cluster.tenant.id}.session`);
  expect(kept).toMatchObject({ customerId: id, token: expect.any(String) });
  // Signing out forgets it.
  await page.click('[data-testid=portal-tab-preferences]');
  await page.click('[data-testid=sign-out]');
  await page.waitForSelector('[data-testid=portal-signin-address]');
  expect(await page.evaluate((key) => localStorage.getItem(key), `portal.${cluster.tenant.id}.session`)).toBeNull();
  // The wrong code's 401 is the one error the browser reports.
  expect(unexpectedErrors(opened)).toEqual(['Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
});
