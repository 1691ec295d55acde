import type { OrderStatus } from '../../domain/status';
import type { MongoContext } from '../mongo/context';
import { tupleId, type OrderDocument, type SourceDocument } from '../mongo/documents';
import { deleteWithDependents } from '../mongo/delete-with-dependents';
import { isDuplicateKey } from '../mongo/errors';
import type { ClaimResult, ExternalIdMatch, MessageClaim, Source, SourceChanges, SourceDirectory } from './port';

// A claim whose record vanished between the failed insert and the read (released in that instant) is tried again.
const CLAIM_ATTEMPTS = 3;

/** The source directory on MongoDB: single-document operations and the unique `_id`, no transactions. */
export class MongoSourceDirectory implements SourceDirectory {
  constructor(private readonly db: Pick<MongoContext, 'sources' | 'sourceMessages' | 'orders' | 'run'>) {}

  createSource(source: Source): Promise<void> {
    return this.db.run(async () => {
      await this.db.sources.insertOne(sourceDocument(source));
    });
  }

  listSources(tenantId: string): Promise<Source[]> {
    return this.db.run(async () => (await this.db.sources.find({ tenant_id: tenantId }).sort({ created_at: 1, _id: 1 }).toArray()).map(documentToSource));
  }

  getSource(tenantId: string, sourceId: string): Promise<Source | null> {
    return this.db.run(async () => optional(await this.db.sources.findOne({ _id: sourceId, tenant_id: tenantId })));
  }

  findSource(sourceId: string): Promise<Source | null> {
    return this.db.run(async () => optional(await this.db.sources.findOne({ _id: sourceId })));
  }

  updateSource(tenantId: string, sourceId: string, changes: SourceChanges): Promise<Source | null> {
    return this.db.run(async () => {
      const set: Partial<SourceDocument> = { updated_at: changes.updated_at };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.status_map !== undefined) set.status_map = mapToPairs(changes.status_map);
      return optional(await this.db.sources.findOneAndUpdate({ _id: sourceId, tenant_id: tenantId }, { $set: set }, { returnDocument: 'after' }));
    });
  }

  /** The source first, then its records: a crash between the two leaves records no request can reach (pruned later). */
  deleteSource(tenantId: string, sourceId: string): Promise<boolean> {
    return this.db.run(() =>
      deleteWithDependents(this.db.sources, { _id: sourceId, tenant_id: tenantId }, this.db.sourceMessages, { source_id: sourceId }),
    );
  }

  claimMessage(sourceId: string, webhookId: string, claim: MessageClaim): Promise<ClaimResult> {
    return this.db.run(async () => {
      const _id = tupleId(sourceId, webhookId);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.db.sourceMessages.insertOne({
            _id,
            source_id: sourceId,
            webhook_id: webhookId,
            token: claim.token,
            claimed_at: claim.at,
            answer: null,
            answered_at: null,
          });
          return { kind: 'claimed' };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const takenOver = await this.db.sourceMessages.findOneAndUpdate(
          { _id, answer: null, claimed_at: { $lt: claim.staleBefore } },
          { $set: { token: claim.token, claimed_at: claim.at } },
        );
        if (takenOver) return { kind: 'claimed' };
        const current = await this.db.sourceMessages.findOne({ _id }, { projection: { answer: 1 } });
        if (current) return current.answer !== null ? { kind: 'answered', answer: current.answer } : { kind: 'pending' };
        if (attempt >= CLAIM_ATTEMPTS) return { kind: 'pending' };
      }
    });
  }

  answerMessage(sourceId: string, webhookId: string, token: string, answer: string, at: string): Promise<void> {
    return this.db.run(async () => {
      await this.db.sourceMessages.updateOne({ _id: tupleId(sourceId, webhookId), token, answer: null }, { $set: { answer, answered_at: at } });
    });
  }

  releaseMessage(sourceId: string, webhookId: string, token: string): Promise<void> {
    return this.db.run(async () => {
      await this.db.sourceMessages.deleteOne({ _id: tupleId(sourceId, webhookId), token, answer: null });
    });
  }

  pruneMessages(before: string, limit: number): Promise<number> {
    return this.db.run(async () => {
      // deleteMany takes no limit: the oldest ids first, then those.
      const doomed = await this.db.sourceMessages.find({ claimed_at: { $lt: before } }, { projection: { _id: 1 } }).sort({ claimed_at: 1 }).limit(limit).toArray();
      if (doomed.length === 0) return 0;
      const { deletedCount } = await this.db.sourceMessages.deleteMany({ _id: { $in: doomed.map((doc) => doc._id) } });
      return deletedCount;
    });
  }

  orderIdsByExternalId(tenantId: string, externalScope: string, externalIds: readonly string[]): Promise<ExternalIdMatch[]> {
    return this.db.run(async () => {
      if (externalIds.length === 0) return [];
      // `$type` repeats the unique index's partial filter, which is what lets the planner use that index.
      const docs = await this.db.orders
        .find<Pick<OrderDocument, '_id' | 'external_id'>>(
          { tenant_id: tenantId, external_scope: externalScope, external_id: { $in: [...externalIds], $type: 'string' } },
          { projection: { external_id: 1 } },
        )
        .toArray();
      return docs.map((doc) => ({ external_id: doc.external_id!, order_id: doc._id }));
    });
  }
}

function sourceDocument(source: Source): SourceDocument {
  return {
    _id: source.id,
    tenant_id: source.tenant_id,
    name: source.name,
    status_map: mapToPairs(source.status_map),
    secret: source.secret,
    created_at: source.created_at,
    updated_at: source.updated_at,
  };
}

function documentToSource(doc: SourceDocument): Source {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    name: doc.name,
    status_map: Object.fromEntries(doc.status_map.map(({ code, status }) => [code, status])),
    secret: doc.secret,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
}

function optional(doc: SourceDocument | null): Source | null {
  return doc ? documentToSource(doc) : null;
}

function mapToPairs(statusMap: Record<string, OrderStatus>): SourceDocument['status_map'] {
  return Object.entries(statusMap).map(([code, status]) => ({ code, status }));
}
