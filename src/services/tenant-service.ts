import { hashApiKey } from '../auth/token-service';
import { NotFoundError, SlugTakenError } from '../domain/errors';
import { newId, newSecret } from '../domain/ids';
import { changeSettings, type TenantSettings } from '../domain/tenant-settings';
import { keptSettings, type TenantCache } from '../notifiers/tenant-cache';
import { tenantTextsChanged } from '../notifiers/tenant-texts';
import type { Tenant, TenantDirectory } from '../store/tenants/port';

export interface TenantServiceOptions {
  store: { tenants: Pick<TenantDirectory, 'createTenant' | 'getTenantSettings' | 'putTenantSettings' | 'findTenantIdBySlug'> };
  /** @default the system clock */
  now?: () => Date;
}

// A new tenant earns one point per whole currency unit until it sets its own rate (API.md "Loyalty").
const DEFAULT_POINTS_PER_UNIT = 1;

/** Tenants: the platform admin creates them, each with the API key its business calls with. */
export class TenantService {
  private readonly now: () => Date;
  /** The settings as read (a tracker's socket asks them on every subscription), forgotten on every node when they change. */
  private readonly kept: TenantCache<TenantSettings | null>;

  constructor(private readonly options: TenantServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.kept = keptSettings(options.store.tenants);
  }

  /** Creates a tenant; its API key is returned here only (the store keeps its hash). */
  async create(name: string): Promise<{ tenant: Tenant; apiKey: string }> {
    const now = this.now();
    const apiKey = newSecret('ak');
    const tenant: Tenant = {
      id: newId('ten', now.getTime()),
      name,
      points_per_unit: DEFAULT_POINTS_PER_UNIT,
      created_at: now.toISOString(),
    };
    await this.options.store.tenants.createTenant(tenant, hashApiKey(apiKey));
    return { tenant, apiKey };
  }

  /** The tenant's settings, its `slug` the tenant's id while it has set none. @throws NotFoundError for an unknown tenant */
  async settings(tenantId: string): Promise<TenantSettingsView> {
    const settings = await this.kept.get(tenantId);
    if (!settings) throw new NotFoundError('tenant');
    return settingsView(tenantId, settings);
  }

  /**
   * The tenant a portal address names (API.md "Customer portal": `slug`, by default the tenant's id); null when none.
   */
  tenantIdBySlug(slug: string): Promise<string | null> {
    return this.options.store.tenants.findTenantIdBySlug(slug);
  }

  /**
   * Changes the settings given and answers them all.
   * @throws SlugTakenError when the slug is another tenant's (nothing changed)
   */
  async changeSettings(tenantId: string, change: Partial<TenantSettings>): Promise<TenantSettingsView> {
    const next = changeSettings(await this.stored(tenantId), change);
    if (!(await this.options.store.tenants.putTenantSettings(tenantId, next))) throw new SlugTakenError();
    await tenantTextsChanged(tenantId);
    return settingsView(tenantId, next);
  }

  private async stored(tenantId: string): Promise<TenantSettings> {
    const settings = await this.options.store.tenants.getTenantSettings(tenantId);
    if (!settings) throw new NotFoundError('tenant');
    return settings;
  }
}

/** A tenant's settings as the API shows them: the portal address always set. */
export type TenantSettingsView = Omit<TenantSettings, 'slug'> & { slug: string };

function settingsView(tenantId: string, settings: TenantSettings): TenantSettingsView {
  return { ...settings, slug: settings.slug ?? tenantId };
}
