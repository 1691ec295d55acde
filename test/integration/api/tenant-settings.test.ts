/**
 * A tenant's settings (API.md "Privacy", "Arrival", "Tracking links", "Customer portal"): `GET`/`PUT
 * /v1/tenants/me/settings`, business only; a PUT changes the fields it names and answers all of them; bad values are
 * a 400 naming the field and change nothing; a slug another tenant has is a 409 and changes nothing.
 */
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import type { TestNode } from '../../support/node';
import { createTenant, type Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';

let server: TestNode;
let tenant: Tenant;
let biz: Client;

tenantNode((started) => ({ server, tenant, biz } = started));

const BASE = { retention_days: null, arrival_radius_m: 300, quiet_hours: null, tracking_link_days: 30, proof_required: [], default_locale: 'en', loyalty_basis: 'amount' };
/** A tenant's settings until it changes them: its slug is its id. */
const defaultsOf = (tenantId: string) => ({ ...BASE, slug: tenantId });
/** A slug no other test takes. */
const freshSlug = () => unique('shop');

it('starts at the defaults, changes only what a PUT names, and keeps tenants apart', async () => {
  const DEFAULTS = defaultsOf(tenant.id);
  expect((await biz.get('/v1/tenants/me/settings')).body).toEqual(DEFAULTS);
  const quiet = { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' };
  const changed = await biz.put('/v1/tenants/me/settings', { retention_days: 90, quiet_hours: quiet });
  expect(changed.status).toBe(200);
  expect(changed.body).toEqual({ ...DEFAULTS, retention_days: 90, quiet_hours: quiet });
  expect((await biz.put('/v1/tenants/me/settings', { arrival_radius_m: 150 })).body).toEqual({ ...DEFAULTS, retention_days: 90, arrival_radius_m: 150, quiet_hours: quiet });
  expect((await biz.put('/v1/tenants/me/settings', { tracking_link_days: 7 })).body).toMatchObject({ arrival_radius_m: 150, tracking_link_days: 7 });
  expect((await biz.put('/v1/tenants/me/settings', { default_locale: 'ar' })).body).toMatchObject({ tracking_link_days: 7, default_locale: 'ar' });
  expect((await biz.put('/v1/tenants/me/settings', { default_locale: 'en' })).body).toMatchObject({ default_locale: 'en' });
  expect((await biz.put('/v1/tenants/me/settings', { quiet_hours: null, retention_days: null })).body).toEqual({ ...DEFAULTS, arrival_radius_m: 150, tracking_link_days: 7 });
  const other = await createTenant(server.url, 'Other');
  expect((await client(server.url, other.apiKey).get('/v1/tenants/me/settings')).body).toEqual(defaultsOf(other.id));
});

describe('slug', () => {
  it('is the tenant id until set; a slug another tenant has is 409 already_exists and changes nothing', async () => {
    const owner = await createTenant(server.url, 'Owner');
    const ownerBiz = client(server.url, owner.apiKey);
    const slug = freshSlug();
    const set = await ownerBiz.put('/v1/tenants/me/settings', { slug });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ ...defaultsOf(owner.id), slug });
    expect((await ownerBiz.get('/v1/tenants/me/settings')).body.slug).toBe(slug);
    // Putting its own slug again is no conflict.
    expect((await ownerBiz.put('/v1/tenants/me/settings', { slug, arrival_radius_m: 120 })).status).toBe(200);

    const before = (await biz.get('/v1/tenants/me/settings')).body;
    const refused = await biz.put('/v1/tenants/me/settings', { slug, retention_days: 5 });
    expectError(refused, 409, 'already_exists');
    expect((await biz.get('/v1/tenants/me/settings')).body).toEqual(before);

    // A new slug frees the old one for others.
    expect((await ownerBiz.put('/v1/tenants/me/settings', { slug: freshSlug() })).status).toBe(200);
    expect((await biz.put('/v1/tenants/me/settings', { slug })).body).toMatchObject({ slug });
  });

  it('goes to exactly one of several tenants asking for it at once', async () => {
    const tenants = await Promise.all([1, 2, 3, 4, 5].map((n) => createTenant(server.url, `Racer ${n}`)));
    const slug = freshSlug();
    const answers = await Promise.all(tenants.map((racer) => client(server.url, racer.apiKey).put('/v1/tenants/me/settings', { slug })));
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409, 409]);
    for (const [index, racer] of tenants.entries()) {
      const shown = (await client(server.url, racer.apiKey).get('/v1/tenants/me/settings')).body.slug;
      expect(shown).toBe(answers[index]!.status === 200 ? slug : racer.id);
    }
  });
});

it.each([
  [{ retention_days: 0 }, 'retention_days'],
  [{ retention_days: 2.5 }, 'retention_days'],
  [{ arrival_radius_m: 5 }, 'arrival_radius_m'],
  [{ tracking_link_days: 0 }, 'tracking_link_days'],
  [{ tracking_link_days: 366 }, 'tracking_link_days'],
  [{ tracking_link_days: null }, 'tracking_link_days'],
  [{ proof_required: ['fingerprint'] }, 'proof_required.0'],
  [{ quiet_hours: { start: '25:00', end: '08:00', time_zone: 'UTC' } }, 'quiet_hours.start'],
  [{ quiet_hours: { start: '21:00', end: '08:00', time_zone: 'Mars/Olympus' } }, 'quiet_hours.time_zone'],
  [{ quiet_hours: { start: '21:00', end: '21:00', time_zone: 'UTC' } }, 'quiet_hours.end'],
  [{ quiet_hours: { start: '21:00', end: '08:00' } }, 'quiet_hours.time_zone'],
  [{ default_locale: 'fr' }, 'default_locale'],
  [{ default_locale: 'zh-hk' }, 'default_locale'],
  [{ slug: 'ab' }, 'slug'],
  [{ slug: 'a'.repeat(41) }, 'slug'],
  [{ slug: 'Acme' }, 'slug'],
  [{ slug: 'acme_shop' }, 'slug'],
  [{ slug: 'acme shop' }, 'slug'],
  [{ slug: null }, 'slug'],
  [{ colour: 'blue' }, 'body'],
])('refuses %j naming %s, and changes nothing', async (body, field) => {
  const before = (await biz.get('/v1/tenants/me/settings')).body;
  const error = expectError(await biz.put('/v1/tenants/me/settings', body), 400, 'validation_failed');
  expect((error.details as Array<{ path: string }>).map((detail) => detail.path)).toContain(field);
  expect((await biz.get('/v1/tenants/me/settings')).body).toEqual(before);
});

it('is the business\'s alone: staff, couriers and customers are refused', async () => {
  for (const role of ['staff', 'courier', 'customer'] as const) {
    const other = client(server.url, await tenant.token(role, `${role}-1`));
    expectError(await other.get('/v1/tenants/me/settings'), 403, 'forbidden');
    expectError(await other.put('/v1/tenants/me/settings', { arrival_radius_m: 100 }), 403, 'forbidden');
  }
});
