/**
 * Real Chromium for page tests (Debian's /usr/bin/chromium, driven by playwright-core; never a downloaded
 * browser). One browser per test file; each test gets a fresh context (no shared storage), which records every
 * request the page makes so a test can check that nothing left for another host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

const EXECUTABLE = '/usr/bin/chromium';
// Closed network: without these Chromium keeps trying Google's hosts at start and in the background.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Where tests write screenshots of the pages; the README shows them. */
export const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots');

export const PHONE = { width: 360, height: 740 };
export const DESK = { width: 1280, height: 800 };

let browser: Browser | null = null;

/**
 * The file's browser, launched on first use. Close it with `closeBrowser` in afterAll. `flags` are Chromium's
 * further command-line switches (a fake camera's video, say); a file that needs them launches the browser with them
 * before its first `openPage`.
 */
export async function launchBrowser(flags: string[] = []): Promise<Browser> {
  browser ??= await chromium.launch({ executablePath: EXECUTABLE, args: [...FLAGS, ...flags] });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}

export interface TestPage {
  page: Page;
  context: BrowserContext;
  /** Every URL the page requested, in order (documents, scripts, XHR/fetch, websockets). */
  requests: string[];
  /** Console errors and uncaught page errors, for a test to assert there were none. */
  errors: string[];
}

/**
 * A fresh context and page at `viewport` (default: desk size); `options` add to the context's (an emulated
 * position and the permissions granted, say).
 */
export async function openPage(viewport = DESK, options: BrowserContextOptions = {}): Promise<TestPage> {
  const context = await (await launchBrowser()).newContext({ viewport, acceptDownloads: true, ...options });
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  page.on('websocket', (socket) => requests.push(socket.url()));
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return { page, context, requests, errors };
}

/**
 * Makes each page of `context` find its address moved to `hash` (as a tap on a link does) just before it starts
 * listening for the address's changes, with no change event: a page that reads the address only when it renders, then
 * waits for events, misses the move.
 */
export async function moveAddressBeforeListening(context: BrowserContext, hash: string): Promise<void> {
  await context.addInitScript((moveTo: string) => {
    const listen = window.addEventListener.bind(window);
    let moved = false;
    window.addEventListener = ((type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) => {
      if (type === 'hashchange' && !moved) {
        moved = true;
        history.replaceState(null, '', moveTo);
      }
      listen(type, listener, options);
    }) as typeof window.addEventListener;
  }, hash);
}

/** Writes a PNG of the page to docs/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** The hosts (host:port) among `urls` other than `allowed`: what a page fetched from elsewhere. */
export function foreignHosts(urls: string[], allowed: string[]): string[] {
  const hosts = new Set<string>();
  for (const url of urls) {
    if (url.startsWith('data:') || url.startsWith('blob:') || url === 'about:blank') continue;
    const host = new URL(url).host;
    if (!allowed.includes(host)) hosts.add(host);
  }
  return [...hosts];
}
