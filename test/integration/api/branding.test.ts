/**
 * A tenant's branding (API.md "Branding and message templates"): `PUT /v1/tenants/me/branding` (business), `GET` (anyone of the tenant), read
 * by anyone through the tenant's public address, its logo served without a token while it is the logo and never swept
 * as an unused upload; bad input is a 400 naming the field and changes nothing.
 */
import { expectError } from '../../support/expect-error';
import { client, type Client, request } from '../../support/http';
import { unique } from '../../support/ids';
import { uploadLogo } from '../../support/logo';
import type { TestNode } from '../../support/node';
import { placeOrder, postStatus } from '../../support/orders';
import type { Tenant } from '../../support/tenant';
import { tenantNode, withTenant } from '../../support/tenant-node';

let server: TestNode;
let tenant: Tenant;
let biz: Client;

tenantNode((started) => ({ server, tenant, biz } = started));

const BRANDING = { display_name: '頂好速遞 Acme', logo: null, primary_color: '#0A7C59', support_email: 'help@acme.example', support_phone: '+85221234567' };

it("starts as the tenant's name and the default colour, and a PUT replaces it whole", async () => {
  const fresh = await withTenant(server, 'Fresh Parcels');
  const initial = await fresh.biz.get('/v1/tenants/me/branding');
  expect(initial.status).toBe(200);
  expect(initial.body).toEqual({
    display_name: 'Fresh Parcels',
    logo: null,
    logo_url: null,
    primary_color: expect.stringMatching(/^#[0-9a-f]{6}$/),
    support_email: null,
    support_phone: null,
  });
  const put = await fresh.biz.put('/v1/tenants/me/branding', BRANDING);
  expect(put.status).toBe(200);
  const expected = { ...BRANDING, primary_color: '#0a7c59', logo_url: null };
  expect(put.body).toEqual(expected);
  expect((await fresh.biz.get('/v1/tenants/me/branding')).body).toEqual(expected);
  // Whole: what a PUT leaves out is gone.
  const plain = await fresh.biz.put('/v1/tenants/me/branding', { display_name: 'Fresh', logo: null, primary_color: '#222222' });
  expect(plain.body).toEqual({ display_name: 'Fresh', logo: null, logo_url: null, primary_color: '#222222', support_email: null, support_phone: null });
  // Another tenant's is its own.
  expect((await biz.get('/v1/tenants/me/branding')).body.display_name).toBe('Acme');
});

it('is read without a token at the public address (by default the tenant id); an unknown one is a 404', async () => {
  const { biz: api, tenant: own } = await withTenant(server, 'Public Parcels');
  const logo = await uploadLogo(api);
  await api.put('/v1/tenants/me/branding', { ...BRANDING, logo: logo.id });
  const anonymous = await request(server.url, 'GET', `/v1/tenants/${own.id}/branding`);
  expect(anonymous.status).toBe(200);
  expect(anonymous.body).toEqual({ ...BRANDING, primary_color: '#0a7c59', logo: logo.id, logo_url: `/v1/logos/${logo.id}` });
  expect(anonymous.headers.get('cache-control')).toBe('public, max-age=60');
  expectError(await request(server.url, 'GET', `/v1/tenants/${unique('ten')}/branding`), 404, 'not_found');
});

it('serves the logo without a token, as stored, cached for good; no other attachment is served there', async () => {
  const { biz: api } = await withTenant(server);
  const logo = await uploadLogo(api, 'image/webp');
  const put = await api.put('/v1/tenants/me/branding', { ...BRANDING, logo: logo.id });
  expect(put.status).toBe(200);
  const response = await fetch(server.url + put.body.logo_url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/webp');
  expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  const stored = await server.node.parts.store.attachments.readAttachment(logo.id);
  expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.from(stored!))).toBe(true);

  // An upload that is no logo, or a logo since replaced, is not served.
  const other = await uploadLogo(api);
  expectError(await request(server.url, 'GET', `/v1/logos/${other.id}`), 404, 'not_found');
  await api.put('/v1/tenants/me/branding', { ...BRANDING, logo: other.id });
  expectError(await request(server.url, 'GET', `/v1/logos/${logo.id}`), 404, 'not_found');
  expect((await fetch(`${server.url}/v1/logos/${other.id}`)).status).toBe(200);
});

