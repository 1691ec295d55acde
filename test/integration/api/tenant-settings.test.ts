/**
 * A tenant's settings (API.md "Privacy", "Arrival", "Tracking links"): `GET`/`PUT /v1/tenants/me/settings`, business only; a PUT
 * changes the fields it names and answers all of them; bad values are a 400 naming the field and change nothing.
 */
import { expectError } from '../../support/expect-error';
import { type Client, client } from '../../support/http';
import type { TestNode } from '../../support/node';
import { createTenant, type Tenant } from '../../support/tenant';
import { tenantNode } from '../../support/tenant-node';

let server: TestNode;
let tenant: Tenant;
let biz: Client;

tenantNode((started) => ({ server, tenant, biz } = started));

const DEFAULTS = { retention_days: null, arrival_radius_m: 300, quiet_hours: null, tracking_link_days: 30, proof_required: [], default_locale: 'en' };

it('starts at the defaults, changes only what a PUT names, and keeps tenants apart', async () => {
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
  expect((await client(server.url, other.apiKey).get('/v1/tenants/me/settings')).body).toEqual(DEFAULTS);
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
