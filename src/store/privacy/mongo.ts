import type { Filter } from 'mongodb';
import { eventFrom } from '../../domain/order';
import { erasedEvent, erasedOrder, erasedWebhookBody, type PrivacyAuditEntry } from '../../domain/privacy';
import { TERMINAL_STATUSES } from '../../domain/status';
import type { MongoContext } from '../mongo/context';
import type { OrderCursor } from '../search/port';
import { searchOrders } from '../search/mongo';
import { searchTerms } from '../search-terms';
import type { CustomerDeliveriesPage, CustomerOrdersPage, PrivacyAuditCursor, PrivacyAuditPage, PrivacyRecords } from './port';
import {
  accountId,
  documentToDelivery,
  documentToOrder,
  preferencesId,
  type OrderDocument,
  type PrivacyAuditDocument,
} from '../mongo/documents';

/** The collections that hold a customer's personal data (or whether there is any). */
type HoldingPersonalData = 'tenants' | 'orders' | 'deliveries' | 'preferences' | 'accounts' | 'webhookMessages' | 'attachments';

// An order whose revision moved between its read and its erasure (a commit came first) is read again this many times.
const ERASE_ATTEMPTS = 5;

/**
 * Privacy on MongoDB. An order, its event log and its search terms are one document, so erasing them is one update,
 * guarded by the order's revision like every commit (and moving it on, so actors holding the order reload it). The
 * pictures of the orders' proofs are deleted before (no transaction spans both: a crash in between leaves orders not
 * erased yet, which the next run takes again, and deleting pictures already gone is harmless), the delivery log and
 * the webhook messages (with their attempts embedded) are updated by order id afterwards.
 */
export class MongoPrivacyRecords implements PrivacyRecords {
  constructor(private readonly db: Pick<MongoContext, HoldingPersonalData | 'privacyAudit' | 'run'>) {}

  customerOrdersPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerOrdersPage> {
    return this.db.run(async () => {
      const page = await searchOrders(this.db.orders, tenantId, { customerId, limit, after: after ?? undefined });
      const logs = await this.db.orders
        .find<Pick<OrderDocument, '_id' | 'events'>>({ _id: { $in: page.items.map((order) => order.id) } }, { projection: { events: 1 } })
        .toArray();
      const byOrder = new Map(logs.map((doc) => [doc._id, doc.events]));
      return {
        orders: page.items.map((order) => ({ ...order, history: byOccurrence(byOrder.get(order.id) ?? []).map(eventFrom) })),
        next: page.next,
      };
    });
  }

  customerDeliveriesPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerDeliveriesPage> {
    return this.db.run(async () => {
      const page = await searchOrders(this.db.orders, tenantId, { customerId, limit, after: after ?? undefined });
      const docs = await this.db.deliveries
        .find({ order_id: { $in: page.items.map((order) => order.id) } }, { sort: { order_id: 1, at: 1, seq: 1, channel: 1 } })
        .toArray();
      const rank = new Map(page.items.map((order, index) => [order.id, index]));
      docs.sort((a, b) => rank.get(a.order_id)! - rank.get(b.order_id)!);
      return { deliveries: docs.map(documentToDelivery), next: page.next };
    });
  }

  customerKnown(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.run(async () => {
      const [order, preferences, account] = await Promise.all([
        this.db.orders.findOne({ tenant_id: tenantId, customer_id: customerId }, { projection: { _id: 1 } }),
        this.db.preferences.findOne({ _id: preferencesId(tenantId, customerId) }, { projection: { _id: 1 } }),
        this.db.accounts.findOne({ _id: accountId(tenantId, customerId) }, { projection: { _id: 1 } }),
      ]);
      return order !== null || preferences !== null || account !== null;
    });
  }

  eraseCustomerOrders(tenantId: string, customerId: string, at: string, limit: number): Promise<string[]> {
    return this.db.run(() => this.erase({ tenant_id: tenantId, customer_id: customerId, erased_at: { $exists: false } }, at, limit));
  }

  erasePreferences(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.run(async () => (await this.db.preferences.deleteOne({ _id: preferencesId(tenantId, customerId) })).deletedCount > 0);
  }

