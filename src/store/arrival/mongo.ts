import type { AnyBulkWriteOperation } from 'mongodb';
import type { MongoContext } from '../mongo/context';
import type { OrderDocument } from '../mongo/documents';
import { withOwedEffect } from '../outbox/mongo';
import type { ArrivalClaim, ArrivalLog } from './port';

/** ETAs and arriving claims on the order documents: each a single-document write. */
export class MongoArrivalLog implements ArrivalLog {
  constructor(private readonly db: Pick<MongoContext, 'orders' | 'run'>) {}

  /**
   * One conditional update of the order document: the filter is the claim (of concurrent ones, one matches), and
   * the alert it owes goes into the document's outbox in the same write, keyed by the version it reads (a pipeline
   * update, so the seq is the document's own).
   */
  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    return this.db.run(async () => {
      const claimed = await this.db.orders.findOneAndUpdate(
        { _id: orderId, status: 'out_for_delivery', arriving_at: { $in: [null] } },
        [{ $set: { arriving_at: at, effects: withOwedEffect('arriving', '$version', at) } }],
        { projection: { version: 1, tenant_id: 1 }, returnDocument: 'after' },
      );
      return claimed ? { claimed: true, seq: claimed.version, tenantId: claimed.tenant_id } : { claimed: false };
    });
  }

  /** Written beside the state without touching `rev`; the last update of an order in a call wins. */
  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    return this.db.run(async () => {
      const latest = new Map(updates.map((update) => [update.orderId, update.eta]));
      if (latest.size === 0) return;
      const operations: AnyBulkWriteOperation<OrderDocument>[] = [...latest].map(([orderId, eta]) => ({
        updateOne: { filter: { _id: orderId }, update: { $set: { eta } } },
      }));
      await this.db.orders.bulkWrite(operations, { ordered: false });
    });
  }
}
