import { keptIn } from '../kept';
import type { Money } from './order';

/** Digits after the decimal point in a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  // Codes are three letters (checked at the edge): a few hundred at most, each asked on every accrual and message.
  return keptIn(MINOR_DIGITS, currency, 1000, () => {
    try {
      return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      return 2; // an unknown code: assume cents, as most currencies have
    }
  });
}

const MINOR_DIGITS = new Map<string, number>();

// Rates are kept to six decimals; the product is computed in integers so 100 × 1.13 is 113, not 112.99….
const RATE_SCALE = 1_000_000n;

/**
 * Points earned by a delivered order: floor(whole currency units × the tenant's rate). No amount, no points.
 * Whole units first (129.50 HKD is 129 units), then the rate, in exact integer arithmetic.
 */
export function accrualPoints(amount: Money | null, pointsPerUnit: number): number {
  if (!amount || amount.value <= 0 || pointsPerUnit <= 0) return 0;
  const wholeUnits = BigInt(Math.floor(amount.value / 10 ** minorDigits(amount.currency)));
  const rate = BigInt(Math.round(pointsPerUnit * Number(RATE_SCALE)));
  return Number((wholeUnits * rate) / RATE_SCALE);
}

/** Uniqueness keys of ledger facts: one accrual and one reversal per order, one redemption per event id. */
export const ledgerKeys = {
  accrual: (orderId: string) => `accrual:${orderId}`,
  reversal: (orderId: string) => `reversal:${orderId}`,
  redemption: (eventId: string) => `redemption:${eventId}`,
  /** A refund after delivery taking its share back (`loyalty_basis: paid`): one per total refunded, which only grows. */
  refund: (orderId: string, refundedTotal: number) => `refund:${orderId}:${refundedTotal}`,
};

/** Whether an entry is a refund's share taken back from the order's accrual. */
export function isRefundShare(entry: LedgerEntry, orderId: string): boolean {
  return entry.unique_key.startsWith(`refund:${orderId}:`);
}

/** The points a reversal entry asked to take (what it took and what the balance could not cover). */
export function pointsAsked(entry: LedgerEntry): number {
  return -entry.delta + entry.shortfall;
}

export type LedgerReason = 'accrual' | 'reversal' | 'redemption';

/** One booked loyalty fact. The ledger is the truth; a customer's balance is the sum of its entries' deltas. */
export interface LedgerEntry {
  id: string;
  tenant_id: string;
  customer_id: string;
  unique_key: string;
  /** Signed: accruals add, reversals and redemptions take. */
  delta: number;
  reason: LedgerReason;
  order_id: string | null;
  /** Redemptions: `discount` or `charity`. */
  kind: string | null;
  /** Reversals: points that could not be taken back because the balance was too low. */
  shortfall: number;
  /** Redemptions: hash of the request, so a replay with another body is told apart. */
  request_hash: string | null;
  at: string;
}

/** A loyalty fact to book, as its use case asks for it. */
export interface LedgerBooking {
  id: string;
  tenantId: string;
  customerId: string;
  uniqueKey: string;
  reason: LedgerReason;
  /** Positive: the points to add (accrual) or take (reversal, redemption). */
  points: number;
  orderId: string | null;
  kind: string | null;
  requestHash: string | null;
  at: string;
}

/** What a customer's account holds when a booking is decided: read in the same transaction that writes it. */
export interface AccountState {
  balance: number;
  /** The entry already booked under the booking's unique key, if any. */
  existing: LedgerEntry | null;
}

/**
 * What to do with a booking: `book` writes `entry` and sets the balance to `balance`; the others write nothing.
 */
export type BookingDecision =
  | { kind: 'book'; entry: LedgerEntry; balance: number }
  /** The fact was booked before (same unique key): the first booking stands. */
  | { kind: 'duplicate'; entry: LedgerEntry; balance: number }
  /** A redemption the balance does not cover. */
  | { kind: 'insufficient'; balance: number };

/**
 * Decides a booking against the account as it is: a repeat of a unique key returns the first booking; a
 * redemption never takes the balance below zero (refused instead); a reversal takes what it can and records the
 * rest as its shortfall; an accrual adds its points.
 */
export function decideBooking(account: AccountState, booking: LedgerBooking): BookingDecision {
  const { balance, existing } = account;
  if (existing) return { kind: 'duplicate', entry: existing, balance };
  let delta = booking.points;
  let shortfall = 0;
  if (booking.reason === 'redemption') {
    if (booking.points > balance) return { kind: 'insufficient', balance };
    delta = -booking.points;
  } else if (booking.reason === 'reversal') {
    const taken = Math.min(booking.points, balance);
    shortfall = booking.points - taken;
    delta = taken > 0 ? -taken : 0; // 0, not -0: the entry says what the store will read back
  }
  const entry: LedgerEntry = {
    id: booking.id,
    tenant_id: booking.tenantId,
    customer_id: booking.customerId,
    unique_key: booking.uniqueKey,
    delta,
    reason: booking.reason,
    order_id: booking.orderId,
    kind: booking.kind,
    shortfall,
    request_hash: booking.requestHash,
    at: booking.at,
  };
  return { kind: 'book', entry, balance: balance + delta };
}
