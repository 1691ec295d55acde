import { addressesOf, PREFERENCES_SCOPE, type ContactAddress } from '../domain/contact';
import type { ContactBook } from '../store/contacts/port';
import type { PreferenceBook, Preferences } from '../store/preferences/port';

/**
 * A customer's choice of alert channels and where to reach them, as it is set. `push` and `locale` came after the
 * rest: left out, they keep what is stored (push on, no language, for a customer who never set them), so a client
 * that does not know them does not reset them.
 */
export type PreferenceInput = Pick<Preferences, 'email' | 'sms'> & {
  email_address?: string;
  phone?: string;
  push?: boolean;
  locale?: Preferences['locale'];
};

/** Who sets the preferences: the business (or its staff), whose addresses are trusted, or the customer itself. */
export type PreferenceSetter = 'business' | 'customer';

export interface PreferenceServiceOptions {
  store: {
    preferences: Pick<PreferenceBook, 'getPreferences' | 'putPreferences'>;
    contacts: Pick<ContactBook, 'contactStanding' | 'putSelfSet'>;
  };
  /** @default the system clock */
  now?: () => Date;
}

/**
 * Customers' alert preferences (the alert processor reads them when it picks channels). An address the customer sets
 * itself is recorded as its own choice, which alerts use only once it is confirmed (API.md "Customer portal"); one the
 * business sets is used as it is.
 */
export class PreferenceService {
  private readonly now: () => Date;

  constructor(private readonly options: PreferenceServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /** A customer's preferences as stored; null when none were ever set (alerts then go by each order's `notify`). */
  get(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.options.store.preferences.getPreferences(tenantId, customerId);
  }

  /**
   * Replaces a customer's preferences; an address left out is cleared, `push` and `locale` left out stay as they were.
   * Resolves with what was stored.
   */
  async set(tenantId: string, customerId: string, input: PreferenceInput, setBy: PreferenceSetter = 'business'): Promise<Preferences> {
    const { store } = this.options;
    const kept = input.push === undefined || input.locale === undefined ? await store.preferences.getPreferences(tenantId, customerId) : null;
    const preferences: Preferences = {
      email: input.email,
      sms: input.sms,
      push: input.push ?? kept?.push ?? true,
      email_address: input.email_address ?? null,
      phone: input.phone ?? null,
      locale: input.locale !== undefined ? input.locale : (kept?.locale ?? null),
      updated_at: this.now().toISOString(),
    };
    if (setBy === 'business') {
      // Stored before the customer's own marks go: an address is never unmarked while a customer's choice holds it.
      await store.preferences.putPreferences(tenantId, customerId, preferences);
      await store.contacts.putSelfSet(tenantId, customerId, PREFERENCES_SCOPE, []);
      return preferences;
    }
    const [current, standing] = await Promise.all([
      store.preferences.getPreferences(tenantId, customerId),
      store.contacts.contactStanding(tenantId, customerId, null),
    ]);
    const trusted = current ? addressesOf({ email: current.email_address, phone: current.phone }) : [];
    const ownBefore = (entry: ContactAddress) => standing.preferences.some((own) => own.kind === entry.kind && own.address === entry.address);
    // The customer sending back an address the business set (and it did not) keeps it as trusted as it was.
    const own = addressesOf({ email: preferences.email_address, phone: preferences.phone }).filter(
      (entry) => ownBefore(entry) || !trusted.some((t) => t.kind === entry.kind && t.address === entry.address),
    );
    // Marked with the earlier marks first, so neither the old nor the new address is ever unmarked while stored.
    await store.contacts.putSelfSet(tenantId, customerId, PREFERENCES_SCOPE, [...standing.preferences, ...own]);
    await store.preferences.putPreferences(tenantId, customerId, preferences);
    await store.contacts.putSelfSet(tenantId, customerId, PREFERENCES_SCOPE, own);
    return preferences;
  }
}
