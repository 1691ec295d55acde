import type { MongoContext } from '../mongo/context';
import { deleteWithDependents } from '../mongo/delete-with-dependents';
import { documentToWebhook, webhookDocument } from '../mongo/documents';
import type { StoredWebhook, WebhookChanges, WebhookDirectory } from './port';

/** Webhook endpoints on MongoDB: one document each. */
export class MongoWebhookDirectory implements WebhookDirectory {
  constructor(private readonly db: Pick<MongoContext, 'webhooks' | 'webhookMessages' | 'run'>) {}

  createWebhook(webhook: StoredWebhook): Promise<void> {
    return this.db.run(async () => {
      await this.db.webhooks.insertOne(webhookDocument(webhook));
    });
  }

  getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    return this.db.run(async () => {
      const doc = await this.db.webhooks.findOne({ _id: webhookId, tenant_id: tenantId });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    return this.db.run(async () => {
      const doc = await this.db.webhooks.findOne({ _id: webhookId });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.db.run(async () => {
      const docs = await this.db.webhooks.find({ tenant_id: tenantId }, { sort: { created_at: 1, _id: 1 } }).toArray();
      return docs.map(documentToWebhook);
    });
  }

  updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    return this.db.run(async () => {
      const fields = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const doc = await this.db.webhooks.findOneAndUpdate({ _id: webhookId, tenant_id: tenantId }, { $set: fields }, { returnDocument: 'after' });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  /** An update pipeline, so `previous_secret` takes the secret the same atomic update replaces. */
  rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    return this.db.run(async () => {
      const doc = await this.db.webhooks.findOneAndUpdate(
        { _id: webhookId, tenant_id: tenantId },
        [
          {
            $set: {
              previous_secret: '$secret',
              secret: { $literal: secret },
              previous_secret_expires_at: { $literal: previousExpiresAt },
              updated_at: { $literal: at },
            },
          },
        ],
        { returnDocument: 'after' },
      );
      return doc ? documentToWebhook(doc) : null;
    });
  }

  disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    return this.db.run(async () => {
      const result = await this.db.webhooks.updateOne(
        { _id: webhookId, enabled: true },
        { $set: { enabled: false, disabled_reason: reason, updated_at: at } },
      );
      return result.modifiedCount > 0;
    });
  }

  /**
   * The endpoint first, then its messages (no transaction: messages left by a crash in between belong to no
   * endpoint, so no route reads them and a worker that meets one drops it).
   */
  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    return this.db.run(() =>
      deleteWithDependents(this.db.webhooks, { _id: webhookId, tenant_id: tenantId }, this.db.webhookMessages, { webhook_id: webhookId }),
    );
  }
}
