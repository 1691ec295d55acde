import type { Database } from 'better-sqlite3';
import type { PreferenceBook, Preferences } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/** Customers' notification preferences in the embedded store's `preferences` table (booleans as 0/1). */
export class SqlitePreferenceBook implements PreferenceBook {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.context.read(() => {
      const row = this.stmt().get.get(tenantId, customerId) as
        | { email: number; sms: number; email_address: string | null; phone: string | null; updated_at: string }
        | undefined;
      return row ? { ...row, email: row.email === 1, sms: row.sms === 1 } : null;
    });
  }

  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    return this.context.write(() => {
      this.stmt().put.run({
        tenant_id: tenantId,
        customer_id: customerId,
        ...preferences,
        email: preferences.email ? 1 : 0,
        sms: preferences.sms ? 1 : 0,
      });
    });
  }
}

function prepare(db: Database) {
  return {
    get: db.prepare(
      'SELECT email, sms, email_address, phone, updated_at FROM preferences WHERE tenant_id = ? AND customer_id = ?',
    ),
    put: db.prepare(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, email_address, phone, updated_at)
       VALUES (@tenant_id, @customer_id, @email, @sms, @email_address, @phone, @updated_at)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = excluded.email, sms = excluded.sms,
         email_address = excluded.email_address, phone = excluded.phone, updated_at = excluded.updated_at`,
    ),
  };
}