  eraseExpiredOrders(tenantId: string, terminalBefore: string, at: string, limit: number): Promise<string[]> {
    return this.db.run(() =>
      this.erase(
        { tenant_id: tenantId, erased_at: { $exists: false }, status: { $in: [...TERMINAL_STATUSES] }, updated_at: { $lt: terminalBefore } },
        at,
        limit,
      ),
    );
  }

  retentionTenants(): Promise<Array<{ tenantId: string; retentionDays: number }>> {
    return this.db.run(async () => {
      const docs = await this.db.tenants
        .find({ 'settings.retention_days': { $type: 'number' } }, { projection: { 'settings.retention_days': 1 } })
        .toArray();
      return docs.map((doc) => ({ tenantId: doc._id, retentionDays: doc.settings!.retention_days! }));
    });
  }

  async purgeErased(): Promise<void> {
    // The server owns its files (and compacts them itself); no query reads an overwritten value.
  }

  recordPrivacyAudit(entry: PrivacyAuditEntry): Promise<void> {
    return this.db.run(async () => {
      const { id, ...rest } = entry;
      await this.db.privacyAudit.insertOne({ _id: id, ...rest });
    });
  }

  listPrivacyAudit(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage> {
    return this.db.run(async () => {
      const filter: Filter<PrivacyAuditDocument> = after
        ? { tenant_id: tenantId, $or: [{ at: { $lt: after.at } }, { at: after.at, _id: { $lt: after.id } }] }
        : { tenant_id: tenantId };
      const docs = await this.db.privacyAudit.find(filter, { sort: { at: -1, _id: -1 }, limit: limit + 1 }).toArray();
      const items = docs.slice(0, limit).map(({ _id, ...rest }) => ({ id: _id, ...rest }));
      const last = items[items.length - 1];
      return { items, next: docs.length > limit && last ? { at: last.at, id: last.id } : null };
    });
  }

  /** Erases up to `limit` orders matching `filter`, each under its revision guard (a lost guard reads it again). */
  private async erase(filter: Filter<OrderDocument>, at: string, limit: number): Promise<string[]> {
    const { orders } = this.db;
    const erased: string[] = [];
    let pending = await orders.find(filter, { limit }).toArray();
    for (let attempt = 0; attempt < ERASE_ATTEMPTS && pending.length > 0; attempt++) {
      const lost: string[] = [];
      // Before the orders are marked erased, which a later run skips: a picture that outlived its order's erasure
      // would stay for good. Again each attempt, for a proof a commit that came first may have linked meanwhile.
      await this.db.attachments.deleteMany({ order_id: { $in: pending.map((doc) => doc._id) } });
      for (const doc of pending) {
        const order = documentToOrder(doc);
        const after = erasedOrder(order, at);
        const result = await orders.updateOne(
          { _id: doc._id, rev: doc.rev },
          {
            $set: {
              customer: after.customer,
              destination: null,
              last_location: null,
              erased_at: at,
              terms: searchTerms(after),
              events: doc.events.map(erasedEvent),
            },
            $inc: { rev: 1 },
          },
        );
        if (result.modifiedCount === 1) erased.push(doc._id);
        else lost.push(doc._id);
      }
      pending = lost.length > 0 ? await orders.find({ ...filter, _id: { $in: lost } }).toArray() : [];
    }
    if (erased.length === 0) return erased;
    // A provider's error text may quote the address or number it refused.
    await this.db.deliveries.updateMany({ order_id: { $in: erased }, error: { $ne: null } }, { $set: { error: null } });
    const messages = await this.db.webhookMessages
      .find({ order_id: { $in: erased } }, { projection: { payload: 1, attempt_log: 1 } })
      .toArray();
    if (messages.length > 0) {
      // A receiver's answer may echo the body it was sent.
      await this.db.webhookMessages.bulkWrite(
        messages.map((message) => ({
          updateOne: {
            filter: { _id: message._id },
            update: {
              $set: {
                payload: erasedWebhookBody(message.payload),
                last_response: null,
                attempt_log: message.attempt_log.map((attempt) => ({ ...attempt, response: null })),
              },
            },
          },
        })),
        { ordered: false },
      );
    }
    return erased;
  }
}

/** Events by `occurred_at`, those of the same instant in the order they were recorded (a stable sort). */
function byOccurrence<T extends { occurred_at: string }>(events: T[]): T[] {
  return [...events].sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0));
}
