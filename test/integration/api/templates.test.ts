/**
 * Tenants' message templates (API.md "Branding and message templates"): `PUT`/`GET`/`DELETE
 * /v1/tenants/me/templates/:locale/:subject`, the list, and the preview, business only. A template that does not
 * parse or uses an unknown variable is a 400 naming its line, and nothing is kept; values are HTML-escaped in `html`
 * only; a missing part is the built-in text of that language.
 */
import { expectError } from '../../support/expect-error';
import { client, type Client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode, withTenant } from '../../support/tenant-node';

let server: TestNode;
let tenant: Tenant;
let biz: Client;

tenantNode((started) => ({ server, tenant, biz } = started));

const SHIPPED = {
  subject: '{{ tenant.display_name }}: {{ order.reference }} is on its way',
  html: '<h1>Hi {{ customer.name }}</h1><p><a href="{{ tracking_url }}">Track</a></p>',
  push: { title: '{{ order.reference }} shipped' },
};

it('keeps a template per language and subject, replaced whole, listed, read back and removed', async () => {
  const { biz: api } = await withTenant(server);
  const put = await api.put('/v1/tenants/me/templates/en/shipped', SHIPPED);
  expect(put.status).toBe(200);
  expect(put.body).toEqual({ locale: 'en', subject: 'shipped', parts: SHIPPED, updated_at: expect.any(String) });
  expect((await api.get('/v1/tenants/me/templates/en/shipped')).body).toEqual(put.body);

  const arabic = { sms: 'تم شحن {{ order.reference }}: {{ tracking_url }}' };
  expect((await api.put('/v1/tenants/me/templates/ar/shipped', arabic)).status).toBe(200);
  const code = { text: '{{ code }}', push: { body: '{{ code }}' } };
  expect((await api.put('/v1/tenants/me/templates/zh-HK/sign_in_code', code)).status).toBe(200);
  const replaced = await api.put('/v1/tenants/me/templates/en/shipped', { text: 'Hello {{ customer.name }}' });
  expect(replaced.body.parts).toEqual({ text: 'Hello {{ customer.name }}' });

  const list = await api.get('/v1/tenants/me/templates');
  expect(list.status).toBe(200);
  expect(list.body.items.map((item: { locale: string; subject: string }) => `${item.locale}/${item.subject}`)).toEqual(['ar/shipped', 'en/shipped', 'zh-HK/sign_in_code']);

  const removed = await api.delete('/v1/tenants/me/templates/en/shipped');
  expect(removed.status).toBe(204);
  expectError(await api.get('/v1/tenants/me/templates/en/shipped'), 404, 'not_found');
  expectError(await api.delete('/v1/tenants/me/templates/en/shipped'), 404, 'not_found');
  expect((await api.get('/v1/tenants/me/templates')).body.items).toHaveLength(2);
  // Another tenant sees none of them.
  expect((await biz.get('/v1/tenants/me/templates')).body.items).toEqual([]);
  expectError(await biz.get('/v1/tenants/me/templates/ar/shipped'), 404, 'not_found');
});

it.each([
  ['a tag left open', { text: 'Hello\n{% if customer.name %}\nthere' }, 'text', 2],
  ['an output left open', { subject: 'Order {{ order.reference' }, 'subject', 1],
  ['an unknown variable', { html: '<p>\n  {{ customer.email }}\n</p>' }, 'html', 2],
  ['an unknown variable in a condition', { sms: 'a\nb\n{% if order.total > 5 %}big{% endif %}' }, 'sms', 3],
  ['an unknown filter', { push: { body: '\n\n\n{{ code | shout }}' } }, 'push.body', 4],
  ['a file read', { text: '{% include "../../etc/passwd" %}' }, 'text', 1],
  ['escaping turned off', { html: '{{ customer.name | raw }}' }, 'html', 1],
])('%s is a 400 naming the part and its line, and nothing is kept', async (_what, body, part, line) => {
  const { biz: api } = await withTenant(server);
  const error = expectError(await api.put('/v1/tenants/me/templates/en/delivered', body), 400, 'validation_failed');
  expect(error.details).toEqual([{ path: part, message: expect.stringMatching(new RegExp(`^line ${line}, column \\d+: `)), code: 'invalid_template' }]);
  expectError(await api.get('/v1/tenants/me/templates/en/delivered'), 404, 'not_found');
});

it('names every bad part at once', async () => {
  const error = expectError(await biz.put('/v1/tenants/me/templates/en/returned', { subject: '{{ nope }}', sms: '{{ order.reference }}', text: '{% for %}' }), 400, 'validation_failed');
  expect((error.details as Array<{ path: string }>).map((issue) => issue.path)).toEqual(['subject', 'text']);
});

