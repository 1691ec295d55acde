import type { AnyBulkWriteOperation, UpdateFilter } from 'mongodb';
import { UnavailableError } from '../../domain/errors';
import type { EffectKind } from '../../domain/effects';
import { eventFrom, orderState, type Location, type Order, type OrderEvent } from '../../domain/order';
import type { MongoContext } from '../mongo/context';
import { documentToOrder, idempotencyKeyId, ORDER_ONLY, orderDocument, type OrderDocument } from '../mongo/documents';
import { isDuplicateKey } from '../mongo/errors';
import { owedEffects } from '../outbox/mongo';
import type { CommitResult, CreateOrderResult, EventCommit, IdempotencyClaim, NewOrder, OrderHead, OrderLog } from './port';

// A create whose key or order lost a race reads the winner; a winner that is not there yet is read again.
const CREATE_ATTEMPTS = 3;

/**
 * Orders on MongoDB, without multi-document transactions: an order is one document holding its state, its event
 * log and its owed effects, so a commit is one guarded update (revision and event id in the filter); idempotency
 * keys and external ids are unique.
 */
export class MongoOrderLog implements OrderLog {
  constructor(private readonly db: Pick<MongoContext, 'orders' | 'idempotencyKeys' | 'run'>) {}

  /**
   * The idempotency key is claimed first (an insert: a duplicate key means it was seen), then the order is inserted
   * with its first event embedded (a duplicate key on `orders_external_id` means its external id was seen). A node
   * dying between the two leaves a key without its order; the next request under the key stores the order then,
   * under the id the key holds, so every request under one key ends with the one order.
   */
  createOrder(input: NewOrder): Promise<CreateOrderResult> {
    return this.db.run(async () => {
      const { order, idempotency } = input;
      if (!idempotency) return this.insertOrder(input, null);
      const keyId = idempotencyKeyId(order.tenant_id, idempotency.scope, idempotency.key);
      for (let attempt = 1; ; attempt++) {
        if (await this.claimKey(keyId, order, idempotency)) return this.insertOrder(input, keyId);
        const claimed = await this.db.idempotencyKeys.findOne({ _id: keyId });
        // Keys are never deleted, so a claimed key is there to read; should it not be, claim it again.
        if (!claimed) {
          if (attempt >= CREATE_ATTEMPTS) throw new UnavailableError('database', 1);
          continue;
        }
        if (claimed.request_hash !== idempotency.requestHash) return { kind: 'idempotency_conflict' };
        const existing = await this.loadOrderDocument(claimed.order_id);
        if (existing) return { kind: 'existing', order: existing };
        // The request that claimed the key stopped before its order was stored (or is storing it right now: then
        // one of the two inserts finds the other's order). The same body: this one's order, under the key's id.
        const result = await this.insertOrder(withOrderId(input, claimed.order_id), keyId);
        // The key was seen before: to this caller the order is the original one, not a new one.
        return result.kind === 'created' ? { kind: 'existing', order: result.order } : result;
      }
    });
  }

