/** Customers' alert preferences, per tenant. */
export interface PreferenceBook {
  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null>;
  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void>;
}

export interface Preferences {
  email: boolean;
  sms: boolean;
  email_address: string | null;
  phone: string | null;
  updated_at: string;
}
