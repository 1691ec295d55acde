import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import type { PreferenceBook, Preferences } from './port';

/** A customer's preferences, as every read of them lists them (without the customer's key). */
export const PREFERENCE_COLUMNS = 'email, sms, push, email_address, phone, locale, updated_at';

interface CustomerKey {
  tenantId: string;
  customerId: string;
}

/**
 * Customers' alert preferences on PostgreSQL: one row per (tenant, customer). The reads of one turn (the alerts
 * decided together) are one statement.
 */
export class PostgresPreferenceBook implements PreferenceBook {
  private readonly reads = new TurnBatch<CustomerKey, Preferences | null>(async (keys) => {
    const { rows } = await this.db.query<Preferences & { tenant_id: string; customer_id: string }>(
      `SELECT tenant_id, customer_id, ${PREFERENCE_COLUMNS} FROM preferences
       WHERE (tenant_id, customer_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
      [keys.map((key) => key.tenantId), keys.map((key) => key.customerId)],
    );
    const found = new Map(rows.map(({ tenant_id, customer_id, ...preferences }) => [customerId({ tenantId: tenant_id, customerId: customer_id }), preferences]));
    return keys.map((key) => found.get(customerId(key)) ?? null);
  }, customerId);

  constructor(private readonly db: PostgresContext) {}

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.reads.load({ tenantId, customerId });
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

function customerId({ tenantId, customerId }: CustomerKey): string {
  return `${tenantId}\u0000${customerId}`;
}
