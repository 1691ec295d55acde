/**
 * The tracking page in its three languages (API.md "Languages", "Pages") in real Chromium against a real node:
 * English, Traditional Chinese (Hong Kong) and Arabic, right to left and mirrored; every word from the language's
 * catalog (no English left over), only that language's catalog fetched; the language from `?lang=`, the picker (kept
 * on the device), the customer's locale, the browser's Accept-Language and the tenant's default_locale, in that
 * order; live updates said in the page's language. Awaited through the page's stable hooks (attributes, not text).
 */
import type { Page } from 'playwright-core';
import { LANGUAGE_NAMES, type Language } from '../../src/web/shared/i18n';
import { buildPage } from '../../src/web/build';
import { ar } from '../../src/web/track/i18n/ar';
import { en, type Catalog } from '../../src/web/track/i18n/en';
import { zhHK } from '../../src/web/track/i18n/zh-HK';
import { closeBrowser, DESK, foreignHosts, openPage, PHONE, type TestPage } from '../support/browser';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { placeOrder, postStatus, type PlacedOrder } from '../support/orders';
import { createTenant } from '../support/tenant';

jest.setTimeout(90_000);

const CATALOGS: Record<Language, Catalog> = { en, 'zh-HK': zhHK, ar };
/** Each language's script besides the page's own (src/web/build.ts): its address, its name carrying its digest. */
let SCRIPTS: Record<Language, string | null>;
const HOME = { address: 'Flat 12B, Tower 2, 8 Tai Hang Road, Tai Hang, Hong Kong', lat: 22.2781, lng: 114.1925 };
/** The shop's name: its own, in the Latin letters it chose, on every language's page. */
const SHOP = 'Harbour Goods';

let node: TestNode;
let api: Client;
const pages: TestPage[] = [];

beforeAll(async () => {
  const { urls } = await buildPage('track');
  SCRIPTS = { en: null, 'zh-HK': urls['track-zh-hk.js']!, ar: urls['track-ar.js']! };
  node = await startTestNode({ env: { REDIS_PREFIX: unique('track-lang') } });
  api = client(node.url, (await createTenant(node.url, SHOP)).apiKey);
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
  await node?.close();
});

describe.each([
  ['ar', 'rtl'],
  ['zh-HK', 'ltr'],
] as const)('?lang=%s', (language, dir) => {
  const words = CATALOGS[language];

  it('says everything in the language, fetching its catalog alone, and fits a 360 px phone without sideways scrolling', async () => {
    const order = await missedThenOutForDelivery();
    const tracked = await open(order, { query: `&lang=${language}` });
    const { page } = tracked;
    await page.waitForSelector('[data-testid=live-state][data-state=live]');

    expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual([language, dir]);
    expect(await page.textContent('.status-title')).toBe(words.status_out_for_delivery);
    expect(await page.textContent('.status-sentence')).toBe(words.status_out_for_delivery_sentence);
    expect(await page.textContent('[data-testid=timeline] [data-status=failed_attempt] [data-testid=attempt-reason]')).toBe(words.reason_not_home);
    expect(await page.textContent('[data-testid=live-state]')).toBe(words.live_live);
    expect(await page.inputValue('[data-testid=lang-select]')).toBe(language);
    expect(await page.getAttribute('.leaflet-control-zoom-in', 'title')).toBe(words.map_zoom_in);
    // The push toggle is there, shown as the browser's Web Push allows (tracking-push-toggle.test.ts).
    expect(await page.locator('[data-testid=push-toggle]').count()).toBe(1);
    // No English left: whatever Latin letters the page shows are the order's own (its reference and address), the
    // shop's name, the basemap's credit, and English named in itself in the picker.
    expect(await latinLeft(page, [order.external_id, HOME.address, SHOP, 'Natural Earth', LANGUAGE_NAMES.en])).toEqual([]);

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    expect(scriptsFetched(tracked)).toEqual([SCRIPTS[language]]);
    expect(foreignHosts(tracked.requests, [new URL(node.url).host])).toEqual([]);
    expect(tracked.errors).toEqual([]);
  });
});

