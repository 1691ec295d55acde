import { normalAddress, type ContactKind } from '../../domain/contact';
import type { MongoContext } from '../mongo/context';
import { escapeRegex } from '../search/mongo';
import type { AddressHolding, CustomerDirectory } from './port';

type Db = Pick<MongoContext, 'orders' | 'preferences' | 'run'>;

/**
 * Customers by address on MongoDB: orders through their search terms (an email or phone is a term, in lower case,
 * on the multikey `orders_by_terms`), checked against the order's own customer record; preferences through their
 * address indexes (an email in any letter case: an anchored regex over the tenant's range of the index).
 */
export class MongoCustomerDirectory implements CustomerDirectory {
  constructor(private readonly db: Db) {}

  addressHolders(tenantId: string, kind: ContactKind, address: string, limit: number): Promise<AddressHolding[]> {
    return this.db.run(async () => {
      const field = kind === 'email' ? 'email' : 'phone';
      const orders = await this.db.orders
        .find<{ _id: string; customer_id: string; customer: { email?: string; phone?: string } }>(
          { tenant_id: tenantId, terms: address },
          { projection: { customer_id: 1, 'customer.email': 1, 'customer.phone': 1 } },
        )
        .sort({ created_at: -1, _id: -1 })
        .limit(limit)
        .toArray();
      const preferences = await this.db.preferences
        .find<{ customer_id: string; email_address: string | null; phone: string | null }>(
          kind === 'email'
            ? { tenant_id: tenantId, email_address: { $regex: `^${escapeRegex(address)}$`, $options: 'i' } }
            : { tenant_id: tenantId, phone: address },
          { projection: { customer_id: 1, email_address: 1, phone: 1 } },
        )
        .limit(limit)
        .toArray();
      const holds = (value: string | null | undefined) => typeof value === 'string' && normalAddress(kind, value) === address;
      const places = [
        ...orders.filter((order) => holds(order.customer[field])).map((order) => ({ customer_id: order.customer_id, order_id: order._id })),
        ...preferences
          .filter((entry) => holds(kind === 'email' ? entry.email_address : entry.phone))
          .map((entry) => ({ customer_id: entry.customer_id, order_id: null })),
      ];
      const latest = new Map<string, string | null>();
      for (const customerId of new Set(places.map((place) => place.customer_id))) {
        const [order] = await this.db.orders
          .find<{ created_at: string }>({ tenant_id: tenantId, customer_id: customerId }, { projection: { created_at: 1 } })
          .sort({ created_at: -1, _id: -1 })
          .limit(1)
          .toArray();
        latest.set(customerId, order?.created_at ?? null);
      }
      return places.map((place) => ({ ...place, last_order_at: latest.get(place.customer_id) ?? null }));
    });
  }
}
