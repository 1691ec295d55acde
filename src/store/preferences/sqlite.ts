import type { Database } from 'better-sqlite3';
import type { Locale } from '../../domain/tenant-settings';
import type { PreferenceBook, Preferences } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

type Row = Omit<Preferences, 'email' | 'sms' | 'push' | 'locale'> & { email: number; sms: number; push: number; locale: string | null };

/** Customers' notification preferences in the embedded store's `preferences` table (booleans as 0/1). */
export class SqlitePreferenceBook implements PreferenceBook {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.context.read(() => {
      const row = this.stmt().get.get(tenantId, customerId) as Row | undefined;
      return row ? { ...row, email: row.email === 1, sms: row.sms === 1, push: row.push === 1, locale: row.locale as Locale | null } : null;
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
        push: preferences.push ? 1 : 0,
      });
    });
  }
}

function prepare(db: Database) {
  return {
    get: db.prepare(
      'SELECT email, sms, push, email_address, phone, locale, updated_at FROM preferences WHERE tenant_id = ? AND customer_id = ?',
    ),
    put: db.prepare(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, push, email_address, phone, locale, updated_at)
       VALUES (@tenant_id, @customer_id, @email, @sms, @push, @email_address, @phone, @locale, @updated_at)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = excluded.email, sms = excluded.sms, push = excluded.push,
         email_address = excluded.email_address, phone = excluded.phone, locale = excluded.locale,
         updated_at = excluded.updated_at`,
    ),
  };
}
