/**
 * The dashboard's settings view end to end (API.md "Customer portal", "Languages", "Branding and message templates"):
 * real Chromium, a real node. The business changes the portal address and the default language, refused in words when
 * another tenant has the address; sets its branding with a logo; writes a template, sees a broken one refused naming
 * the line, previews it with an order, and goes back to the built-in texts. Staff see why they cannot change settings.
 * Writes docs/screenshots/dashboard-settings.png.
 */
import sharp from 'sharp';
import { buildPages } from '../../src/web/build';
import { closeBrowser, DESK, foreignHosts, screenshot, type TestPage } from '../support/browser';
import { openDashboard } from '../support/dashboard-page';
import { client, type Client } from '../support/http';
import { unique } from '../support/ids';
import { startTestNode, type TestNode } from '../support/node';
import { placeOrder } from '../support/orders';
import { createTenant, type Tenant } from '../support/tenant';

jest.setTimeout(60_000);

let node: TestNode;
let tenant: Tenant;
let biz: Client;
const pages: TestPage[] = [];

beforeAll(async () => {
  await buildPages();
  node = await startTestNode({ env: { REDIS_PREFIX: unique('dash-settings') } });
  tenant = await createTenant(node.url, 'Harbour Goods');
  biz = client(node.url, tenant.apiKey);
}, 120_000);

afterEach(async () => {
  while (pages.length) await pages.pop()!.context.close();
});

afterAll(async () => {
  await closeBrowser();
  await node?.close();
});

async function open(token = tenant.apiKey): Promise<TestPage> {
  const view = await openDashboard({ url: node.url, token, view: 'settings', viewport: DESK });
  pages.push(view);
  return view;
}

test('the portal address and default language are saved; an address another tenant has is refused in words', async () => {
  const other = await createTenant(node.url, 'Other Goods');
  const taken = unique('taken').toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 40);
  expect((await client(node.url, other.apiKey).put('/v1/tenants/me/settings', { slug: taken })).status).toBe(200);

  const view = await open();
  const slug = view.page.getByTestId('settings-slug');
  await slug.waitFor();
  expect(await slug.inputValue()).toBe((await biz.get('/v1/tenants/me/settings')).body.slug);

  await slug.fill(taken);
  await view.page.getByTestId('settings-save').click();
  await view.page.getByTestId('settings-result').filter({ hasText: 'Another company uses that portal address' }).waitFor();

  await slug.fill('No Spaces');
  expect(await view.page.getByTestId('settings-save').isDisabled()).toBe(true);

  await slug.fill('harbour-goods');
  await view.page.getByTestId('settings-locale').selectOption('zh-HK');
  await view.page.getByTestId('settings-save').click();
  await view.page.getByTestId('settings-result').filter({ hasText: 'Saved.' }).waitFor();
  expect(await view.page.getByTestId('settings-portal-link').getAttribute('href')).toBe(`${node.url}/portal/harbour-goods/`);
  expect((await biz.get('/v1/tenants/me/settings')).body).toMatchObject({ slug: 'harbour-goods', default_locale: 'zh-HK' });
  // The refusal's 409 is the one error the browser reports.
  expect(view.errors).toEqual([expect.stringContaining('status of 409')]);
  expect(foreignHosts(view.requests, [new URL(node.url).host])).toEqual([]);
});

test('branding with a logo is saved and read back without a token', async () => {
  const view = await open();
  await view.page.getByTestId('branding-name').fill('Harbour Goods Delivery');
  await view.page.getByTestId('branding-color').evaluate((input: HTMLInputElement) => {
    input.value = '#b42318';
    input.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await view.page.getByTestId('branding-email').fill('help@harbour.example');
  const logo = await sharp({ create: { width: 120, height: 120, channels: 3, background: '#b42318' } }).png().toBuffer();
  await view.page.getByTestId('branding-logo').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: logo });
  await view.page.getByTestId('branding-logo-preview').waitFor();
  await view.page.getByTestId('branding-save').click();
  await view.page.getByTestId('branding-result').filter({ hasText: 'Saved.' }).waitFor();

  const stored = (await biz.get('/v1/tenants/me/branding')).body;
  expect(stored).toMatchObject({ display_name: 'Harbour Goods Delivery', primary_color: '#b42318', support_email: 'help@harbour.example' });
  expect(stored.logo).toMatch(/^att_/);
  const slug = (await biz.get('/v1/tenants/me/settings')).body.slug as string;
  const shown = await fetch(`${node.url}/v1/tenants/${slug}/branding`);
  expect(shown.status).toBe(200);
  expect(await shown.json()).toMatchObject({ display_name: 'Harbour Goods Delivery', primary_color: '#b42318' });
});

test('a template is checked, previewed with an order, and removed again', async () => {
  const order = await placeOrder(biz, { customer: { id: unique('c'), name: 'Chan Siu Ming', email: 'chan@example.com' } });
  const view = await open();
  await view.page.getByTestId('template-locale').selectOption('en');
  await view.page.getByTestId('template-subject').selectOption('shipped');
  await view.page.getByTestId('template-part-sms').waitFor();
  await view.page.getByTestId('template-part-sms').fill('Hi {{ customer.name }},\non its way: {{ order.reference }} {% if %}');
  await view.page.getByTestId('template-save').click();
  const refusal = view.page.getByTestId('template-result');
  await refusal.filter({ hasText: /line 2/i }).waitFor();
  expect((await biz.get('/v1/tenants/me/templates/en/shipped')).status).toBe(404);

  await view.page.getByTestId('template-part-sms').fill('Hi {{ customer.name }}, {{ order.reference }} is on its way: {{ tracking_url }}');
  await view.page.getByTestId('template-order').fill(order.id);
  await view.page.getByTestId('template-save').click();
  await refusal.filter({ hasText: 'Saved.' }).waitFor();
  const sms = view.page.getByTestId('preview-sms');
  await sms.waitFor();
  expect(await sms.innerText()).toContain('Hi Chan Siu Ming,');
  expect(await sms.innerText()).toContain(`/track/${order.id}`);
  // The email keeps the built-in texts of that language where the template has no part.
  expect(await view.page.getByTestId('preview-subject').innerText()).not.toBe('');
  expect((await biz.get('/v1/tenants/me/templates/en/shipped')).body).toMatchObject({ parts: { sms: expect.stringContaining('{{ customer.name }}') } });
  await view.page.mouse.move(0, 0);
  await view.page.getByTestId('templates-form').evaluate((form) => form.closest('section')!.scrollIntoView());
  await view.page.getByTestId('preview-html').evaluate((frame: HTMLIFrameElement) => frame.contentDocument!.fonts.ready.then(() => undefined));
  await screenshot(view.page, 'dashboard-settings');

  await view.page.getByTestId('template-delete').click();
  await refusal.filter({ hasText: 'Removed' }).waitFor();
  expect((await biz.get('/v1/tenants/me/templates/en/shipped')).status).toBe(404);
  // The broken template's 400 is the one error the browser reports.
  expect(view.errors).toEqual([expect.stringContaining('status of 400')]);
});

test('staff see the view but are told only the business changes settings', async () => {
  const staff = await tenant.token('staff', 'staff-1');
  const view = await open(staff);
  await view.page.getByTestId('settings-view').filter({ hasText: "sign in with the company's API key" }).waitFor();
  expect(await view.page.getByTestId('settings-form').count()).toBe(0);
});
