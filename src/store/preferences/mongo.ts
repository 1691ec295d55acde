import type { Run } from '../mongo/connection';
import type { MongoCollection } from '../mongo/database';
import { documentToPreferences, preferencesId, type PreferencesDocument } from '../mongo/documents';
import { replaceOrCreate } from '../mongo/replace-or-create';
import type { PreferenceBook, Preferences } from './port';

export interface MongoPreferenceBookOptions {
  /** One document per customer (`preferencesId`). */
  preferences: MongoCollection<PreferencesDocument>;
  run: Run;
}

/** Customers' notification preferences on MongoDB: one document each, replaced whole. */
export class MongoPreferenceBook implements PreferenceBook {
  private readonly preferences: MongoCollection<PreferencesDocument>;
  private readonly run: Run;

  constructor(options: MongoPreferenceBookOptions) {
    this.preferences = options.preferences;
    this.run = options.run;
  }

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.run(async () => {
      const doc = await this.preferences.findOne({ _id: preferencesId(tenantId, customerId) });
      return doc ? documentToPreferences(doc) : null;
    });
  }

  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    return this.run(async () => {
      const fields = { tenant_id: tenantId, customer_id: customerId, ...documentToPreferences(preferences) };
      const _id = preferencesId(tenantId, customerId);
      await replaceOrCreate((upsert) => this.preferences.replaceOne({ _id }, fields, { upsert }));
    });
  }
}
