/**
 * The tracking page's push toggle (API.md "Web Push": `[data-testid=push-toggle]`) in real Chromium, with the
 * browser's Web Push played by the test (test/support/entries/push-toggle-page.ts): hidden where the browser cannot
 * show notifications, "blocked" said in words where the person refused them, otherwise a switch that turns them on and
 * off with the page's options; in each language.
 */
import path from 'node:path';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { buildPage } from '../../src/web/build';
import type { Language } from '../../src/web/shared/i18n';
import { ar } from '../../src/web/track/i18n/ar';
import { en, type Catalog } from '../../src/web/track/i18n/en';
import { zhHK } from '../../src/web/track/i18n/zh-HK';
import { closeBrowser, openPage, PHONE, type TestPage } from '../support/browser';
import type { PushToggleHarness } from '../support/entries/push-toggle-page';

jest.setTimeout(60_000);

const CATALOGS: Record<Language, Catalog> = { en, 'zh-HK': zhHK, ar };
const ROOT = path.resolve(__dirname, '../..');
const SWITCH = '[data-testid=push-toggle]';

let script: string;
/** The tracking page's built stylesheet (its name carries its digest). */
let stylesheet: string;
const pages: TestPage[] = [];

beforeAll(async () => {
  stylesheet = path.join(ROOT, 'dist/web', (await buildPage('track')).urls['track.css']!.replace('/assets/', ''));
  const bundled = await build({
    entryPoints: [path.join(ROOT, 'test/support/entries/push-toggle-page.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    target: 'es2020',
    logLevel: 'warning',
  });
  script = bundled.outputFiles[0]!.text;
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(closeBrowser);

/** A page holding the toggle, in `language`, for a device in `state`, once the toggle knows it. */
async function mount(language: Language, state: Parameters<PushToggleHarness['mount']>[1]): Promise<Page> {
  const tracked = await openPage(PHONE);
  pages.push(tracked);
  const { page } = tracked;
  await page.setContent(`<!doctype html><html lang="${language}" dir="${language === 'ar' ? 'rtl' : 'ltr'}"><body><main id="app"></main></body></html>`);
  await page.addStyleTag({ path: stylesheet });
  await page.addScriptTag({ content: script });
  await page.evaluate(([language, state]) => window.pushToggle.mount(language, state), [language, state] as const);
  await page.waitForFunction(() => window.pushToggle.calls.some((call) => call.call === 'state'));
  expect(tracked.errors).toEqual([]);
  return page;
}

const calls = (page: Page) => page.evaluate(() => window.pushToggle.calls.map((call) => call.call));

it.each(['unsupported', 'broken'] as const)('is hidden where the browser cannot show notifications (%s)', async (state) => {
  const page = await mount('en', state);
  expect(await page.isHidden('.push-panel')).toBe(true);
  expect(await page.isHidden(SWITCH)).toBe(true);
});

it.each(['en', 'zh-HK', 'ar'] as const)('says in %s that notifications are blocked, with the switch off and disabled', async (language) => {
  const page = await mount(language, 'denied');
  expect(await page.isVisible(SWITCH)).toBe(true);
  expect(await page.getAttribute(SWITCH, 'data-state')).toBe('denied');
  expect(await page.getAttribute(SWITCH, 'aria-checked')).toBe('false');
  expect(await page.isDisabled(SWITCH)).toBe(true);
  expect(await page.textContent('.push-label')).toBe(CATALOGS[language].push_label);
  expect(await page.textContent('.push-note')).toBe(CATALOGS[language].push_denied);
  await page.click(SWITCH, { force: true });
  expect(await calls(page)).toEqual(['state']);
});

it('turns notifications on and off with the tracking link’s options, busy while it waits', async () => {
  const page = await mount('en', 'off');
  expect(await page.getAttribute(SWITCH, 'role')).toBe('switch');
  expect(await page.getAttribute(SWITCH, 'aria-checked')).toBe('false');
  expect(await page.textContent('.push-note')).toBe(en.push_hint);

  await page.click(SWITCH);
  await page.waitForSelector(`${SWITCH}[aria-busy=true]:disabled`);
  // A second tap while it waits asks nothing more.
  await page.click(SWITCH, { force: true });
  await page.evaluate(() => window.pushToggle.answer('on'));
  await page.waitForSelector(`${SWITCH}[data-state=on][aria-checked=true]:enabled`);

  await page.click(SWITCH);
  await page.evaluate(() => window.pushToggle.answer('off'));
  await page.waitForSelector(`${SWITCH}[data-state=off][aria-checked=false]`);
  expect(await calls(page)).toEqual(['state', 'enable', 'disable']);
  expect(await page.evaluate(() => window.pushToggle.calls[1]!.options)).toEqual({
    token: 'tracking-token',
    worker: '/track/sw.js',
    scope: '/track/',
    storageKey: 'track.push.ord_1',
  });
});

it('says so when turning them on failed, and shows the device’s state as it is; refusing the prompt shows “blocked”', async () => {
  const page = await mount('ar', 'off');
  await page.click(SWITCH);
  await page.evaluate(() => window.pushToggle.answer('fail'));
  await page.waitForFunction((words) => document.querySelector('.push-note')?.textContent === words, ar.push_failed);
  expect(await page.getAttribute(SWITCH, 'data-state')).toBe('off');
  expect(await calls(page)).toEqual(['state', 'enable', 'state']);

  // The browser's permission prompt refused.
  await page.click(SWITCH);
  await page.evaluate(() => window.pushToggle.answer('denied'));
  await page.waitForSelector(`${SWITCH}[data-state=denied]:disabled`);
  expect(await page.textContent('.push-note')).toBe(ar.push_denied);
});

it('says its words again in another language', async () => {
  const page = await mount('en', 'on');
  expect(await page.textContent('.push-label')).toBe(en.push_label);
  await page.evaluate(() => window.pushToggle.speak('zh-HK'));
  expect(await page.textContent('.push-label')).toBe(zhHK.push_label);
  expect(await page.textContent('.push-note')).toBe(zhHK.push_hint);
  expect(await page.getAttribute(SWITCH, 'aria-checked')).toBe('true');
});
