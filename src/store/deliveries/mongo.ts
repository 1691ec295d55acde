import { UnavailableError } from '../../domain/errors';
import type { AlertKind } from '../../domain/effects';
import { alertIdOf } from '../delivery-keys';
import type { MongoContext } from '../mongo/context';
import { deliveryDocument, deliveryId, documentToDelivery } from '../mongo/documents';
import { isDuplicateKey, onlyDuplicateKeys } from '../mongo/errors';
import { replaceOrCreate } from '../mongo/replace-or-create';
import type { Delivery, DeliveryChannel, DeliveryClaim, DeliveryLog } from './port';

// A claim whose record vanished between the failed insert and the read is tried again this many times.
const CLAIM_ATTEMPTS = 3;

/** The delivery log on MongoDB: a claim is an insert or an update matched on the status it takes over. */
export class MongoDeliveryLog implements DeliveryLog {
  constructor(private readonly db: Pick<MongoContext, 'deliveries' | 'run'>) {}

  listDeliveries(orderId: string): Promise<Delivery[]> {
    return this.db.run(async () => {
      const docs = await this.db.deliveries.find({ order_id: orderId }, { sort: { at: 1, seq: 1, kind: 1, channel: 1 } }).toArray();
      return docs.map(documentToDelivery);
    });
  }

  alertDeliveries(orderId: string, seq: number, kind: AlertKind = 'status'): Promise<Delivery[]> {
    return this.db.run(async () => {
      const docs = await this.db.deliveries.find({ order_id: orderId, seq }, { sort: { channel: 1 } }).toArray();
      // Records written before alerts had kinds carry none: they are `status` alerts.
      return docs.map(documentToDelivery).filter((delivery) => delivery.kind === kind);
    });
  }

  /**
   * An insert of a `sending` record claims a channel nobody has claimed (a duplicate key: somebody has); a
   * `retrying` record is claimed by one atomic update matched on that status, so of two claimers only one wins.
   */
  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    return this.db.run(async () => {
      const _id = deliveryId(orderId, seq, channel, kind);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.db.deliveries.insertOne({ _id, order_id: orderId, seq, kind, channel, status: 'sending', attempts: 1, at, reason: null, error: null, relay: null });
          return { claimed: true, attempts: 1 };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const reclaimed = await this.db.deliveries.findOneAndUpdate(
          { _id, status: 'retrying' },
          { $set: { status: 'sending', at, reason: null, error: null }, $inc: { attempts: 1 } },
          { returnDocument: 'after' },
        );
        if (reclaimed) return { claimed: true, attempts: reclaimed.attempts };
        const current = await this.db.deliveries.findOne({ _id });
        if (current) return { claimed: false, delivery: documentToDelivery(current) };
        // Records are never deleted; should this one be gone, claim it again.
        if (attempt >= CLAIM_ATTEMPTS) throw new UnavailableError('database', 1);
      }
    });
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    return this.db.run(async () => {
      const { _id, ...fields } = deliveryDocument(delivery);
      await replaceOrCreate((upsert) => this.db.deliveries.replaceOne({ _id }, fields, { upsert }));
    });
  }

  /** An insert over nothing, or a replacement matched on `retrying` (atomic: a claim in between makes it miss). */
  skipDelivery(delivery: Delivery): Promise<boolean> {
    return this.db.run(async () => {
      const doc = deliveryDocument(delivery);
      try {
        await this.db.deliveries.insertOne(doc);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const { _id, ...fields } = doc;
      const replaced = await this.db.deliveries.replaceOne({ _id, status: 'retrying' }, fields);
      return replaced.matchedCount > 0;
    });
  }

  /** Alerts with a record on no channel get theirs, in one unordered insert (a record written meanwhile wins). */
  recordHanded(deliveries: readonly Delivery[]): Promise<void> {
    return this.db.run(async () => {
      if (deliveries.length === 0) return;
      const decided = await this.db.deliveries
        .find({ order_id: { $in: [...new Set(deliveries.map((delivery) => delivery.order_id))] } }, { projection: { order_id: 1, seq: 1, kind: 1 } })
        .toArray();
      const known = new Set(decided.map(alertIdOf));
      const docs = deliveries
        .filter((delivery) => !known.has(alertIdOf(delivery)))
        .map((delivery) => deliveryDocument({ ...delivery, channel: 'websocket', status: 'sent', attempts: 1, reason: null, error: null, relay: null }));
      if (docs.length === 0) return;
      try {
        await this.db.deliveries.insertMany(docs, { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error) && !isDuplicateKey(error)) throw error;
      }
    });
  }
}
