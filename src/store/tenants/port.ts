import type { TenantSettings } from '../../domain/tenant-settings';

/** Tenants, their API keys (stored hashed only) and their settings. */
export interface TenantDirectory {
  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void>;
  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null>;
  /** Gives the tenant a new API key (its hash): the old one finds no tenant from then on. False for an unknown tenant. */
  replaceApiKey(tenantId: string, apiKeyHash: string): Promise<boolean>;
  getTenant(tenantId: string): Promise<Tenant | null>;
  /** The tenant's loyalty accrual rate (points per whole currency unit). */
  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void>;
  /** The tenant's settings as stored (missing fields are the defaults); null for an unknown tenant. */
  getTenantSettings(tenantId: string): Promise<TenantSettings | null>;
  /**
   * Replaces the tenant's settings; false when `settings.slug` is another tenant's, and then nothing changed. The slug
   * is unique across tenants under concurrent writes from any node (a unique index).
   */
  putTenantSettings(tenantId: string, settings: TenantSettings): Promise<boolean>;
  /**
   * The tenant whose portal address `slug` is: the one that set it, or the tenant of that id while it has set none;
   * null when none.
   */
  findTenantIdBySlug(slug: string): Promise<string | null>;
}

export interface Tenant {
  id: string;
  name: string;
  points_per_unit: number;
  created_at: string;
}
