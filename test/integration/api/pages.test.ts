/**
 * How the pages are served (API.md "Pages"): `/` leads to the dashboard; the pages come with a policy that lets
 * them load nothing from anywhere but this server and never send their URL (which carries the tracking token) as
 * a referrer; the offline basemap's tiles are served from here; API routes stay JSON.
 */
import { client } from '../../support/http';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import { createTenant } from '../../support/tenant';

let server: TestNode;

beforeAll(async () => {
  server = await startTestNode({ env: { MAP_TILE_URL: '', STALE_AFTER_H: '12' } });
});
afterAll(() => server.close());

it('/ redirects to the dashboard', async () => {
  const response = await fetch(`${server.url}/`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/dashboard');
});

it('/courier leads to the courier app (its service worker\'s scope is /courier/), keeping the query', async () => {
  const response = await fetch(`${server.url}/courier?lang=ar`, { redirect: 'manual' });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('/courier/?lang=ar');
});

it.each(['/dashboard', '/track/ord_anything', '/courier/'])('%s is an HTML page with a strict policy and no referrer', async (path) => {
  const response = await fetch(`${server.url}${path}?token=abc`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  const policy = response.headers.get('content-security-policy') ?? '';
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("connect-src 'self'");
  expect(policy).toContain("default-src 'none'");
  // No inline script or style, no eval; only the courier app may compile WebAssembly (its barcode decoder).
  expect(policy).not.toMatch(/'unsafe-inline'|'unsafe-eval'/);
  expect(policy.includes("'wasm-unsafe-eval'")).toBe(path === '/courier/');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const html = await response.text();
  // Settings reach the page as meta tags; there is no inline script.
  expect(html).toContain('<meta name="stale-after-hours" content="12">');
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
});

/** The assets a page's shell names (its stylesheet, its script, an app's icon). */
async function assetsOf(path: string): Promise<string[]> {
  const html = await (await fetch(`${server.url}${path}`)).text();
  return [...html.matchAll(/(?:href|src)="(\/assets\/[^"]+)"/g)].map((match) => match[1]!);
}

it('serves the pages\' scripts and styles, compressed, and nothing outside them', async () => {
  const [script] = (await assetsOf('/track/ord_anything')).filter((asset) => asset.endsWith('.js'));
  const answer = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/javascript/);
  expect(answer.headers.get('content-encoding')).toBe('gzip');
  expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
  expect((await fetch(`${server.url}/assets/nothing.0123456789.js`)).status).toBe(404);
  expect((await fetch(`${server.url}/assets/..%2Fpackage.json`)).status).toBe(404);
});

it('names each asset after its content and lets browsers keep it for a year; the pages themselves are asked for each time', async () => {
  const named = new Set<string>();
  for (const page of ['/dashboard', '/track/ord_anything', '/courier/', '/portal/harbour-goods/']) {
    const assets = await assetsOf(page);
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
    expect(assets.some((asset) => asset.endsWith('.css'))).toBe(true);
    for (const asset of assets) named.add(asset);
    const shell = await fetch(`${server.url}${page}`);
    expect(shell.headers.get('cache-control')).not.toContain('immutable');
  }
  // An installable app's icons, as its manifest names them (the manifest keeps its address).
  const manifest = (await (await fetch(`${server.url}/courier/manifest.webmanifest`)).json()) as { icons: Array<{ src: string }> };
  for (const icon of manifest.icons) named.add(icon.src);
  for (const asset of named) {
    expect(asset).toMatch(/^\/assets\/[a-z0-9-]+\.[0-9a-f]{10}\.(js|css|png|svg)$/);
    const answer = await fetch(`${server.url}${asset}`);
    expect({ asset, status: answer.status, cache: answer.headers.get('cache-control') }).toEqual({
      asset,
      status: 200,
      cache: 'public, max-age=31536000, immutable',
    });
  }
  // What changes with each build keeps its address, and is asked for again.
  expect((await fetch(`${server.url}/courier/manifest.webmanifest`)).headers.get('cache-control')).toBe('public, max-age=300');
  expect((await fetch(`${server.url}/courier/sw.js`)).headers.get('cache-control')).toBe('no-cache');
});

it('serves basemap tiles with land around Hong Kong and refuses coordinates outside the world', async () => {
  // z12 tile holding Victoria Harbour (lon 114.17, lat 22.30).
  const tile = await fetch(`${server.url}/basemap/12/3347/1787.json`, { headers: { 'accept-encoding': 'gzip' } });
  expect(tile.status).toBe(200);
  expect(tile.headers.get('cache-control')).toContain('max-age');
  const body = (await tile.json()) as { extent: number; land: number[][] };
  expect(body.extent).toBe(4096);
  expect(body.land.length).toBeGreaterThan(0);
  expect(body.land.every((ring) => ring.length % 2 === 0 && ring.length >= 6)).toBe(true);
  // Open sea far from any coast: a tile with no land.
  expect(((await (await fetch(`${server.url}/basemap/8/10/120.json`)).json()) as { land: unknown[] }).land).toEqual([]);
  expect((await fetch(`${server.url}/basemap/3/8/1.json`)).status).toBe(404);
});

it('leaves the API as it was: unknown routes are JSON errors, API answers are not rewritten', async () => {
  const missing = await fetch(`${server.url}/v1/nothing`);
  expect(missing.status).toBe(404);
  expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  const tenant = await createTenant(server.url);
  const order = await placeOrder(client(server.url, tenant.apiKey), {});
  const read = await fetch(`${server.url}/v1/orders/${order.id}`, {
    headers: { authorization: `Bearer ${tenant.apiKey}`, 'accept-encoding': 'gzip' },
  });
  expect(read.status).toBe(200);
  expect(read.headers.get('content-security-policy')).toBeNull();
});
