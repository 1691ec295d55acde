import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import { STORED_WEBHOOK_FIELDS, type StoredWebhook, type WebhookChanges, type WebhookDirectory } from './port';

// A column per field, each holding it as the domain does (`events` a text[]).
const WEBHOOK_COLUMNS = STORED_WEBHOOK_FIELDS.join(', ');
const WEBHOOK_SELECT = `SELECT ${WEBHOOK_COLUMNS} FROM webhooks`;

/** Tenants' webhook endpoints and their signing secrets on PostgreSQL. */
export class PostgresWebhookDirectory implements WebhookDirectory {
  // The endpoint reads of one turn (the webhook relay reads a tenant's endpoints per change), one statement.
  private readonly tenantReads = new TurnBatch<string, StoredWebhook[]>(async (tenantIds) => {
    const { rows } = await this.db.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE tenant_id = ANY($1::text[]) ORDER BY created_at, id`, [tenantIds]);
    return tenantIds.map((tenantId) => rows.filter((row) => row.tenant_id === tenantId));
  }, String);

  constructor(private readonly db: PostgresContext) {}

  async createWebhook(webhook: StoredWebhook): Promise<void> {
    await this.db.query(
      `INSERT INTO webhooks (${WEBHOOK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      STORED_WEBHOOK_FIELDS.map((field) => webhook[field]),
    );
  }

  async getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    const { rows } = await this.db.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE tenant_id = $1 AND id = $2`, [tenantId, webhookId]);
    return rows[0] ?? null;
  }

  async loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    const { rows } = await this.db.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE id = $1`, [webhookId]);
    return rows[0] ?? null;
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.tenantReads.load(tenantId);
  }

  async updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    // Each column is set only when the change names it ($n IS NULL AND NOT set: kept), in one guarded statement.
    const set = (field: keyof WebhookChanges) => changes[field] !== undefined;
    const { rows } = await this.db.query<StoredWebhook>(
      `UPDATE webhooks SET
         url = CASE WHEN $3 THEN $4 ELSE url END,
         events = CASE WHEN $5 THEN $6::text[] ELSE events END,
         description = CASE WHEN $7 THEN $8 ELSE description END,
         enabled = CASE WHEN $9 THEN $10::boolean ELSE enabled END,
         disabled_reason = CASE WHEN $11 THEN $12 ELSE disabled_reason END,
         updated_at = $13
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${WEBHOOK_COLUMNS}`,
      [tenantId, webhookId, set('url'), changes.url ?? null, set('events'), changes.events ?? null, set('description'),
        changes.description ?? null, set('enabled'), changes.enabled ?? null, set('disabled_reason'), changes.disabled_reason ?? null,
        changes.updated_at],
    );
    return rows[0] ?? null;
  }

  async rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    // The right-hand sides read the row as it was: `previous_secret = secret` takes the secret being replaced.
    const { rows } = await this.db.query<StoredWebhook>(
      `UPDATE webhooks SET previous_secret = secret, secret = $3, previous_secret_expires_at = $4, updated_at = $5
       WHERE tenant_id = $1 AND id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
      [tenantId, webhookId, secret, previousExpiresAt, at],
    );
    return rows[0] ?? null;
  }

  async disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled', [
      webhookId,
      reason,
      at,
    ]);
    return (rowCount ?? 0) > 0;
  }

  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    // The endpoint goes with its delivery log, in one transaction.
    return this.db.transaction(async (client) => {
      const { rowCount } = await client.query('DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2', [tenantId, webhookId]);
      if ((rowCount ?? 0) === 0) return false;
      await client.query('DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE webhook_id = $1)', [webhookId]);
      await client.query('DELETE FROM webhook_messages WHERE webhook_id = $1', [webhookId]);
      return true;
    });
  }
}
