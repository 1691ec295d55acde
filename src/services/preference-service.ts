import type { PreferenceBook, Preferences } from '../store/preferences/port';

/** A customer's choice of alert channels and where to reach them, as it is set. */
export type PreferenceInput = Pick<Preferences, 'email' | 'sms'> & { email_address?: string; phone?: string };

export interface PreferenceServiceOptions {
  store: { preferences: Pick<PreferenceBook, 'putPreferences'> };
  /** @default the system clock */
  now?: () => Date;
}

/** Customers' alert preferences (the alert processor reads them when it picks channels). */
export class PreferenceService {
  private readonly now: () => Date;

  constructor(private readonly options: PreferenceServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** Replaces a customer's preferences; an address left out is cleared. Resolves with what was stored. */
  async set(tenantId: string, customerId: string, input: PreferenceInput): Promise<Preferences> {
    const preferences: Preferences = {
      email: input.email,
      sms: input.sms,
      email_address: input.email_address ?? null,
      phone: input.phone ?? null,
      updated_at: this.now().toISOString(),
    };
    await this.options.store.preferences.putPreferences(tenantId, customerId, preferences);
    return preferences;
  }
}