it('mirrors the page in Arabic: the progress bar, the timeline and the map’s controls change sides', async () => {
  const order = await placeOrder(api, { external_id: unique('HK'), destination: HOME });
  await postStatus(api, order.id, 'in_transit');
  const sides = async (language: Language) => {
    const { page } = await open(order, { query: `&lang=${language}`, viewport: DESK });
    await page.waitForSelector('.leaflet-control-zoom');
    return page.evaluate(() => {
      const x = (selector: string) => document.querySelector(selector)!.getBoundingClientRect().left;
      const corner = (selector: string) => document.querySelector(selector)!.parentElement!.className;
      return {
        firstStepFirst: x('[data-step=placed]') < x('[data-step=delivered]'),
        dotFirst: x('.entry-dot') < x('.entry-title'),
        statusFirst: x('.status-panel') < x('.map-panel'),
        zoom: corner('.leaflet-control-zoom'),
        attribution: corner('.leaflet-control-attribution'),
      };
    });
  };
  expect(await sides('en')).toEqual({
    firstStepFirst: true,
    dotFirst: true,
    statusFirst: true,
    zoom: 'leaflet-top leaflet-left',
    attribution: 'leaflet-bottom leaflet-right',
  });
  expect(await sides('ar')).toEqual({
    firstStepFirst: false,
    dotFirst: false,
    statusFirst: false,
    zoom: 'leaflet-top leaflet-right',
    attribution: 'leaflet-bottom leaflet-left',
  });
});

it('keeps the language picked on the page across a reload; the pick outranks the link’s ?lang= from then on', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const tracked = await open(order);
  const { page } = tracked;
  expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  expect(await page.textContent('.status-title')).toBe(en.status_placed);
  expect(scriptsFetched(tracked)).toEqual([]); // English comes with the page

  await page.selectOption('[data-testid=lang-select]', 'zh-HK');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-HK');
  expect(await page.textContent('.status-title')).toBe(zhHK.status_placed);
  expect(await page.textContent('[data-testid=timeline] [data-seq="1"] .entry-title')).toBe(zhHK.status_placed);
  expect(await page.title()).toContain(zhHK.status_placed);
  // Every word said again, the map's and the badge's too.
  expect(await latinLeft(page, [order.id, HOME.address, SHOP, 'Natural Earth', LANGUAGE_NAMES.en])).toEqual([]);
  await page.reload();
  await page.waitForSelector('[data-testid=order-status][data-status]');
  expect(await page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['zh-HK', 'ltr']);
  expect(await page.textContent('.status-title')).toBe(zhHK.status_placed);

  // A link asking for Arabic is shown in Arabic; English picked on it then stays, the link's ?lang= gone.
  await page.goto(`${node.url}/track/${order.id}?token=${order.tracking_token}&lang=ar`);
  await page.waitForSelector('[data-testid=order-status][data-status]');
  expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
  await page.selectOption('[data-testid=lang-select]', 'en');
  await page.waitForFunction(() => document.documentElement.lang === 'en' && document.documentElement.dir === 'ltr');
  expect(new URL(page.url()).searchParams.has('lang')).toBe(false);
  expect(new URL(page.url()).searchParams.get('token')).toBe(order.tracking_token);
  await page.reload();
  await page.waitForSelector('[data-testid=order-status][data-status]');
  expect(await page.textContent('.status-title')).toBe(en.status_placed);
  expect(tracked.errors).toEqual([]);
});

it('takes the customer’s locale, then the browser’s Accept-Language, when nothing was asked or picked', async () => {
  const anyone = await placeOrder(api, { destination: HOME });
  const chinese = await open(anyone, { locale: 'zh-HK' });
  expect(await chinese.page.evaluate(() => document.documentElement.lang)).toBe('zh-HK');
  expect(await chinese.page.textContent('.status-title')).toBe(zhHK.status_placed);

  // The customer reads Arabic: their page is in Arabic, whatever the browser they open it in prefers.
  const arabicReader = await placeOrder(api, { customer: { id: unique('cust'), locale: 'ar' }, destination: HOME });
  const arabic = await open(arabicReader, { locale: 'zh-HK' });
  expect(await arabic.page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['ar', 'rtl']);
  expect(await arabic.page.textContent('.status-title')).toBe(ar.status_placed);
});

it('takes the tenant’s default_locale when neither the customer’s nor the browser’s language is one it speaks', async () => {
  const tenant = await createTenant(node.url, 'Tai Hang Florist');
  const business = client(node.url, tenant.apiKey);
  expect((await business.put('/v1/tenants/me/settings', { default_locale: 'zh-HK' })).status).toBe(200);
  const order = await placeOrder(business, { customer: { id: unique('cust'), locale: 'fr-FR' }, destination: HOME });

  const french = await open(order, { locale: 'fr-FR' });
  expect(await french.page.evaluate(() => document.documentElement.lang)).toBe('zh-HK');
  expect(await french.page.textContent('.status-title')).toBe(zhHK.status_placed);
  // A browser that reads English outranks the business's language.
  const english = await open(order, { locale: 'en-GB' });
  expect(await english.page.evaluate(() => document.documentElement.lang)).toBe('en');
});

