import type { PostgresContext } from '../postgres/context';
import * as port from './port';

const WEBHOOK_MESSAGE_COLUMNS = port.WEBHOOK_MESSAGE_FIELDS.join(', ');

/**
 * Webhook messages and their attempts on PostgreSQL. Attempts are recorded in one statement guarded by the job
 * carrying the message and the attempt count it expects, so two workers never both record the same attempt.
 */
export class PostgresWebhookLog implements port.WebhookLog {
  constructor(private readonly db: PostgresContext) {}

  async addWebhookMessages(messages: port.NewWebhookMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const column = <K extends keyof port.NewWebhookMessage>(key: K) => messages.map((message) => message[key]);
    await this.db.query(
      `INSERT INTO webhook_messages (id, webhook_id, tenant_id, type, order_id, seq, payload, status, attempts, next_attempt_at,
         job_id, created_at)
       SELECT id, webhook_id, tenant_id, type, order_id, seq, payload, 'pending', 0, created_at, job_id, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[])
         AS m(id, webhook_id, tenant_id, type, order_id, seq, payload, job_id, created_at)
       ON CONFLICT (id) DO NOTHING`,
      [column('id'), column('webhook_id'), column('tenant_id'), column('type'), column('order_id'), column('seq'), column('payload'),
        column('job_id'), column('created_at')],
    );
  }

  async getWebhookMessage(messageId: string): Promise<port.StoredWebhookMessage | null> {
    const { rows } = await this.db.query<port.StoredWebhookMessage>(
      `SELECT ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id FROM webhook_messages WHERE id = $1`,
      [messageId],
    );
    return rows[0] ?? null;
  }

  async listWebhookMessages(webhookId: string, query: port.WebhookMessageQuery): Promise<port.WebhookMessagePage> {
    const { rows } = await this.db.query<port.WebhookMessage>(
      `SELECT ${WEBHOOK_MESSAGE_COLUMNS} FROM webhook_messages
       WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR order_id = $3)
         AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
       ORDER BY created_at DESC, id DESC LIMIT $6`,
      [webhookId, query.status ?? null, query.orderId ?? null, query.after?.created_at ?? null, query.after?.id ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, next: rows.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async listWebhookAttempts(messageId: string): Promise<port.WebhookAttempt[]> {
    const { rows } = await this.db.query<port.WebhookAttempt>(
      `SELECT attempt, started_at, finished_at, status_code, error, response, duration_ms FROM webhook_attempts
       WHERE message_id = $1 ORDER BY attempt`,
      [messageId],
    );
    return rows;
  }

  async recordWebhookAttempts(messageId: string, jobId: string, expectedAttempts: number, attempts: port.NewWebhookAttempt[], next: port.WebhookMessageNext): Promise<boolean> {
    const last = attempts[attempts.length - 1];
    if (!last) return false;
    const column = <K extends keyof port.NewWebhookAttempt>(key: K) => attempts.map((attempt) => attempt[key]);
    // One statement: the message moves only while pending, carried by this job and at the expected count; only then
    // are the attempts logged, numbered on from it.
    const { rows } = await this.db.query<{ id: string }>(
      `WITH recorded AS (
         UPDATE webhook_messages SET attempts = $3 + cardinality($6::timestamptz[]), last_attempt_at = $4, status = $5,
           next_attempt_at = $12, last_status_code = $13, last_error = $14, last_response = $15
         WHERE id = $1 AND job_id = $2 AND status = 'pending' AND attempts = $3
         RETURNING id
       ),
       logged AS (
         INSERT INTO webhook_attempts (message_id, attempt, started_at, finished_at, status_code, error, response, duration_ms)
         SELECT $1, $3 + a.n, a.started_at, a.finished_at, a.status_code, a.error, a.response, a.duration_ms
         FROM unnest($6::timestamptz[], $7::timestamptz[], $8::int[], $9::text[], $10::text[], $11::int[])
           WITH ORDINALITY AS a(started_at, finished_at, status_code, error, response, duration_ms, n)
         WHERE EXISTS (SELECT 1 FROM recorded)
         ON CONFLICT (message_id, attempt) DO NOTHING
       )
       SELECT id FROM recorded`,
      [messageId, jobId, expectedAttempts, last.started_at, next.status, column('started_at'), column('finished_at'), column('status_code'),
        column('error'), column('response'), column('duration_ms'), next.next_attempt_at, last.status_code, last.error, last.response],
    );
    return rows.length > 0;
  }

  async settleWebhookMessage(messageId: string, jobId: string, next: port.WebhookMessageNext & { last_error: string }): Promise<void> {
    await this.db.query(
      `UPDATE webhook_messages SET status = $3, next_attempt_at = $4, last_error = $5 WHERE id = $1 AND job_id = $2 AND status = 'pending'`,
      [messageId, jobId, next.status, next.next_attempt_at, next.last_error],
    );
  }

  async requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<port.StoredWebhookMessage | null> {
    const { rows } = await this.db.query<port.StoredWebhookMessage>(
      `UPDATE webhook_messages SET status = 'pending', job_id = $2, next_attempt_at = $3 WHERE id = $1
       RETURNING ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id`,
      [messageId, jobId, at],
    );
    return rows[0] ?? null;
  }

  async overdueWebhookMessages(before: string, after: port.OverdueCursor | null, limit: number): Promise<port.OverdueWebhookMessage[]> {
    const { rows } = await this.db.query<port.OverdueWebhookMessage>(
      `SELECT id, webhook_id, tenant_id, job_id, attempts, next_attempt_at FROM webhook_messages
       WHERE status = 'pending' AND next_attempt_at < $1
         AND ($2::timestamptz IS NULL OR (next_attempt_at, id) > ($2::timestamptz, $3::text))
       ORDER BY next_attempt_at, id LIMIT $4`,
      [before, after?.next_attempt_at ?? null, after?.id ?? null, limit],
    );
    return rows;
  }
}
