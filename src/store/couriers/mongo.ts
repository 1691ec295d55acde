import { STATUSES, TERMINAL_STATUSES, type OrderStatus } from '../../domain/status';
import type { MongoContext } from '../mongo/context';
import { isDuplicateKey } from '../mongo/errors';
import type { CourierDocument } from './mongo-documents';
import { definedFields, type CourierChanges, type CourierInvite, type CourierPage, type CourierRecord, type CourierRecords, type CourierSighting } from './port';

const NOT_TERMINAL = STATUSES.filter((status) => !(TERMINAL_STATUSES as readonly OrderStatus[]).includes(status));

type Context = Pick<MongoContext, 'couriers' | 'courierInvites' | 'orders' | 'run'>;

/** Couriers' records and invites on MongoDB: a document each; every write is one single-document operation. */
export class MongoCourierRecords implements CourierRecords {
  constructor(private readonly db: Context) {}

  createCourier(record: CourierRecord): Promise<boolean> {
    return this.db.run(async () => {
      try {
        await this.db.couriers.insertOne({ _id: courierKey(record.tenant_id, record.id), ...record, last_seen_at: record.last_location?.at ?? null });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    });
  }

  getCourier(tenantId: string, courierId: string): Promise<CourierRecord | null> {
    return this.db.run(async () => {
      const doc = await this.db.couriers.findOne({ _id: courierKey(tenantId, courierId) });
      return doc ? documentToRecord(doc) : null;
    });
  }

  listCouriers(tenantId: string, query: { active?: boolean; limit: number; after?: string }): Promise<CourierPage> {
    return this.db.run(async () => {
      const filter = {
        tenant_id: tenantId,
        id: { $gt: query.after ?? '' },
        ...(query.active === undefined ? {} : { active: query.active }),
      };
      const docs = await this.db.couriers.find(filter, { sort: { tenant_id: 1, id: 1 }, limit: query.limit + 1 }).toArray();
      const items = docs.slice(0, query.limit).map(documentToRecord);
      return { items, next: docs.length > query.limit ? items[items.length - 1]!.id : null };
    });
  }

  updateCourier(tenantId: string, courierId: string, changes: CourierChanges): Promise<CourierRecord | null> {
    return this.db.run(async () => {
      const given = definedFields(changes);
      const _id = courierKey(tenantId, courierId);
      if (Object.keys(given).length === 0) {
        const doc = await this.db.couriers.findOne({ _id });
        return doc ? documentToRecord(doc) : null;
      }
      const doc = await this.db.couriers.findOneAndUpdate({ _id }, { $set: given }, { returnDocument: 'after' });
      return doc ? documentToRecord(doc) : null;
    });
  }

  listInactiveCouriers(): Promise<Array<{ tenant_id: string; courier_id: string }>> {
    return this.db.run(async () => {
      const docs = await this.db.couriers.find({ active: false }, { projection: { tenant_id: 1, id: 1 } }).toArray();
      return docs.map((doc) => ({ tenant_id: doc.tenant_id, courier_id: doc.id }));
    });
  }

  recordSightings(sightings: readonly CourierSighting[]): Promise<void> {
    if (sightings.length === 0) return Promise.resolve();
    return this.db.run(async () => {
      // ISO UTC times compare as strings: an older sighting never replaces a newer one.
      await this.db.couriers.bulkWrite(
        sightings.map(({ tenant_id, courier_id, location }) => ({
          updateOne: {
            filter: { _id: courierKey(tenant_id, courier_id), $or: [{ last_seen_at: null }, { last_seen_at: { $lt: location.at } }] },
            update: { $set: { last_location: location, last_seen_at: location.at } },
          },
        })),
        { ordered: false },
      );
    });
  }

  activeOrderCounts(tenantId: string, courierIds: readonly string[]): Promise<Record<string, number>> {
    if (courierIds.length === 0) return Promise.resolve({});
    return this.db.run(async () => {
      const rows = await this.db.orders
        .aggregate<{ _id: string; n: number }>([
          { $match: { tenant_id: tenantId, courier_id: { $in: [...courierIds] }, status: { $in: NOT_TERMINAL } } },
          { $group: { _id: '$courier_id', n: { $sum: 1 } } },
        ])
        .toArray();
      return Object.fromEntries(rows.map((row) => [row._id, row.n]));
    });
  }

  createInvite(invite: CourierInvite): Promise<void> {
    return this.db.run(async () => {
      await this.db.courierInvites.deleteMany({ expires_at: { $lte: invite.created_at } });
      const { code_hash, ...rest } = invite;
      await this.db.courierInvites.insertOne({ _id: code_hash, ...rest });
    });
  }

  consumeInvite(codeHash: string, nowIso: string): Promise<{ tenant_id: string; courier_id: string } | null> {
    return this.db.run(async () => {
      // Atomic on the one document: of two spends, the second finds it gone.
      const doc = await this.db.courierInvites.findOneAndUpdate(
        { _id: codeHash, expires_at: { $gt: nowIso }, used: { $ne: true } },
        { $set: { used: true } },
        { returnDocument: 'before' },
      );
      if (!doc) return null;
      await this.db.courierInvites.deleteOne({ _id: codeHash });
      return { tenant_id: doc.tenant_id, courier_id: doc.courier_id };
    });
  }
}

function courierKey(tenantId: string, courierId: string): string {
  return JSON.stringify([tenantId, courierId]);
}

function documentToRecord(doc: CourierDocument): CourierRecord {
  return {
    tenant_id: doc.tenant_id,
    id: doc.id,
    name: doc.name,
    phone: doc.phone,
    vehicle: doc.vehicle,
    active: doc.active,
    created_at: doc.created_at,
    last_location: doc.last_location,
  };
}
