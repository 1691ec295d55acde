import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type { PostgresContext } from '../postgres/context';
import { sqlState, UNIQUE_VIOLATION } from '../postgres/errors';
import { TurnBatch } from '../postgres/turn-batch';
import type { Tenant, TenantDirectory } from './port';

const TENANT_SELECT = 'SELECT id, name, points_per_unit, created_at FROM tenants';

/** Tenants, their hashed API keys and their settings on PostgreSQL. */
export class PostgresTenantDirectory implements TenantDirectory {
  // The settings reads of one turn (the alert queue and the loyalty service read them per change), one statement.
  private readonly settingsReads = new TurnBatch<string, TenantSettings | null>(async (ids) => {
    const { rows } = await this.db.query<{ id: string; settings: Partial<TenantSettings> | null; slug: string | null }>(
      'SELECT id, settings, slug FROM tenants WHERE id = ANY($1::text[])',
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, { ...withDefaults(row.settings), slug: row.slug }]));
    return ids.map((id) => byId.get(id) ?? null);
  }, String);

  constructor(private readonly db: PostgresContext) {}

  async createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    await this.db.query('INSERT INTO tenants (id, name, api_key_hash, points_per_unit, created_at) VALUES ($1, $2, $3, $4, $5)', [
      tenant.id,
      tenant.name,
      apiKeyHash,
      tenant.points_per_unit,
      tenant.created_at,
    ]);
  }

  async findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    const { rows } = await this.db.query<Tenant>(`${TENANT_SELECT} WHERE api_key_hash = $1`, [apiKeyHash]);
    return rows[0] ?? null;
  }

  async replaceApiKey(tenantId: string, apiKeyHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE tenants SET api_key_hash = $1 WHERE id = $2', [apiKeyHash, tenantId]);
    return (rowCount ?? 0) > 0;
  }

  async getTenant(tenantId: string): Promise<Tenant | null> {
    const { rows } = await this.db.query<Tenant>(`${TENANT_SELECT} WHERE id = $1`, [tenantId]);
    return rows[0] ?? null;
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.settingsReads.load(tenantId);
  }

  async putTenantSettings(tenantId: string, { slug, ...rest }: TenantSettings): Promise<boolean> {
    try {
      await this.db.query('UPDATE tenants SET settings = $1, slug = $2 WHERE id = $3', [JSON.stringify(rest), slug, tenantId]);
      return true;
    } catch (error) {
      // Of two tenants taking one slug at once, the second waits for the first's commit, then fails here.
      if (sqlState(error) === UNIQUE_VIOLATION) return false;
      throw error;
    }
  }

  async findTenantIdBySlug(slug: string): Promise<string | null> {
    const { rows } = await this.db.query<{ id: string }>(
      'SELECT id FROM tenants WHERE slug = $1 UNION ALL SELECT id FROM tenants WHERE id = $1 AND slug IS NULL LIMIT 1',
      [slug],
    );
    return rows[0]?.id ?? null;
  }

  async setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    await this.db.query('UPDATE tenants SET points_per_unit = $1 WHERE id = $2', [pointsPerUnit, tenantId]);
  }
}
