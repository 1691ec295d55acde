import type { Locale } from '../../domain/tenant-settings';

/** Customers' alert preferences, per tenant. */
export interface PreferenceBook {
  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null>;
  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void>;
}

export interface Preferences {
  email: boolean;
  sms: boolean;
  /** Alerts as Web Push notifications on the customer's subscribed devices (records written before it existed: true). */
  push: boolean;
  email_address: string | null;
  phone: string | null;
  /** The language of the customer's alerts and pages; null: not chosen (the order's, then the tenant's default). */
  locale: Locale | null;
  updated_at: string;
}
