import type { MongoContext } from '../mongo/context';
import { documentToPreferences, preferencesId } from '../mongo/documents';
import { replaceOrCreate } from '../mongo/replace-or-create';
import type { PreferenceBook, Preferences } from './port';

/** Customers' notification preferences on MongoDB: one document each, replaced whole. */
export class MongoPreferenceBook implements PreferenceBook {
  constructor(private readonly db: Pick<MongoContext, 'preferences' | 'run'>) {}

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.db.run(async () => {
      const doc = await this.db.preferences.findOne({ _id: preferencesId(tenantId, customerId) });
      return doc ? documentToPreferences(doc) : null;
    });
  }

  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    return this.db.run(async () => {
      const fields = { tenant_id: tenantId, customer_id: customerId, ...documentToPreferences(preferences) };
      const _id = preferencesId(tenantId, customerId);
      await replaceOrCreate((upsert) => this.db.preferences.replaceOne({ _id }, fields, { upsert }));
    });
  }
}