it.each([
  ['/v1/tenants/me/templates/fr/shipped', { text: 'x' }, 'locale'],
  ['/v1/tenants/me/templates/en/placed', { text: 'x' }, 'subject'],
  ['/v1/tenants/me/templates/zh-hk/shipped', { text: 'x' }, 'locale'],
  ['/v1/tenants/me/templates/en/shipped', {}, 'body'],
  ['/v1/tenants/me/templates/en/shipped', { text: '' }, 'text'],
  ['/v1/tenants/me/templates/en/shipped', { push: {} }, 'push'],
  ['/v1/tenants/me/templates/en/shipped', { text: 'x', footer: 'y' }, 'body'],
  ['/v1/tenants/me/templates/en/shipped', { text: 'x'.repeat(20_001) }, 'text'],
])('PUT %s %j is a 400 naming %s', async (path, body, field) => {
  const error = expectError(await biz.put(path, body), 400, 'validation_failed');
  expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
});

describe('the preview', () => {
  it('renders sample values in every form, in the language asked, with the built-in texts where the template gives none', async () => {
    const { biz: api } = await withTenant(server, 'Preview Parcels');
    await api.put('/v1/tenants/me/templates/zh-HK/out_for_delivery', { sms: '{{ courier.name }} 送緊 {{ order.reference }} 嚟，約 {{ order.eta }} 到' });
    const preview = await api.post('/v1/tenants/me/templates/preview', { locale: 'zh-HK', subject: 'out_for_delivery' });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      locale: 'zh-HK',
      subject: expect.stringContaining('今日派送'),
      text: expect.stringContaining('陳大文'),
      html: expect.stringMatching(/^<!DOCTYPE html><html lang="zh-HK" dir="ltr">/),
      sms: expect.stringMatching(/^李志強 送緊 SAMPLE-1042 嚟，約 .+ 到$/),
      push: { title: expect.stringContaining('SAMPLE-1042'), body: expect.any(String) },
      fallbacks: [],
    });
    // The sample's cash to collect, in this language's money format.
    expect(preview.body.text).toContain('HK$129.00');
    expect(preview.body.html).toContain('Preview Parcels');

    const arabic = await api.post('/v1/tenants/me/templates/preview', { locale: 'ar', subject: 'failed_attempt' });
    expect(arabic.body.html).toMatch(/^<!DOCTYPE html><html lang="ar" dir="rtl">/);
    expect(arabic.body.text).toContain('لم يكن أحد في المنزل');

    const code = await api.post('/v1/tenants/me/templates/preview', { locale: 'en', subject: 'sign_in_code' });
    expect(code.body.text).toContain('123456');
    expect(code.body.subject).toBe('Your sign-in code for Preview Parcels');
  });

  it("renders an order of the tenant's, its values escaped in html and not in text", async () => {
    const { biz: api } = await withTenant(server);
    await api.put('/v1/tenants/me/templates/en/delivered', { html: '<p class="who">{{ customer.name }}</p>', text: 'For {{ customer.name }}: {{ order.reference }}' });
    const name = '<script>alert("x")</script> & Co';
    const reference = unique('ref');
    const order = await placeOrder(api, { external_id: reference, customer: { id: unique('c'), name } });
    const preview = await api.post('/v1/tenants/me/templates/preview', { locale: 'en', subject: 'delivered', order_id: order.id });
    expect(preview.status).toBe(200);
    expect(preview.body.html).toContain('<p class="who">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co</p>');
    expect(preview.body.html).not.toContain('<script>');
    expect(preview.body.text).toBe(`For ${name}: ${reference}`);
    // The built-in subject, as the template gives none.
    expect(preview.body.subject).toBe(`Your order ${reference} was delivered`);

    const other = await placeOrder(biz);
    expectError(await api.post('/v1/tenants/me/templates/preview', { locale: 'en', subject: 'delivered', order_id: other.id }), 404, 'not_found');
    expectError(await api.post('/v1/tenants/me/templates/preview', { locale: 'de', subject: 'delivered' }), 400, 'validation_failed');
  });
});

it('only the business may put, read, list, remove and preview templates', async () => {
  for (const role of ['staff', 'courier', 'customer'] as const) {
    const other = client(server.url, await tenant.token(role, unique(role)));
    expectError(await other.put('/v1/tenants/me/templates/en/shipped', { text: 'x' }), 403, 'forbidden');
    expectError(await other.get('/v1/tenants/me/templates/en/shipped'), 403, 'forbidden');
    expectError(await other.get('/v1/tenants/me/templates'), 403, 'forbidden');
    expectError(await other.delete('/v1/tenants/me/templates/en/shipped'), 403, 'forbidden');
    expectError(await other.post('/v1/tenants/me/templates/preview', { locale: 'en', subject: 'shipped' }), 403, 'forbidden');
  }
  expectError(await client(server.url).get('/v1/tenants/me/templates'), 401, 'unauthorized');
});
