import type { Document } from 'mongodb';
import type { EffectKind } from '../../domain/effects';
import type { MongoContext } from '../mongo/context';
import type { EffectDocument } from '../mongo/documents';
import { PendingClears } from './pending-clears';
import type { Outbox, PendingEffect } from './port';

/**
 * The owed effects an order's write records: each of `kinds` under `seq`, made at `createdAt`. They go into the
 * order document's `effects` in the same single-document write as the change that owes them (the order's insert,
 * a commit's or a reassignment's update), which is what makes that write and its outbox atomic.
 */
export function owedEffects(kinds: readonly EffectKind[], seq: number, createdAt: string): EffectDocument[] {
  return kinds.map((kind) => ({ kind, seq, created_at: createdAt }));
}

/**
 * The order's `effects` with one more owed, as an expression of an update pipeline: for a write whose key is a field
 * of the document itself (`seq` a field path such as `'$version'`), read by the same atomic update that records it.
 */
export function withOwedEffect(kind: EffectKind, seqPath: `$${string}`, createdAt: string): Document {
  return { $concatArrays: [{ $ifNull: ['$effects', []] }, [{ kind, seq: seqPath, created_at: createdAt }]] };
}

/**
 * The outbox on MongoDB: an array in each order's document, read across orders through a multikey index. Done
 * effects leave it in batches: those done within `delayMs` of each other go in one bulk write.
 */
export class MongoOutbox implements Outbox {
  private readonly clears: PendingClears;

  constructor(private readonly db: Pick<MongoContext, 'orders' | 'run'>) {
    this.clears = new PendingClears({
      clear: (keys) =>
        this.db.run(async () => {
          await this.db.orders.bulkWrite(
            keys.map(({ kind, orderId, seq }) => ({ updateOne: { filter: { _id: orderId }, update: { $pull: { effects: { kind, seq } } } } })),
            { ordered: false },
          );
        }),
    });
  }

  /** Deletes the done effects still waiting (the store closing). */
  flush(): Promise<void> {
    return this.clears.flush();
  }

  /** Owed effects of a kind recorded before `createdBefore`, oldest first, across orders (from `orders_by_effect`). */
  async pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    const rows = await this.db.run(() =>
      this.db.orders
        .aggregate<PendingEffect>([
          // $elemMatch: both conditions on the same element, so the multikey index bounds both fields.
          { $match: { effects: { $elemMatch: { kind, created_at: { $lt: createdBefore } } } } },
          { $project: { _id: 1, tenant_id: 1, effects: 1 } },
          { $unwind: '$effects' },
          { $match: { 'effects.kind': kind, 'effects.created_at': { $lt: createdBefore } } },
          { $sort: { 'effects.created_at': 1 } },
          { $limit: limit },
          { $project: { _id: 0, orderId: '$_id', seq: '$effects.seq', tenantId: '$tenant_id', createdAt: '$effects.created_at' } },
        ])
        .toArray(),
    );
    // Done here already, their deletes waiting for the next batch.
    return rows.filter((effect) => !this.clears.has(kind, effect.orderId, effect.seq));
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.clears.add({ kind, orderId, seq });
  }

  /** Pushed onto the order's outbox unless an effect of that kind and key is there (one guarded update). */
  oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    return this.db.run(async () => {
      await this.db.orders.updateOne(
        { _id: effect.orderId, effects: { $not: { $elemMatch: { kind: effect.kind, seq: effect.seq } } } },
        { $push: { effects: { kind: effect.kind, seq: effect.seq, created_at: effect.createdAt } } },
      );
    });
  }
}
