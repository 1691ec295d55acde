import type { LedgerBooking, LedgerEntry } from '../../domain/loyalty';

export type { LedgerBooking, LedgerEntry, LedgerReason } from '../../domain/loyalty';

/**
 * Customers' points: the ledger of booked facts (each unique per customer and key) and the balance kept beside it.
 * What a booking does is decided by `decideBooking` (domain/loyalty.ts); the adapter reads the account, asks it
 * and writes the answer, atomically with the balance.
 */
export interface LoyaltyLedger {
  /**
   * Books a loyalty fact once, as `decideBooking` decides against the balance and the entry already under the
   * booking's key, both read in the same transaction as the write.
   */
  bookLedger(booking: LedgerBooking): Promise<LedgerResult>;
  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null>;
  /** The balance and the entries, oldest first, from one snapshot. */
  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount>;
  /** Recomputes the kept balance from the ledger and returns it. */
  rebuildBalance(tenantId: string, customerId: string): Promise<number>;
}

/** A customer's points account as read. */
export interface LoyaltyAccount {
  balance: number;
  entries: LedgerEntry[];
}

export type LedgerResult =
  | { kind: 'booked'; entry: LedgerEntry; balance: number }
  | { kind: 'duplicate'; entry: LedgerEntry; balance: number }
  | { kind: 'insufficient'; balance: number };
