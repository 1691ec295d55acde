import type { Money } from './order';

/** Digits after the decimal point in a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // an unknown code: assume cents, as most currencies have
  }
}

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
};
