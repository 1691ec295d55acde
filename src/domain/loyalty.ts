import type { Money } from './order';

/** Digits after the decimal point in a currency's minor unit (USD 2, JPY 0, KWD 3). */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2; // an unknown code: assume cents, as most currencies have
  }
}

/**
 * Points earned by a delivered order: floor(whole currency units × the tenant's rate). No amount, no points.
 * Whole units are counted exactly (integer division of minor units), so 129.00 HKD at rate 1 is 129 points.
 */
export function accrualPoints(amount: Money | null, pointsPerUnit: number): number {
  if (!amount || amount.value <= 0 || pointsPerUnit <= 0) return 0;
  const unit = 10 ** minorDigits(amount.currency);
  return Math.floor((amount.value * pointsPerUnit) / unit);
}

/** Uniqueness keys of ledger facts: one accrual and one reversal per order, one redemption per event id. */
export const ledgerKeys = {
  accrual: (orderId: string) => `accrual:${orderId}`,
  reversal: (orderId: string) => `reversal:${orderId}`,
  redemption: (eventId: string) => `redemption:${eventId}`,
};
