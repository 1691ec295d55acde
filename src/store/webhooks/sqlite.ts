import type { Database } from 'better-sqlite3';
import { pick } from '../../domain/pick';
import { STORED_WEBHOOK_FIELDS, type StoredWebhook, type WebhookChanges, type WebhookDirectory } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/** Tenants' webhook endpoints in the embedded store's `webhooks` table; deleting one deletes its delivery log. */
export class SqliteWebhookDirectory implements WebhookDirectory {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createWebhook(webhook: StoredWebhook): Promise<void> {
    return this.context.write(() => {
      this.stmt().insert.run(webhookToRow(webhook));
    });
  }

  getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    return this.context.read(() => {
      const row = this.stmt().get.get(tenantId, webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    return this.context.read(() => {
      const row = this.stmt().load.get(webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.context.read(() => (this.stmt().list.all(tenantId) as WebhookRow[]).map(rowToWebhook));
  }

  updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    // Read and written in one transaction (the write lock is held throughout): a change merges with the latest row.
    return this.context.write(() => {
      const stmt = this.stmt();
      const row = stmt.get.get(tenantId, webhookId) as WebhookRow | undefined;
      if (!row) return null;
      const merged: StoredWebhook = { ...rowToWebhook(row), ...definedFields(changes) };
      stmt.put.run(webhookToRow(merged));
      return merged;
    });
  }

  rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    return this.context.write(() => {
      const row = this.stmt().rotate.get(secret, previousExpiresAt, at, tenantId, webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    return this.context.write(() => this.stmt().disable.run(reason, at, webhookId).changes > 0);
  }

  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    return this.context.write(() => {
      const stmt = this.stmt();
      if (!stmt.get.get(tenantId, webhookId)) return false;
      stmt.attemptsDelete.run(webhookId);
      stmt.messagesDelete.run(webhookId);
      stmt.delete.run(webhookId);
      return true;
    });
  }
}

/** The fields of a partial change that are set (undefined ones are left out rather than written). */
function definedFields<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A `webhooks` row: the event filter as a JSON array, `enabled` as 0/1. */
interface WebhookRow extends Omit<StoredWebhook, 'events' | 'enabled'> {
  events: string;
  enabled: number;
}

function webhookToRow(webhook: StoredWebhook): WebhookRow {
  return { ...webhook, events: JSON.stringify(webhook.events), enabled: webhook.enabled ? 1 : 0 };
}

// The fields a row holds as they are (the others are encoded: see WebhookRow).
const PLAIN_FIELDS = STORED_WEBHOOK_FIELDS.filter((field): field is Exclude<typeof field, 'events' | 'enabled'> => field !== 'events' && field !== 'enabled');

function rowToWebhook(row: WebhookRow): StoredWebhook {
  return Object.assign(pick(row, PLAIN_FIELDS), { events: JSON.parse(row.events) as StoredWebhook['events'], enabled: row.enabled === 1 });
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO webhooks (id, tenant_id, url, events, description, enabled, disabled_reason, secret, previous_secret,
         previous_secret_expires_at, created_at, updated_at)
       VALUES (@id, @tenant_id, @url, @events, @description, @enabled, @disabled_reason, @secret, @previous_secret,
         @previous_secret_expires_at, @created_at, @updated_at)`,
    ),
    put: db.prepare(
      `UPDATE webhooks SET url = @url, events = @events, description = @description, enabled = @enabled,
         disabled_reason = @disabled_reason, updated_at = @updated_at
       WHERE id = @id`,
    ),
    get: db.prepare('SELECT * FROM webhooks WHERE tenant_id = ? AND id = ?'),
    load: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
    list: db.prepare('SELECT * FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id'),
    rotate: db.prepare(
      `UPDATE webhooks SET previous_secret = secret, secret = ?, previous_secret_expires_at = ?, updated_at = ?
       WHERE tenant_id = ? AND id = ? RETURNING *`,
    ),
    disable: db.prepare('UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1'),
    delete: db.prepare('DELETE FROM webhooks WHERE id = ?'),
    messagesDelete: db.prepare('DELETE FROM webhook_messages WHERE webhook_id = ?'),
    attemptsDelete: db.prepare(
      'DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE webhook_id = ?)',
    ),
  };
}
