
/**
 * Signing in to the portal by a code sent to an address (API.md "Customer portal"): which of the customers holding
 * the address a code signs in, and the language its message is in.
 */

/** One place a customer holds an address (on an order's customer record, or in its preferences). */
export interface Holding {
  customer_id: string;
  /** Null: the customer's preferences. */
  order_id: string | null;
  /** When the customer's latest order was placed; null: it has none. */
  last_order_at: string | null;
}

/** A customer holding an address, with where it holds it. */
export interface Holder {
  customerId: string;
  /** The orders whose customer record holds the address. */
  orderIds: string[];
  /** Whether its preferences hold the address. */
  preferences: boolean;
}

/**
 * The customers holding an address, in the order a sign-in considers them: when several customers of a tenant share
 * an address, the one whose latest order is newest first; customers without an order after all those with one; ties
 * by customer id, so every node picks the same one.
 */
export function rankHolders(holdings: readonly Holding[]): Holder[] {
  const byCustomer = new Map<string, Holder & { lastOrderAt: string | null }>();
  for (const holding of holdings) {
    let holder = byCustomer.get(holding.customer_id);
    if (!holder) {
      holder = { customerId: holding.customer_id, orderIds: [], preferences: false, lastOrderAt: holding.last_order_at };
      byCustomer.set(holding.customer_id, holder);
    }
    if (holding.order_id === null) holder.preferences = true;
    else holder.orderIds.push(holding.order_id);
  }
  return [...byCustomer.values()]
    .sort((a, b) => compareLatest(a.lastOrderAt, b.lastOrderAt) || (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
    .map(({ customerId, orderIds, preferences }) => ({ customerId, orderIds, preferences }));
}

/** Newer first, none last (ISO UTC strings order as their instants). */
function compareLatest(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a > b ? -1 : 1;
}