it('falls back to English when a language’s catalog cannot be fetched, rather than showing no page', async () => {
  const order = await placeOrder(api, { destination: HOME });
  const tracked = await openPage(PHONE);
  pages.push(tracked);
  await tracked.page.route(`**${SCRIPTS.ar}`, (route) => route.abort());
  await tracked.page.goto(`${node.url}/track/${order.id}?token=${order.tracking_token}&lang=ar`);
  await tracked.page.waitForSelector('[data-testid=order-status][data-status=placed]');
  expect(await tracked.page.evaluate(() => [document.documentElement.lang, document.documentElement.dir])).toEqual(['en', 'ltr']);
  expect(await tracked.page.textContent('.status-title')).toBe(en.status_placed);
});

it.each(['en', 'zh-HK', 'ar'] as const)('shows live updates in %s: the new status, its timeline entry and a failed attempt’s reason', async (language) => {
  const words = CATALOGS[language];
  const order = await placeOrder(api, { destination: HOME });
  const { page, errors } = await open(order, { query: `&lang=${language}` });
  await page.waitForSelector('[data-testid=live-state][data-state=live]');

  await postStatus(api, order.id, 'shipped');
  const entry = await page.waitForSelector('[data-testid=timeline] [data-seq="2"][data-status=shipped]');
  expect(await entry.$eval('.entry-title', (title) => title.textContent)).toBe(words.status_shipped);
  expect(await page.textContent('.status-title')).toBe(words.status_shipped);
  expect(await page.textContent('[role=status][aria-live=polite]')).toContain(words.status_shipped);

  await postStatus(api, order.id, 'out_for_delivery');
  await postStatus(api, order.id, 'failed_attempt', { reason: 'refused', note: 'Said it was not theirs' });
  const reason = await page.waitForSelector('.status-panel [data-testid=attempt-reason][data-reason=refused]');
  expect(await reason.textContent()).toBe(words.reason_refused_sentence);
  expect(await page.textContent('[data-testid=timeline] [data-seq="4"] [data-testid=attempt-reason]')).toBe(words.reason_refused);
  expect(errors).toEqual([]);
});

/** Opens the order's tracking link (with `query` after its token) and waits for its status. */
async function open(
  order: { id: string; tracking_token: string },
  { query = '', viewport = PHONE, locale }: { query?: string; viewport?: { width: number; height: number }; locale?: string } = {},
): Promise<TestPage> {
  const tracked = await openPage(viewport, locale ? { locale } : {});
  pages.push(tracked);
  await tracked.page.goto(`${node.url}/track/${order.id}?token=${order.tracking_token}${query}`);
  await tracked.page.waitForSelector('[data-testid=order-status][data-status]');
  return tracked;
}

/** An order out for delivery again after a missed attempt (nobody home): statuses, scans' words and a reason. */
async function missedThenOutForDelivery(): Promise<PlacedOrder> {
  const order = await placeOrder(api, { external_id: unique('HK'), destination: HOME });
  for (const status of ['processing', 'shipped', 'in_transit', 'out_for_delivery']) await postStatus(api, order.id, status);
  await postStatus(api, order.id, 'failed_attempt', { reason: 'not_home' });
  await postStatus(api, order.id, 'out_for_delivery');
  return order;
}

/** The language scripts among what the page fetched. */
function scriptsFetched(tracked: TestPage): string[] {
  return tracked.requests.map((url) => new URL(url).pathname).filter((path) => /^\/assets\/track-[a-z-]+\.[0-9a-f]{10}\.js$/.test(path));
}

/**
 * The Latin words the page shows or says (its text, its title, and every tooltip, label and picture's description),
 * once `allowed` is taken out.
 */
function latinLeft(page: Page, allowed: string[]): Promise<string[]> {
  return page.evaluate((allowed) => {
    const said = [document.body.innerText, document.title];
    for (const element of Array.from(document.querySelectorAll('[title], [aria-label], [alt]'))) {
      for (const name of ['title', 'aria-label', 'alt']) said.push(element.getAttribute(name) ?? '');
    }
    let text = said.join('\n').replace(/[\u2066-\u2069]/g, '');
    for (const value of allowed) text = text.split(value).join(' ');
    return text.match(/[A-Za-z]+/g) ?? [];
  }, allowed);
}
