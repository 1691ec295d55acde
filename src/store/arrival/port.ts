/**
 * What API.md "Arrival" keeps on an order beside its event log: the live ETA (like `last_location`, written in
 * coalesced batches and never a new event or version) and the once-only arriving claim.
 */
export interface ArrivalLog {
  /**
   * Marks the order arriving at `at` unless it already is or is no longer `out_for_delivery`, and in the same
   * write owes its `arriving` alert in the outbox (kind `arriving`, keyed by the order's version), so a crash
   * between the claim and the queue loses nothing. Of any number of concurrent claims, on any nodes, one wins.
   */
  claimArrival(orderId: string, at: string): Promise<ArrivalClaim>;
  /** Stores orders' ETAs; several updates are written together. */
  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void>;
}

export type ArrivalClaim =
  /** `seq`: the order's version at the claim, which keys its alert. */
  | { claimed: true; seq: number; tenantId: string }
  /** Claimed before (here or on another node), or the order is not out for delivery (or unknown). */
  | { claimed: false };
