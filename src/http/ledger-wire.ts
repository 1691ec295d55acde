import type { LedgerEntry } from '../domain/loyalty';
import { redemptionKind } from './schemas';

/**
 * A loyalty ledger entry as the API shows it (`GET /v1/customers/:id/loyalty`, a redemption's answer, the customer
 * export): empty fields left out.
 */
export function ledgerWire(entry: LedgerEntry) {
  // Only a redemption has a kind, and it was one of these when it was booked.
  const kind = redemptionKind.safeParse(entry.kind);
  return {
    id: entry.id,
    delta: entry.delta,
    reason: entry.reason,
    ...(entry.order_id ? { order_id: entry.order_id } : {}),
    ...(kind.success ? { kind: kind.data } : {}),
    ...(entry.shortfall ? { shortfall: entry.shortfall } : {}),
    at: entry.at,
  };
}
