import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type { MongoContext } from '../mongo/context';
import { documentToTenant } from '../mongo/documents';
import { isDuplicateKey } from '../mongo/errors';
import type { Tenant, TenantDirectory } from './port';

/** Tenants on MongoDB: one document each, its settings embedded. */
export class MongoTenantDirectory implements TenantDirectory {
  constructor(private readonly db: Pick<MongoContext, 'tenants' | 'run'>) {}

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    return this.db.run(async () => {
      await this.db.tenants.insertOne({
        _id: tenant.id,
        name: tenant.name,
        points_per_unit: tenant.points_per_unit,
        created_at: tenant.created_at,
        api_key_hash: apiKeyHash,
      });
    });
  }

  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    return this.db.run(async () => {
      const doc = await this.db.tenants.findOne({ api_key_hash: apiKeyHash });
      return doc ? documentToTenant(doc) : null;
    });
  }

  replaceApiKey(tenantId: string, apiKeyHash: string): Promise<boolean> {
    return this.db.run(async () => {
      const { matchedCount } = await this.db.tenants.updateOne({ _id: tenantId }, { $set: { api_key_hash: apiKeyHash } });
      return matchedCount > 0;
    });
  }

  getTenant(tenantId: string): Promise<Tenant | null> {
    return this.db.run(async () => {
      const doc = await this.db.tenants.findOne({ _id: tenantId });
      return doc ? documentToTenant(doc) : null;
    });
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.db.run(async () => {
      const doc = await this.db.tenants.findOne({ _id: tenantId }, { projection: { settings: 1 } });
      return doc ? withDefaults(doc.settings) : null;
    });
  }

  putTenantSettings(tenantId: string, settings: TenantSettings): Promise<boolean> {
    return this.db.run(async () => {
      try {
        await this.db.tenants.updateOne({ _id: tenantId }, { $set: { settings } });
        return true;
      } catch (error) {
        // The slug is another tenant's (index `tenants_by_slug`): the update is refused whole.
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  findTenantIdBySlug(slug: string): Promise<string | null> {
    return this.db.run(async () => {
      const owner = await this.db.tenants.findOne({ 'settings.slug': slug }, { projection: { _id: 1 } });
      if (owner) return owner._id;
      const unset = await this.db.tenants.findOne({ _id: slug, 'settings.slug': { $not: { $type: 'string' } } }, { projection: { _id: 1 } });
      return unset?._id ?? null;
    });
  }

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    return this.db.run(async () => {
      await this.db.tenants.updateOne({ _id: tenantId }, { $set: { points_per_unit: pointsPerUnit } });
    });
  }
}
