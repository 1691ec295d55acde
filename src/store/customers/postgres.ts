import type { ContactKind } from '../../domain/contact';
import type { PostgresContext } from '../postgres/context';
import type { AddressHolding, CustomerDirectory } from './port';

/** The holdings of an address, given how an order's record and the preferences' column compare with it ($2). */
function holdersQuery(orderMatch: string, preferencesMatch: string): string {
  return `
    SELECT h.customer_id, h.order_id,
      (SELECT max(created_at) FROM orders WHERE tenant_id = $1 AND customer_id = h.customer_id) AS last_order_at
    FROM (
      (SELECT o.customer_id, o.id AS order_id FROM order_terms t JOIN orders o ON o.id = t.order_id
       WHERE t.tenant_id = $1 AND t.term = $2 AND o.tenant_id = $1 AND ${orderMatch}
       ORDER BY o.created_at DESC, o.id DESC LIMIT $3)
      UNION ALL
      (SELECT customer_id, NULL FROM preferences WHERE tenant_id = $1 AND ${preferencesMatch} LIMIT $3)
    ) AS h`;
}

// Emails are validated as ASCII addresses, so lower() folds them as the domain's normal form does.
const BY_EMAIL = holdersQuery("lower(o.doc->'customer'->>'email') = $2", 'lower(email_address) = $2');
const BY_PHONE = holdersQuery("o.doc->'customer'->>'phone' = $2", 'phone = $2');

/**
 * Customers by address on PostgreSQL: orders through their search terms (an email or phone is a term, in lower
 * case), checked against the order's own customer record; preferences through their address indexes.
 */
export class PostgresCustomerDirectory implements CustomerDirectory {
  constructor(private readonly db: PostgresContext) {}

  async addressHolders(tenantId: string, kind: ContactKind, address: string, limit: number): Promise<AddressHolding[]> {
    const { rows } = await this.db.query<AddressHolding>(kind === 'email' ? BY_EMAIL : BY_PHONE, [tenantId, address, limit]);
    return rows;
  }
}
