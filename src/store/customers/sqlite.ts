import type { Database } from 'better-sqlite3';
import type { ContactKind } from '../../domain/contact';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { AddressHolding, CustomerDirectory } from './port';

/**
 * Customers by address in the embedded store: orders through their search terms (an email or phone is a term, in
 * lower case), checked against the order's own customer record; preferences through their address indexes.
 */
export class SqliteCustomerDirectory implements CustomerDirectory {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  addressHolders(tenantId: string, kind: ContactKind, address: string, limit: number): Promise<AddressHolding[]> {
    return this.context.read(() => {
      const stmt = this.stmt();
      return (kind === 'email' ? stmt.byEmail : stmt.byPhone).all({ tenant_id: tenantId, address, limit }) as AddressHolding[];
    });
  }
}

/**
 * The holdings of an address, given how an order's record and the preferences' column compare with it. The orders are
 * reached from the address's terms (CROSS JOIN keeps that order: by the sort alone the planner would walk the tenant's
 * orders newest first and look each one's terms up).
 */
function holdersQuery(orderMatch: string, preferencesMatch: string): string {
  return `
    SELECT h.customer_id, h.order_id,
      (SELECT created_at FROM orders INDEXED BY orders_by_customer WHERE tenant_id = @tenant_id AND customer_id = h.customer_id
       ORDER BY created_at DESC, id DESC LIMIT 1) AS last_order_at
    FROM (
      SELECT * FROM (
        SELECT o.customer_id, o.id AS order_id FROM order_terms t CROSS JOIN orders o ON o.id = t.order_id
        WHERE t.tenant_id = @tenant_id AND t.term = @address AND o.tenant_id = @tenant_id AND ${orderMatch}
        ORDER BY o.created_at DESC, o.id DESC LIMIT @limit)
      UNION ALL
      SELECT * FROM (
        SELECT customer_id, NULL AS order_id FROM preferences WHERE tenant_id = @tenant_id AND ${preferencesMatch} LIMIT @limit)
    ) AS h`;
}

function prepare(db: Database) {
  return {
    // Emails are validated as ASCII addresses, so lower() folds them as the domain's normal form does.
    byEmail: db.prepare(holdersQuery("lower(json_extract(o.doc, '$.customer.email')) = @address", 'lower(email_address) = @address')),
    byPhone: db.prepare(holdersQuery("json_extract(o.doc, '$.customer.phone') = @address", 'phone = @address')),
  };
}
