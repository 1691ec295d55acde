import type { Order, OrderEvent } from '../../domain/order';
import type { PrivacyAuditEntry } from '../../domain/privacy';
import type { Delivery } from '../deliveries/port';
import type { OrderCursor } from '../search/port';

export type { PrivacyAction, PrivacyAuditEntry } from '../../domain/privacy';

/**
 * Customers' personal data as a whole (API.md "Privacy"): reading everything held about a customer a page at a time,
 * erasing it in bounded batches (each one short write, so no batch holds the store for long), and the audit trail of
 * both. What an erased order keeps is decided by `erasedOrder` / `erasedEvent` / `erasedWebhookBody`
 * (domain/privacy.ts); an adapter applies it to every place it keeps a copy: the order, its events, its search terms,
 * its delivery log and its webhook messages and attempts. The pictures of its proof of delivery (attachments) are
 * deleted, bytes and all, so that an order is never erased while they remain: in the same write, or before it where
 * there is no transaction (a later run skips orders already erased, so nothing would take them afterwards).
 */
export interface PrivacyRecords {
  /** One page of the customer's orders, newest first, each with its history (every recorded event, oldest first). */
  customerOrdersPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerOrdersPage>;
  /** The delivery logs of one page of the customer's orders (the same pages as {@link customerOrdersPage}). */
  customerDeliveriesPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerDeliveriesPage>;
  /** Whether the tenant holds anything of the customer: an order, preferences or a loyalty entry. */
  customerKnown(tenantId: string, customerId: string): Promise<boolean>;
  /**
   * Erases the personal data of up to `limit` of the customer's orders not erased yet, in one write, the pictures of
   * their proofs with them, and resolves with their ids (fewer than `limit`: nothing is left). Each erased order's
   * revision moves on, so a node holding it in memory reloads it before its next write.
   */
  eraseCustomerOrders(tenantId: string, customerId: string, at: string, limit: number): Promise<string[]>;
  /** Forgets the customer's preferences (addresses and phone included); false when there were none. */
  erasePreferences(tenantId: string, customerId: string): Promise<boolean>;
  /**
   * Erases up to `limit` of the tenant's orders that are terminal (`TERMINAL_STATUSES`) since before `terminalBefore`
   * and not erased yet, as {@link eraseCustomerOrders} does; two nodes sweeping at once erase different orders.
   */
  eraseExpiredOrders(tenantId: string, terminalBefore: string, at: string, limit: number): Promise<string[]>;
  /** The tenants with a retention set (`retention_days` not null). */
  retentionTenants(): Promise<Array<{ tenantId: string; retentionDays: number }>>;
  /**
   * Makes what erasures overwrote unreadable from the store's files as well (an embedded store's write-ahead log and
   * free pages); a no-op where the server keeps its own files.
   */
  purgeErased(): Promise<void>;
  recordPrivacyAudit(entry: PrivacyAuditEntry): Promise<void>;
  /** The tenant's audit trail, newest first, one page at a time. */
  listPrivacyAudit(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage>;
}

export type ExportedCustomerOrder = Order & { history: OrderEvent[] };

export interface CustomerOrdersPage {
  orders: ExportedCustomerOrder[];
  next: OrderCursor | null;
}

export interface CustomerDeliveriesPage {
  deliveries: Delivery[];
  next: OrderCursor | null;
}

export interface PrivacyAuditCursor {
  at: string;
  id: string;
}

export interface PrivacyAuditPage {
  items: PrivacyAuditEntry[];
  next: PrivacyAuditCursor | null;
}
