import type { Filter } from 'mongodb';
import type { MongoContext } from '../mongo/context';
import {
  attemptEntry,
  documentToStoredWebhookMessage,
  documentToWebhookMessage,
  MESSAGE_LINE,
  webhookMessageDocument,
  type WebhookMessageDocument,
} from '../mongo/documents';
import { onlyDuplicateKeys } from '../mongo/errors';
import type * as port from './port';

/** The webhook delivery log on MongoDB: one document per message, its attempts embedded. */
export class MongoWebhookLog implements port.WebhookLog {
  constructor(private readonly db: Pick<MongoContext, 'webhookMessages' | 'run'>) {}

  addWebhookMessages(messages: port.NewWebhookMessage[]): Promise<void> {
    return this.db.run(async () => {
      if (messages.length === 0) return;
      try {
        // Unordered: every new message goes in; the ones already stored fail alone, on their `_id`.
        await this.db.webhookMessages.insertMany(messages.map(webhookMessageDocument), { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
      }
    });
  }

  getWebhookMessage(messageId: string): Promise<port.StoredWebhookMessage | null> {
    return this.db.run(async () => {
      const doc = await this.db.webhookMessages.findOne({ _id: messageId }, { projection: { attempt_log: 0 } });
      return doc ? documentToStoredWebhookMessage(doc) : null;
    });
  }

  listWebhookMessages(webhookId: string, query: port.WebhookMessageQuery): Promise<port.WebhookMessagePage> {
    return this.db.run(async () => {
      const filter: Filter<WebhookMessageDocument> = { webhook_id: webhookId };
      if (query.status) filter.status = query.status;
      if (query.orderId !== undefined) filter.order_id = query.orderId;
      if (query.after) {
        filter.$or = [{ created_at: { $lt: query.after.created_at } }, { created_at: query.after.created_at, _id: { $lt: query.after.id } }];
      }
      const docs = await this.db.webhookMessages
        .find(filter, { projection: MESSAGE_LINE, sort: { created_at: -1, _id: -1 }, limit: query.limit + 1 })
        .toArray();
      const items: port.WebhookMessage[] = docs.slice(0, query.limit).map(documentToWebhookMessage);
      const last = items[items.length - 1];
      return { items, next: docs.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
    });
  }

  listWebhookAttempts(messageId: string): Promise<port.WebhookAttempt[]> {
    return this.db.run(async () => {
      const doc = await this.db.webhookMessages.findOne({ _id: messageId }, { projection: { _id: 0, attempt_log: 1 } });
      return (doc?.attempt_log ?? []).map(attemptEntry).sort((a, b) => a.attempt - b.attempt);
    });
  }

  /**
   * One update of the message, matched only while it is pending, carried by `jobId` and at the expected count: its
   * state and the attempts appended to its log, atomically.
   */
  recordWebhookAttempts(messageId: string, jobId: string, expectedAttempts: number, attempts: port.NewWebhookAttempt[], next: port.WebhookMessageNext): Promise<boolean> {
    return this.db.run(async () => {
      const last = attempts[attempts.length - 1];
      if (!last) return false;
      const entries = attempts.map((attempt, index) => attemptEntry({ ...attempt, attempt: expectedAttempts + index + 1 }));
      const result = await this.db.webhookMessages.updateOne(
        { _id: messageId, job_id: jobId, status: 'pending', attempts: expectedAttempts },
        {
          $set: {
            attempts: expectedAttempts + attempts.length,
            last_attempt_at: last.started_at,
            status: next.status,
            next_attempt_at: next.next_attempt_at,
            last_status_code: last.status_code,
            last_error: last.error,
            last_response: last.response,
          },
          $push: { attempt_log: { $each: entries } },
        },
      );
      return result.matchedCount > 0;
    });
  }

  settleWebhookMessage(messageId: string, jobId: string, next: port.WebhookMessageNext & { last_error: string }): Promise<void> {
    return this.db.run(async () => {
      await this.db.webhookMessages.updateOne(
        { _id: messageId, job_id: jobId, status: 'pending' },
        { $set: { status: next.status, next_attempt_at: next.next_attempt_at, last_error: next.last_error } },
      );
    });
  }

  requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<port.StoredWebhookMessage | null> {
    return this.db.run(async () => {
      const doc = await this.db.webhookMessages.findOneAndUpdate(
        { _id: messageId },
        { $set: { status: 'pending', job_id: jobId, next_attempt_at: at } },
        { projection: { attempt_log: 0 }, returnDocument: 'after' },
      );
      return doc ? documentToStoredWebhookMessage(doc) : null;
    });
  }

  overdueWebhookMessages(before: string, after: port.OverdueCursor | null, limit: number): Promise<port.OverdueWebhookMessage[]> {
    return this.db.run(async () => {
      // `status: 'pending'` repeats the partial index's filter, which is what lets the planner use it.
      const filter: Filter<WebhookMessageDocument> = { status: 'pending', next_attempt_at: { $lt: before } };
      if (after) {
        filter.$or = [
          { next_attempt_at: { $gt: after.next_attempt_at, $lt: before } },
          { next_attempt_at: after.next_attempt_at, _id: { $gt: after.id } },
        ];
      }
      const docs = await this.db.webhookMessages
        .find(filter, { projection: { webhook_id: 1, tenant_id: 1, job_id: 1, attempts: 1, next_attempt_at: 1 }, sort: { next_attempt_at: 1, _id: 1 }, limit })
        .toArray();
      return docs.map((doc) => ({
        id: doc._id,
        webhook_id: doc.webhook_id,
        tenant_id: doc.tenant_id,
        job_id: doc.job_id,
        attempts: doc.attempts,
        next_attempt_at: doc.next_attempt_at ?? before,
      }));
    });
  }
}
