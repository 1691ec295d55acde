import type { Store } from '../../../src/store/store';
import { DEFAULT_TENANT_SETTINGS, type TenantSettings } from '../../../src/domain/tenant-settings';
import { buildTenant, freshStore, uniqueId, type StoreFactory } from './fixtures';

/** A slug no other test (or run, on a shared database) takes. */
const uniqueSlug = (): string => uniqueId('shop').replace(/_/g, '-');

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
    expect(await store.tenants.getTenantSettings(tenant.id)).toEqual(DEFAULT_TENANT_SETTINGS);
    const settings = { retention_days: 30, arrival_radius_m: 150, quiet_hours: { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' }, tracking_link_days: 7, proof_required: ['signature' as const], default_locale: 'zh-HK' as const, slug: uniqueSlug(), loyalty_basis: 'paid' as const };
    expect(await store.tenants.putTenantSettings(tenant.id, settings)).toBe(true);
    expect(await store.tenants.getTenantSettings(tenant.id)).toEqual(settings);
    expect(await store.tenants.getTenant(tenant.id)).toEqual(tenant);
    expect(await store.tenants.getTenantSettings('ten_unknown')).toBeNull();
  });

  it('finds a tenant by the slug it set, and by its id while it has set none', async () => {
    const named = buildTenant();
    const plain = buildTenant();
    await store.tenants.createTenant(named, uniqueId('hash'));
    await store.tenants.createTenant(plain, uniqueId('hash'));
    const slug = uniqueSlug();
    expect(await store.tenants.findTenantIdBySlug(slug)).toBeNull();
    expect(await store.tenants.findTenantIdBySlug(named.id)).toBe(named.id);
    expect(await store.tenants.putTenantSettings(named.id, withSlug(slug))).toBe(true);
    expect(await store.tenants.findTenantIdBySlug(slug)).toBe(named.id);
    // Its id no longer names it; the other's still does.
    expect(await store.tenants.findTenantIdBySlug(named.id)).toBeNull();
    expect(await store.tenants.findTenantIdBySlug(plain.id)).toBe(plain.id);
    expect(await store.tenants.findTenantIdBySlug('ten_unknown')).toBeNull();
    // A new slug frees the old one; none again makes the id the address.
    const renamed = uniqueSlug();
    expect(await store.tenants.putTenantSettings(named.id, withSlug(renamed))).toBe(true);
    expect(await store.tenants.findTenantIdBySlug(slug)).toBeNull();
    expect(await store.tenants.findTenantIdBySlug(renamed)).toBe(named.id);
    expect(await store.tenants.putTenantSettings(named.id, withSlug(null))).toBe(true);
    expect(await store.tenants.findTenantIdBySlug(renamed)).toBeNull();
    expect(await store.tenants.findTenantIdBySlug(named.id)).toBe(named.id);
    expect(await store.tenants.putTenantSettings(plain.id, withSlug(slug))).toBe(true);
    expect(await store.tenants.findTenantIdBySlug(slug)).toBe(plain.id);
  });

  it('refuses a slug another tenant has, changing nothing; the tenant itself may put it again', async () => {
    const owner = buildTenant();
    const other = buildTenant();
    await store.tenants.createTenant(owner, uniqueId('hash'));
    await store.tenants.createTenant(other, uniqueId('hash'));
    const slug = uniqueSlug();
    expect(await store.tenants.putTenantSettings(owner.id, withSlug(slug))).toBe(true);
    expect(await store.tenants.putTenantSettings(owner.id, { ...withSlug(slug), arrival_radius_m: 100 })).toBe(true);
    expect(await store.tenants.putTenantSettings(other.id, { ...withSlug(slug), retention_days: 9 })).toBe(false);
    expect(await store.tenants.getTenantSettings(other.id)).toEqual(DEFAULT_TENANT_SETTINGS);
    expect(await store.tenants.getTenantSettings(owner.id)).toEqual({ ...withSlug(slug), arrival_radius_m: 100 });
    expect(await store.tenants.findTenantIdBySlug(slug)).toBe(owner.id);
  });

  it('gives a slug to one tenant only when several take it at once', async () => {
    const tenants = [buildTenant(), buildTenant(), buildTenant(), buildTenant()];
    for (const tenant of tenants) await store.tenants.createTenant(tenant, uniqueId('hash'));
    const slug = uniqueSlug();
    const results = await Promise.all(tenants.map((tenant) => store.tenants.putTenantSettings(tenant.id, withSlug(slug))));
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = tenants[results.indexOf(true)]!;
    expect(await store.tenants.findTenantIdBySlug(slug)).toBe(winner.id);
    for (const tenant of tenants.filter((candidate) => candidate !== winner)) {
      expect((await store.tenants.getTenantSettings(tenant.id))?.slug).toBeNull();
    }
  });
}

function withSlug(slug: string | null): TenantSettings {
  return { ...DEFAULT_TENANT_SETTINGS, slug };
}
