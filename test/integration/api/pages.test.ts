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

it('serves the pages\' scripts and styles, compressed, and nothing outside them', async () => {
  const script = await fetch(`${server.url}/assets/track.js`, { headers: { 'accept-encoding': 'gzip' } });
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect(script.headers.get('content-encoding')).toBe('gzip');
  expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
  expect((await fetch(`${server.url}/assets/..%2Fpackage.json`)).status).toBe(404);
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
