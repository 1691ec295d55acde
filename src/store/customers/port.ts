import type { ContactKind } from '../../domain/contact';

/**
 * Who a tenant's customers are by their addresses (API.md "Customer portal": a customer signs in with an email or
 * phone it has on one of its orders or in its preferences). Reads the orders and the preferences; writes nothing.
 */
export interface CustomerDirectory {
  /**
   * Where the tenant's customers hold `address` (normalised, as `normalAddress` gives it; emails compare in any letter
   * case), in no particular order: the newest `limit` orders whose customer record has it, and up to `limit`
   * customers whose preferences have it. Each place comes with when its customer's latest order (any) was placed.
   */
  addressHolders(tenantId: string, kind: ContactKind, address: string, limit: number): Promise<AddressHolding[]>;
}

/** One place a customer holds an address. */
export interface AddressHolding {
  customer_id: string;
  /** The order whose customer record holds it; null: the customer's preferences. */
  order_id: string | null;
  /** When the customer's latest order was placed; null: it has none. */
  last_order_at: string | null;
}
