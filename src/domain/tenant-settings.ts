import type { Locale } from './locale';
import type { ProofPart } from './proof';

export { LOCALES, type Locale } from './locale';

/**
 * A tenant's portal address (API.md "Customer portal": `/portal/<slug>/`). Tenant ids (`ten_…`) hold an underscore,
 * so a slug can never be another tenant's id, which is every tenant's slug until it sets one.
 */
export const SLUG_PATTERN = /^[a-z0-9-]{3,40}$/;

/**
 * A tenant's own settings (API.md "Privacy", "Arrival", "Tracking links"): how long personal data of finished orders
 * is kept, how near the destination a courier is "arriving", the hours when email and SMS alerts wait, and how long a
 * tracking link outlives its order's course.
 */
export interface TenantSettings {
  /** Personal data of orders terminal for longer than this many days is erased; null: kept. */
  retention_days: number | null;
  /** A courier this close (metres) to the destination is arriving: the customer gets one `arriving` alert. */
  arrival_radius_m: number;
  /** Email and SMS alerts due between `start` and `end` (local times in `time_zone`) wait for `end`; null: none. */
  quiet_hours: QuietHours | null;
  /** A tracking link stops working this many days (1-365) after its order became terminal. */
  tracking_link_days: number;
  /** What a delivery's proof must hold (API.md "Proof of delivery"); empty: nothing. */
  proof_required: ProofPart[];
  /** The language of alerts and pages when the customer's own is not known (API.md "Languages"). */
  default_locale: Locale;
  /** The tenant's portal address ({@link SLUG_PATTERN}), unique across tenants; null: not set (the tenant's id serves). */
  slug: string | null;
  /**
   * What loyalty points are earned on (API.md "Payments"): the order's `amount`, or what was `paid` less refunds when
   * it is delivered (a refund after delivery then takes its share back).
   */
  loyalty_basis: LoyaltyBasis;
}

export const LOYALTY_BASES = ['amount', 'paid'] as const;
export type LoyaltyBasis = (typeof LOYALTY_BASES)[number];

export interface QuietHours {
  /** `HH:MM`, 24-hour, local to `time_zone`. */
  start: string;
  end: string;
  /** An IANA time zone, e.g. `Asia/Hong_Kong`. */
  time_zone: string;
}

/** What a tenant has until it says otherwise. */
export const DEFAULT_TENANT_SETTINGS: TenantSettings = {
  retention_days: null,
  arrival_radius_m: 300,
  quiet_hours: null,
  // A month covers a late question about the delivery or a return, without a share link living on for good.
  tracking_link_days: 30,
  proof_required: [],
  default_locale: 'en',
  slug: null,
  loyalty_basis: 'amount',
};

/** The settings after a change: fields present in `change` replace the current ones, the others stay. */
export function changeSettings(current: TenantSettings, change: Partial<TenantSettings>): TenantSettings {
  return {
    retention_days: change.retention_days !== undefined ? change.retention_days : current.retention_days,
    arrival_radius_m: change.arrival_radius_m ?? current.arrival_radius_m,
    quiet_hours: change.quiet_hours !== undefined ? change.quiet_hours : current.quiet_hours,
    tracking_link_days: change.tracking_link_days ?? current.tracking_link_days,
    proof_required: change.proof_required ?? current.proof_required,
    default_locale: change.default_locale ?? current.default_locale,
    slug: change.slug !== undefined ? change.slug : current.slug,
    loyalty_basis: change.loyalty_basis ?? current.loyalty_basis,
  };
}

/** Stored settings read back: anything a stored document lacks (written before a setting existed) is the default. */
export function withDefaults(stored: Partial<TenantSettings> | null | undefined): TenantSettings {
  return changeSettings(DEFAULT_TENANT_SETTINGS, stored ?? {});
}
