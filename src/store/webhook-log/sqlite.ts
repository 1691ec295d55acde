import type { Database } from 'better-sqlite3';
import * as port from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { cachedStatement } from '../sqlite/statements';

const WEBHOOK_MESSAGE_COLUMNS = port.WEBHOOK_MESSAGE_FIELDS.join(', ');

/**
 * Webhook messages and their delivery attempts in the embedded store (`webhook_messages`, `webhook_attempts`). A
 * message's writes are guarded by its job and attempt count, so a stale worker's write matches no row.
 */
export class SqliteWebhookLog implements port.WebhookLog {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  addWebhookMessages(messages: port.NewWebhookMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.context.write(() => {
      const stmt = this.stmt();
      for (const message of messages) stmt.insert.run({ ...message, next_attempt_at: message.created_at });
    });
  }

  getWebhookMessage(messageId: string): Promise<port.StoredWebhookMessage | null> {
    return this.context.read(() => (this.stmt().get.get(messageId) as port.StoredWebhookMessage | undefined) ?? null);
  }

  listWebhookMessages(webhookId: string, query: port.WebhookMessageQuery): Promise<port.WebhookMessagePage> {
    return this.context.read(() => {
      const where = ['webhook_id = ?'];
      const values: unknown[] = [webhookId];
      if (query.status) {
        where.push('status = ?');
        values.push(query.status);
      }
      if (query.orderId !== undefined) {
        where.push('order_id = ?');
        values.push(query.orderId);
      }
      if (query.after) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        values.push(query.after.created_at, query.after.created_at, query.after.id);
      }
      const sql = `SELECT ${WEBHOOK_MESSAGE_COLUMNS} FROM webhook_messages WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ?`;
      const rows = cachedStatement(this.context.db, sql).all(...values, query.limit + 1) as port.WebhookMessage[];
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return { items, next: rows.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
    });
  }

  listWebhookAttempts(messageId: string): Promise<port.WebhookAttempt[]> {
    return this.context.read(() => this.stmt().attempts.all(messageId) as port.WebhookAttempt[]);
  }

  recordWebhookAttempts(messageId: string, jobId: string, expectedAttempts: number, attempts: port.NewWebhookAttempt[], next: port.WebhookMessageNext): Promise<boolean> {
    const last = attempts[attempts.length - 1];
    if (!last) return Promise.resolve(false);
    return this.context.write(() => {
      const stmt = this.stmt();
      const written = stmt.record.run({
        id: messageId,
        job_id: jobId,
        expected: expectedAttempts,
        attempts: expectedAttempts + attempts.length,
        last_attempt_at: last.started_at,
        status_code: last.status_code,
        error: last.error,
        response: last.response,
        ...next,
      });
      if (written.changes === 0) return false;
      attempts.forEach((attempt, index) => stmt.attemptInsert.run({ message_id: messageId, attempt: expectedAttempts + index + 1, ...attempt }));
      return true;
    });
  }

  settleWebhookMessage(messageId: string, jobId: string, next: port.WebhookMessageNext & { last_error: string }): Promise<void> {
    return this.context.write(() => {
      this.stmt().settle.run({ id: messageId, job_id: jobId, ...next });
    });
  }

  requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<port.StoredWebhookMessage | null> {
    return this.context.write(() => (this.stmt().requeue.get(jobId, at, messageId) as port.StoredWebhookMessage | undefined) ?? null);
  }

  overdueWebhookMessages(before: string, after: port.OverdueCursor | null, limit: number): Promise<port.OverdueWebhookMessage[]> {
    return this.context.read(
      () => this.stmt().overdue.all(before, after?.next_attempt_at ?? '', after?.next_attempt_at ?? '', after?.id ?? '', limit) as port.OverdueWebhookMessage[],
    );
  }
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT OR IGNORE INTO webhook_messages (id, webhook_id, tenant_id, type, order_id, seq, payload, status, attempts,
         next_attempt_at, job_id, created_at)
       VALUES (@id, @webhook_id, @tenant_id, @type, @order_id, @seq, @payload, 'pending', 0, @next_attempt_at, @job_id,
         @created_at)`,
    ),
    get: db.prepare(`SELECT ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id FROM webhook_messages WHERE id = ?`),
    record: db.prepare(
      `UPDATE webhook_messages SET attempts = @attempts, last_attempt_at = @last_attempt_at, status = @status,
         next_attempt_at = @next_attempt_at, last_status_code = @status_code, last_error = @error, last_response = @response
       WHERE id = @id AND job_id = @job_id AND status = 'pending' AND attempts = @expected`,
    ),
    settle: db.prepare(
      `UPDATE webhook_messages SET status = @status, next_attempt_at = @next_attempt_at, last_error = @last_error
       WHERE id = @id AND job_id = @job_id AND status = 'pending'`,
    ),
    requeue: db.prepare(
      `UPDATE webhook_messages SET status = 'pending', job_id = ?, next_attempt_at = ? WHERE id = ?
       RETURNING ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id`,
    ),
    overdue: db.prepare(
      `SELECT id, webhook_id, tenant_id, job_id, attempts, next_attempt_at FROM webhook_messages
       WHERE status = 'pending' AND next_attempt_at < ? AND (next_attempt_at > ? OR (next_attempt_at = ? AND id > ?))
       ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    attempts: db.prepare(
      `SELECT attempt, started_at, finished_at, status_code, error, response, duration_ms FROM webhook_attempts
       WHERE message_id = ? ORDER BY attempt`,
    ),
    attemptInsert: db.prepare(
      `INSERT OR REPLACE INTO webhook_attempts (message_id, attempt, started_at, finished_at, status_code, error, response, duration_ms)
       VALUES (@message_id, @attempt, @started_at, @finished_at, @status_code, @error, @response, @duration_ms)`,
    ),
  };
}
