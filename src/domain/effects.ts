import { NOTIFYING_STATUSES, type OrderStatus } from './status';

/** A side effect an applied event owes, kept in the store's outbox with the event until it is done. */
export type EffectKind = 'alert' | 'loyalty';

/**
 * The loyalty fact an applied status books: points accrue once an order is delivered and are taken back when it
 * is returned (API.md "Loyalty"). Whether a return has anything to take back is for the ledger to find out.
 */
export function loyaltyFactOf(status: OrderStatus): 'accrual' | 'reversal' | null {
  if (status === 'delivered') return 'accrual';
  if (status === 'returned') return 'reversal';
  return null;
}

/** Whether an applied status owes a loyalty booking. */
export function owesLoyalty(status: OrderStatus): boolean {
  return loyaltyFactOf(status) !== null;
}

/** Effects an applied status owes, recorded atomically with its event: an alert, a loyalty booking. */
export function effectsOf(status: OrderStatus): EffectKind[] {
  const effects: EffectKind[] = [];
  if (NOTIFYING_STATUSES.has(status)) effects.push('alert');
  if (owesLoyalty(status)) effects.push('loyalty');
  return effects;
}
