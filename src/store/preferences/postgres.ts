import type { PostgresContext } from '../postgres/context';
import type { PreferenceBook, Preferences } from './port';

/** Customers' alert preferences on PostgreSQL: one row per (tenant, customer). */
export class PostgresPreferenceBook implements PreferenceBook {
  constructor(private readonly db: PostgresContext) {}

  async getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    const { rows } = await this.db.query<Preferences>(
      'SELECT email, sms, push, email_address, phone, locale, updated_at FROM preferences WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  async putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    await this.db.query(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, push, email_address, phone, locale, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms, push = EXCLUDED.push,
         email_address = EXCLUDED.email_address, phone = EXCLUDED.phone, locale = EXCLUDED.locale,
         updated_at = EXCLUDED.updated_at`,
      [
        tenantId,
        customerId,
        preferences.email,
        preferences.sms,
        preferences.push,
        preferences.email_address,
        preferences.phone,
        preferences.locale,
        preferences.updated_at,
      ],
    );
  }
}
