import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { BrandingBook, StoredBranding } from './port';

const COLUMNS = 'tenant_id, display_name, logo, primary_color, support_email, support_phone, updated_at';

/** Tenants' branding in the embedded store's `tenant_branding` table. */
export class SqliteBrandingBook implements BrandingBook {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  getBranding(tenantId: string): Promise<StoredBranding | null> {
    return this.context.read(() => (this.stmt().get.get(tenantId) as StoredBranding | undefined) ?? null);
  }

  putBranding(branding: StoredBranding): Promise<boolean> {
    // Writes are serial: the sweep of unused uploads runs before this (the logo is gone, and refused here) or after
    // it (the logo is named, and kept).
    return this.context.write(() => {
      if (branding.logo !== null && !this.stmt().usableLogo.get(branding.logo, branding.tenant_id)) return false;
      this.stmt().put.run(branding);
      return true;
    });
  }
}

function prepare(db: Database) {
  return {
    get: db.prepare(`SELECT ${COLUMNS} FROM tenant_branding WHERE tenant_id = ?`),
    usableLogo: db.prepare('SELECT 1 FROM attachments WHERE id = ? AND tenant_id = ? AND order_id IS NULL'),
    put: db.prepare(
      `INSERT INTO tenant_branding (${COLUMNS})
       VALUES (@tenant_id, @display_name, @logo, @primary_color, @support_email, @support_phone, @updated_at)
       ON CONFLICT (tenant_id) DO UPDATE SET display_name = excluded.display_name, logo = excluded.logo,
         primary_color = excluded.primary_color, support_email = excluded.support_email,
         support_phone = excluded.support_phone, updated_at = excluded.updated_at`,
    ),
  };
}
