import type { PostgresContext } from '../postgres/context';
import type { PreferenceBook, Preferences } from './port';

/** Customers' alert preferences on PostgreSQL: one row per (tenant, customer). */
export class PostgresPreferenceBook implements PreferenceBook {
  constructor(private readonly db: PostgresContext) {}

  async getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    const { rows } = await this.db.query<Preferences>(
      'SELECT email, sms, email_address, phone, updated_at FROM preferences WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  async putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    await this.db.query(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, email_address, phone, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms,
         email_address = EXCLUDED.email_address, phone = EXCLUDED.phone, updated_at = EXCLUDED.updated_at`,
      [tenantId, customerId, preferences.email, preferences.sms, preferences.email_address, preferences.phone, preferences.updated_at],
    );
  }
}
