import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type { Run } from '../mongo/connection';
import type { MongoCollection } from '../mongo/database';
import { documentToTenant, type TenantDocument } from '../mongo/documents';
import type { Tenant, TenantDirectory } from './port';

export interface MongoTenantDirectoryOptions {
  /** Unique on `api_key_hash` (index `tenants_by_api_key`). */
  tenants: MongoCollection<TenantDocument>;
  run: Run;
}

/** Tenants on MongoDB: one document each, its settings embedded. */
export class MongoTenantDirectory implements TenantDirectory {
  private readonly tenants: MongoCollection<TenantDocument>;
  private readonly run: Run;

  constructor(options: MongoTenantDirectoryOptions) {
    this.tenants = options.tenants;
    this.run = options.run;
  }

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    return this.run(async () => {
      await this.tenants.insertOne({
        _id: tenant.id,
        name: tenant.name,
        points_per_unit: tenant.points_per_unit,
        created_at: tenant.created_at,
        api_key_hash: apiKeyHash,
      });
    });
  }

  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ api_key_hash: apiKeyHash });
      return doc ? documentToTenant(doc) : null;
    });
  }

  getTenant(tenantId: string): Promise<Tenant | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ _id: tenantId });
      return doc ? documentToTenant(doc) : null;
    });
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ _id: tenantId }, { projection: { settings: 1 } });
      return doc ? withDefaults(doc.settings) : null;
    });
  }

  putTenantSettings(tenantId: string, settings: TenantSettings): Promise<void> {
    return this.run(async () => {
      await this.tenants.updateOne({ _id: tenantId }, { $set: { settings } });
    });
  }

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    return this.run(async () => {
      await this.tenants.updateOne({ _id: tenantId }, { $set: { points_per_unit: pointsPerUnit } });
    });
  }
}
