/**
 * What the dashboard's sign-in page costs a browser (real Chromium, a real node): its shell and its script and style,
 * nothing else (no `/openapi.json`); the assets named after their content and kept for a year, so a reload fetches
 * the shell alone; the sign-in itself fetches no API description either.
 */
import type { CDPSession } from 'playwright-core';
import { buildPage } from '../../src/web/build';
import { closeBrowser, openPage, type TestPage } from '../support/browser';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { createTenant } from '../support/tenant';

jest.setTimeout(60_000);

let node: TestNode;
const pages: TestPage[] = [];

beforeAll(async () => {
  await buildPage('dashboard');
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dashboard-signin') } });
});
afterEach(async () => {
  await Promise.all(pages.splice(0).map(({ context }) => context.close()));
});
afterAll(async () => {
  await closeBrowser();
  await node?.close();
});

/** One response as the browser got it: from its cache or the network, with the bytes that came over the wire. */
interface Fetched {
  path: string;
  cacheControl: string;
  fromCache: boolean;
  /** Bytes received for it (headers and encoded body); 0 when it came from the browser's cache. */
  wireBytes: number;
}

/** Records the page's responses through the DevTools protocol, which tells what came from the browser's cache. */
async function recordResponses(view: TestPage): Promise<{ fetched: Map<string, Fetched>; devtools: CDPSession }> {
  const devtools = await view.context.newCDPSession(view.page);
  await devtools.send('Network.enable');
  const fetched = new Map<string, Fetched>();
  devtools.on('Network.requestWillBeSent', ({ requestId, request }) => {
    fetched.set(requestId, { path: new URL(request.url).pathname, cacheControl: '', fromCache: false, wireBytes: 0 });
  });
  // Told before the response when the memory cache answers.
  devtools.on('Network.requestServedFromCache', ({ requestId }) => {
    const entry = fetched.get(requestId);
    if (entry) entry.fromCache = true;
  });
  devtools.on('Network.responseReceived', ({ requestId, response }) => {
    const entry = fetched.get(requestId);
    if (!entry) return;
    entry.cacheControl = Object.entries(response.headers).find(([name]) => name.toLowerCase() === 'cache-control')?.[1] ?? '';
    if (response.fromDiskCache) entry.fromCache = true;
  });
  devtools.on('Network.loadingFinished', ({ requestId, encodedDataLength }) => {
    const entry = fetched.get(requestId);
    if (entry && !entry.fromCache) entry.wireBytes = encodedDataLength;
  });
  return { fetched, devtools };
}

const wire = (fetched: Map<string, Fetched>): number => [...fetched.values()].reduce((sum, entry) => sum + entry.wireBytes, 0);

it('loads its shell, script and style and nothing else; a reload fetches the shell alone', async () => {
  const view = await openPage();
  pages.push(view);
  const { page } = view;
  const { fetched } = await recordResponses(view);
  await page.goto(`${node.url}/dashboard`);
  await page.getByTestId('signin-token').waitFor();
  await page.waitForLoadState('networkidle');

  const paths = view.requests.map((url) => new URL(url).pathname);
  expect(paths).not.toContain('/openapi.json');
  expect(paths).toEqual(['/dashboard', expect.stringMatching(/^\/assets\/dashboard\.[0-9a-f]{10}\.css$/), expect.stringMatching(/^\/assets\/dashboard\.[0-9a-f]{10}\.js$/)]);
  const byPath = new Map([...fetched.values()].map((entry) => [entry.path, entry]));
  expect(byPath.get('/dashboard')!.cacheControl).not.toContain('immutable');
  for (const asset of paths.slice(1)) expect(byPath.get(asset)!.cacheControl).toBe('public, max-age=31536000, immutable');
  const first = wire(fetched);

  fetched.clear();
  await page.reload();
  await page.getByTestId('signin-token').waitFor();
  await page.waitForLoadState('networkidle');
  const again = [...fetched.values()];
  expect(again.filter((entry) => !entry.fromCache).map((entry) => entry.path)).toEqual(['/dashboard']);
  const reload = wire(fetched);
  expect(reload).toBeLessThan(2_000);
  process.stdout.write(`dashboard sign-in page: ${first} B over the wire at first, ${reload} B on a reload\n`);
  expect(view.errors).toEqual([]);
});

it('signs in without fetching the API’s description', async () => {
  const tenant = await createTenant(node.url, 'Harbour Goods');
  const view = await openPage();
  pages.push(view);
  const { page } = view;
  await page.goto(`${node.url}/dashboard`);
  await page.getByTestId('signin-token').fill(tenant.apiKey);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('tab-orders').waitFor();
  await page.waitForLoadState('networkidle');
  expect(view.requests.map((url) => new URL(url).pathname)).not.toContain('/openapi.json');
  expect(view.errors).toEqual([]);
});
