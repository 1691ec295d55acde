import type { Store } from '../../../src/store/store';
import { buildTenant, freshStore, type StoreFactory } from './fixtures';

/** TenantDirectory: tenants by API key hash and by id, and their settings. */
export function describeTenantsContract(factory: StoreFactory): void {
  const store: Pick<Store, 'tenants'> = freshStore(factory);

  it('creates tenants and finds them by API key hash and by id', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, 'hash-1');
    await store.tenants.createTenant(buildTenant({ name: 'Other' }), 'hash-2');
    expect(await store.tenants.findTenantByApiKeyHash('hash-1')).toEqual(tenant);
    expect(await store.tenants.getTenant(tenant.id)).toEqual(tenant);
    expect(await store.tenants.findTenantByApiKeyHash('hash-unknown')).toBeNull();
    expect(await store.tenants.getTenant('ten_unknown')).toBeNull();
  });

  it('replaces a tenant\'s API key: the old hash finds nothing, the new one the tenant', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, 'hash-old');
    expect(await store.tenants.replaceApiKey(tenant.id, 'hash-new')).toBe(true);
    expect(await store.tenants.findTenantByApiKeyHash('hash-old')).toBeNull();
    expect(await store.tenants.findTenantByApiKeyHash('hash-new')).toEqual(tenant);
    expect(await store.tenants.replaceApiKey('ten_unknown', 'hash-other')).toBe(false);
    expect(await store.tenants.findTenantByApiKeyHash('hash-other')).toBeNull();
  });

  it('keeps a tenant\'s settings: the defaults until set, then what was put', async () => {
    const tenant = buildTenant();
    await store.tenants.createTenant(tenant, 'hash-settings');
    expect(await store.tenants.getTenantSettings(tenant.id)).toEqual({ retention_days: null, arrival_radius_m: 300, quiet_hours: null, tracking_link_days: 30, proof_required: [], default_locale: 'en' });
    const settings = { retention_days: 30, arrival_radius_m: 150, quiet_hours: { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' }, tracking_link_days: 7, proof_required: ['signature' as const], default_locale: 'zh-HK' as const };
    await store.tenants.putTenantSettings(tenant.id, settings);
    expect(await store.tenants.getTenantSettings(tenant.id)).toEqual(settings);
    expect(await store.tenants.getTenant(tenant.id)).toEqual(tenant);
    expect(await store.tenants.getTenantSettings('ten_unknown')).toBeNull();
  });
}
