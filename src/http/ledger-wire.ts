import type { LedgerEntry } from '../domain/loyalty';

/**
 * A loyalty ledger entry as the API shows it (`GET /v1/customers/:id/loyalty`, a redemption's answer, the customer
 * export): empty fields left out.
 */
export function ledgerWire(entry: LedgerEntry) {
  return {
    id: entry.id,
    delta: entry.delta,
    reason: entry.reason,
    ...(entry.order_id ? { order_id: entry.order_id } : {}),
    ...(entry.kind ? { kind: entry.kind } : {}),
    ...(entry.shortfall ? { shortfall: entry.shortfall } : {}),
    at: entry.at,
  };
}
