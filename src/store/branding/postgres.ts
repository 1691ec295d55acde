import type { PostgresContext } from '../postgres/context';
import type { BrandingBook, StoredBranding } from './port';

const COLUMNS = 'tenant_id, display_name, logo, primary_color, support_email, support_phone, updated_at';

/** Tenants' branding on PostgreSQL, one row each. */
export class PostgresBrandingBook implements BrandingBook {
  constructor(private readonly db: PostgresContext) {}

  async getBranding(tenantId: string): Promise<StoredBranding | null> {
    const { rows } = await this.db.query<StoredBranding>(`SELECT ${COLUMNS} FROM tenant_branding WHERE tenant_id = $1`, [tenantId]);
    return rows[0] ?? null;
  }

  putBranding(branding: StoredBranding): Promise<boolean> {
    const b = branding;
    return this.db.transaction(async (client) => {
      if (b.logo !== null) {
        // The logo's row held until the branding naming it commits: the sweep of unused uploads skips a locked row
        // (SKIP LOCKED), and a row it locked first is gone when this lock is granted (and the logo refused).
        const { rowCount } = await client.query('SELECT 1 FROM attachments WHERE id = $1 AND tenant_id = $2 AND order_id IS NULL FOR SHARE', [
          b.logo,
          b.tenant_id,
        ]);
        if (!rowCount) return false;
      }
      await client.query(
        `INSERT INTO tenant_branding (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id) DO UPDATE SET display_name = EXCLUDED.display_name, logo = EXCLUDED.logo,
           primary_color = EXCLUDED.primary_color, support_email = EXCLUDED.support_email,
           support_phone = EXCLUDED.support_phone, updated_at = EXCLUDED.updated_at`,
        [b.tenant_id, b.display_name, b.logo, b.primary_color, b.support_email, b.support_phone, b.updated_at],
      );
      return true;
    });
  }
}
