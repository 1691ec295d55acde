import type { Database } from 'better-sqlite3';
import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type { Tenant, TenantDirectory } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/** Tenants, their API keys, points rate and settings, in the embedded store's `tenants` table. */
export class SqliteTenantDirectory implements TenantDirectory {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    return this.context.write(() => {
      this.stmt().insert.run({ ...tenant, api_key_hash: apiKeyHash });
    });
  }

  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    return this.context.read(() => (this.stmt().byKey.get(apiKeyHash) as Tenant | undefined) ?? null);
  }

  replaceApiKey(tenantId: string, apiKeyHash: string): Promise<boolean> {
    return this.context.write(() => this.stmt().replaceKey.run(apiKeyHash, tenantId).changes > 0);
  }

  getTenant(tenantId: string): Promise<Tenant | null> {
    return this.context.read(() => (this.stmt().byId.get(tenantId) as Tenant | undefined) ?? null);
  }

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    return this.context.write(() => {
      this.stmt().setRate.run(pointsPerUnit, tenantId);
    });
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.context.read(() => {
      const row = this.stmt().settingsGet.get(tenantId) as { settings: string | null; slug: string | null } | undefined;
      if (!row) return null;
      return { ...withDefaults(row.settings === null ? null : (JSON.parse(row.settings) as Partial<TenantSettings>)), slug: row.slug };
    });
  }

  putTenantSettings(tenantId: string, { slug, ...rest }: TenantSettings): Promise<boolean> {
    return this.context.write(() => {
      const stmt = this.stmt();
      // Asked first (the unique index stands behind it): a throwing write would rerun its whole batch with savepoints.
      if (slug !== null && stmt.slugTaken.get(slug, tenantId)) return false;
      stmt.settingsPut.run(JSON.stringify(rest), slug, tenantId);
      return true;
    });
  }

  findTenantIdBySlug(slug: string): Promise<string | null> {
    return this.context.read(() => (this.stmt().bySlug.get(slug, slug) as { id: string } | undefined)?.id ?? null);
  }
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      'INSERT INTO tenants (id, name, api_key_hash, points_per_unit, created_at) VALUES (@id, @name, @api_key_hash, @points_per_unit, @created_at)',
    ),
    byKey: db.prepare('SELECT id, name, points_per_unit, created_at FROM tenants WHERE api_key_hash = ?'),
    byId: db.prepare('SELECT id, name, points_per_unit, created_at FROM tenants WHERE id = ?'),
    replaceKey: db.prepare('UPDATE tenants SET api_key_hash = ? WHERE id = ?'),
    setRate: db.prepare('UPDATE tenants SET points_per_unit = ? WHERE id = ?'),
    settingsGet: db.prepare('SELECT settings, slug FROM tenants WHERE id = ?'),
    settingsPut: db.prepare('UPDATE tenants SET settings = ?, slug = ? WHERE id = ?'),
    slugTaken: db.prepare('SELECT 1 FROM tenants WHERE slug = ? AND id <> ?'),
    bySlug: db.prepare('SELECT id FROM tenants WHERE slug = ? UNION ALL SELECT id FROM tenants WHERE id = ? AND slug IS NULL LIMIT 1'),
  };
}