it('a logo is not swept with the unused uploads; the one it replaced is', async () => {
  const { biz: api } = await withTenant(server);
  const first = await uploadLogo(api);
  const stray = await uploadLogo(api);
  await api.put('/v1/tenants/me/branding', { ...BRANDING, logo: first.id });
  const { attachments } = server.node.parts.store;
  // The retention sweep's call, as if a day had passed.
  const tomorrow = new Date(Date.now() + 25 * 3600_000).toISOString();
  while ((await attachments.eraseUnusedAttachments(tomorrow, 100)) === 100);
  expect(await attachments.getAttachment(stray.id)).toBeNull();
  expect(await attachments.getAttachment(first.id)).not.toBeNull();
  expect((await fetch(`${server.url}/v1/logos/${first.id}`)).status).toBe(200);

  const second = await uploadLogo(api);
  await api.put('/v1/tenants/me/branding', { ...BRANDING, logo: second.id });
  while ((await attachments.eraseUnusedAttachments(tomorrow, 100)) === 100);
  expect(await attachments.getAttachment(first.id)).toBeNull();
  expect(await attachments.getAttachment(second.id)).not.toBeNull();
});

it("refuses as a logo anything but an image the business uploaded that no delivery uses; nothing changes", async () => {
  const { biz: api, tenant: own } = await withTenant(server);
  await api.put('/v1/tenants/me/branding', BRANDING);
  const theirs = await uploadLogo(biz);
  const courierId = unique('k');
  const courier = client(server.url, await own.token('courier', courierId));
  const byCourier = await uploadLogo(courier);
  // An upload a delivery's proof took.
  const proof = await uploadLogo(api);
  const order = await placeOrder(api);
  await postStatus(api, order.id, 'out_for_delivery');
  expect((await api.post(`/v1/orders/${order.id}/status`, { status: 'delivered', proof: { photos: [proof.id] } })).status).toBe(200);
  for (const logo of [theirs.id, byCourier.id, proof.id, 'att_missing']) {
    const error = expectError(await api.put('/v1/tenants/me/branding', { ...BRANDING, logo }), 400, 'validation_failed');
    expect(error.details).toEqual([expect.objectContaining({ path: 'logo' })]);
  }
  expect((await api.get('/v1/tenants/me/branding')).body).toMatchObject({ logo: null, display_name: BRANDING.display_name });
});

it.each([
  [{ ...BRANDING, display_name: '' }, 'display_name'],
  [{ ...BRANDING, display_name: 'x'.repeat(101) }, 'display_name'],
  [{ ...BRANDING, primary_color: 'green' }, 'primary_color'],
  [{ ...BRANDING, primary_color: '#12345' }, 'primary_color'],
  [{ ...BRANDING, support_email: 'not-an-email' }, 'support_email'],
  [{ ...BRANDING, support_phone: '22345678' }, 'support_phone'],
  [{ ...BRANDING, logo: 42 }, 'logo'],
  [{ display_name: 'Acme', primary_color: '#000000' }, 'logo'],
  [{ ...BRANDING, colour: '#000000' }, 'body'],
])('a bad branding %j is a 400 naming %s, and changes nothing', async (body, field) => {
  const before = (await biz.get('/v1/tenants/me/branding')).body;
  const error = expectError(await biz.put('/v1/tenants/me/branding', body), 400, 'validation_failed');
  expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: field })]));
  expect((await biz.get('/v1/tenants/me/branding')).body).toEqual(before);
});

it('only the business sets its branding; its staff, couriers (the courier app) and customers (the portal) read it', async () => {
  const own = (await biz.get('/v1/tenants/me/branding')).body;
  for (const role of ['staff', 'courier', 'customer'] as const) {
    const other = client(server.url, await tenant.token(role, unique(role)));
    const read = await other.get('/v1/tenants/me/branding');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(own);
    expectError(await other.put('/v1/tenants/me/branding', BRANDING), 403, 'forbidden');
  }
  expectError(await client(server.url).put('/v1/tenants/me/branding', BRANDING), 401, 'unauthorized');
});