  /** Inserts the idempotency key naming this order; false when the key was claimed before (a duplicate key). */
  private async claimKey(keyId: string, order: Order, idempotency: IdempotencyClaim): Promise<boolean> {
    try {
      await this.db.idempotencyKeys.insertOne({
        _id: keyId,
        tenant_id: order.tenant_id,
        scope: idempotency.scope,
        key: idempotency.key,
        request_hash: idempotency.requestHash,
        order_id: order.id,
        created_at: order.created_at,
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Inserts the order document; a duplicate key is the order already stored under its id or its external id. */
  private async insertOrder({ order, firstEvent, externalScope, effects }: NewOrder, keyId: string | null): Promise<CreateOrderResult> {
    try {
      // The first event's owed effects are in the document it is inserted with: recorded in the same write.
      await this.db.orders.insertOne(orderDocument(order, firstEvent, externalScope, owedEffects(effects ?? [], 1, firstEvent.recorded_at)));
      return { kind: 'created', order };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing =
        (await this.loadOrderDocument(order.id)) ??
        (order.external_id === null ? null : await this.orderByExternalId(order.tenant_id, externalScope, order.external_id));
      if (!existing) throw error;
      // The key's order is the one its external id found: later requests under the key read that one at once.
      if (keyId && existing.id !== order.id) await this.db.idempotencyKeys.updateOne({ _id: keyId, order_id: order.id }, { $set: { order_id: existing.id } });
      return { kind: 'existing', order: existing };
    }
  }

  private async orderByExternalId(tenantId: string, externalScope: string, externalId: string): Promise<Order | null> {
    // `$type` repeats the unique index's partial filter, which is what lets the planner use that index.
    const doc = await this.db.orders.findOne(
      { tenant_id: tenantId, external_scope: externalScope, external_id: { $eq: externalId, $type: 'string' } },
      { projection: ORDER_ONLY },
    );
    return doc ? documentToOrder(doc) : null;
  }

  getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    return this.db.run(async () => {
      const doc = await this.db.orders.findOne({ _id: orderId, tenant_id: tenantId }, { projection: ORDER_ONLY });
      return doc ? documentToOrder(doc) : null;
    });
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.db.run(() => this.loadOrderDocument(orderId));
  }

  private async loadOrderDocument(orderId: string): Promise<Order | null> {
    const doc = await this.db.orders.findOne({ _id: orderId }, { projection: ORDER_ONLY });
    return doc ? documentToOrder(doc) : null;
  }

  orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    return this.db.run(async () => {
      if (orderIds.length === 0) return [];
      const docs = await this.db.orders
        .find<Pick<OrderDocument, '_id' | 'version' | 'courier_id'>>({ _id: { $in: [...orderIds] } }, { projection: { version: 1, courier_id: 1 } })
        .toArray();
      return docs.map((doc) => ({ id: doc._id, version: doc.version, courier_id: doc.courier_id }));
    });
  }

  /**
   * One atomic findAndModify on the order's document. Applied: matched only while the revision is `expectedRev`
   * and the event id is not in the log; it sets the new state, increments `rev`, pushes the event and its owed
   * effects, and answers with the stored position. Late (no `next`): the event is pushed unless its id is in the log.
   * When nothing matched, one read tells a duplicate event from a lost revision race.
   */
  commitEvent(commit: EventCommit): Promise<CommitResult> {
    return this.db.run(async () => {
      const { orderId, expectedRev, event, next } = commit;
      const notLogged = { 'events.event_id': { $ne: event.event_id } };
      let update: UpdateFilter<OrderDocument>;
      if (next) {
        const { seq } = event;
        // Effects are owed by applied events only (a late event that changes the order owes none); a change of
        // courier owes its effects under the revision this commit writes.
        const effects = [
          ...(seq === null ? [] : owedEffects(commit.effects ?? [], seq, event.recorded_at)),
          ...owedEffects(commit.revisionEffects ?? [], expectedRev + 1, event.recorded_at),
        ];
        update = {
          $set: orderState(next),
          $inc: { rev: 1 },
          $push: effects.length > 0 ? { events: eventFrom(event), effects: { $each: effects } } : { events: eventFrom(event) },
        };
      } else {
        update = { $push: { events: eventFrom(event) } };
      }
      const filter = next ? { _id: orderId, rev: expectedRev, ...notLogged } : { _id: orderId, ...notLogged };
      const stored = await this.db.orders.findOneAndUpdate(filter, update, {
        projection: { last_location: 1 },
        returnDocument: 'after',
      });
      if (stored) return { kind: 'ok', rev: next ? expectedRev + 1 : expectedRev, lastLocation: stored.last_location ?? null };
      const logged = await this.db.orders.findOne({ _id: orderId, 'events.event_id': event.event_id }, { projection: { _id: 1 } });
      // Neither a duplicate nor a late event on a missing order can be applied: the caller reloads and decides again.
      return logged ? { kind: 'duplicate_event' } : { kind: 'rev_conflict' };
    });
  }

  setInstructions(orderId: string, expectedRev: number, instructions: string | null, updatedAt: string): Promise<CommitResult> {
    return this.db.run(async () => {
      const stored = await this.db.orders.findOneAndUpdate(
        { _id: orderId, rev: expectedRev },
        { $set: { instructions, updated_at: updatedAt }, $inc: { rev: 1 } },
        { projection: { last_location: 1 }, returnDocument: 'after' },
      );
      if (!stored) return { kind: 'rev_conflict' };
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: stored.last_location ?? null };
    });
  }

  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    return this.db.run(async () => {
      const owed = owedEffects(effects, expectedRev + 1, updatedAt);
      const stored = await this.db.orders.findOneAndUpdate(
        { _id: orderId, rev: expectedRev },
        {
          $set: { courier_id: courierId, updated_at: updatedAt },
          $inc: { rev: 1 },
          ...(owed.length > 0 ? { $push: { effects: { $each: owed } } } : {}),
        },
        { projection: { last_location: 1 }, returnDocument: 'after' },
      );
      if (!stored) return { kind: 'rev_conflict' };
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: stored.last_location ?? null };
    });
  }

  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    return this.db.run(async () => {
      // `$elemMatch` in a projection returns the first matching element only.
      const doc = await this.db.orders.findOne({ _id: orderId }, { projection: { _id: 0, events: { $elemMatch: { event_id: eventId } } } });
      const event = doc?.events?.[0];
      return event ? eventFrom(event) : null;
    });
  }

  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.db.run(async () => {
      // Applied events have unique seqs by construction: each is pushed by the commit that moved `version` to it.
      const events = await this.eventsOf(orderId);
      return events
        .filter((event): event is OrderEvent & { seq: number } => event.seq !== null && event.seq > sinceSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, Math.max(0, limit))
        .map(eventFrom);
    });
  }

  history(orderId: string): Promise<OrderEvent[]> {
    return this.db.run(async () => {
      // Sorting is stable: events of the same instant stay in the order they were recorded.
      const events = await this.eventsOf(orderId);
      return events.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0)).map(eventFrom);
    });
  }

  /** The embedded log, as recorded (an order has tens of events: read whole, filtered here). */
  private async eventsOf(orderId: string): Promise<OrderEvent[]> {
    const doc = await this.db.orders.findOne<Pick<OrderDocument, 'events'>>({ _id: orderId }, { projection: { _id: 0, events: 1 } });
    return doc?.events ?? [];
  }

  renewTrackingLink(tenantId: string, orderId: string): Promise<number | null> {
    return this.db.run(async () => {
      const stored = await this.db.orders.findOneAndUpdate(
        { _id: orderId, tenant_id: tenantId },
        { $inc: { tracking_generation: 1 } },
        { projection: { tracking_generation: 1 }, returnDocument: 'after' },
      );
      return stored ? (stored.tracking_generation ?? 0) : null;
    });
  }

  /** Positions are written beside the state without touching `rev`; the last update of an order in a call wins. */
  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    return this.db.run(async () => {
      const latest = new Map(updates.map((update) => [update.orderId, update.location]));
      if (latest.size === 0) return;
      const operations: AnyBulkWriteOperation<OrderDocument>[] = [...latest].map(([orderId, location]) => ({
        // An erased order keeps no courier position (a flush may come after its erasure).
        updateOne: { filter: { _id: orderId, erased_at: { $exists: false } }, update: { $set: { last_location: location } } },
      }));
      // One round trip; unordered, as each order is written at most once here.
      await this.db.orders.bulkWrite(operations, { ordered: false });
    });
  }
}

/** The same new order under another id (its first event and search terms follow). */
function withOrderId(input: NewOrder, orderId: string): NewOrder {
  return {
    ...input,
    order: { ...input.order, id: orderId },
    firstEvent: { ...input.firstEvent, order_id: orderId },
  };
}
