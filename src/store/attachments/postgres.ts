import type { PostgresContext } from '../postgres/context';
import type { Attachment, AttachmentStore, CreatedAttachment } from './port';

const COLUMNS = 'id, tenant_id, content_type, bytes, sha256, uploader, order_id, idempotency_key, created_at';

/** Attachments on PostgreSQL, bytes as `bytea`. */
export class PostgresAttachmentStore implements AttachmentStore {
  constructor(private readonly db: PostgresContext) {}

  async createAttachment(attachment: Attachment, data: Uint8Array): Promise<CreatedAttachment> {
    const a = attachment;
    const { rows } = await this.db.query<Attachment>(
      `INSERT INTO attachments (${COLUMNS}, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (tenant_id, uploader, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id`,
      [a.id, a.tenant_id, a.content_type, a.bytes, a.sha256, a.uploader, a.order_id, a.idempotency_key, a.created_at, Buffer.from(data)],
    );
    if (rows.length > 0) return { kind: 'created', attachment };
    const earlier = await this.db.query<Attachment>(
      `SELECT ${COLUMNS} FROM attachments WHERE tenant_id = $1 AND uploader = $2 AND idempotency_key = $3`,
      [a.tenant_id, a.uploader, a.idempotency_key],
    );
    return { kind: 'existing', attachment: earlier.rows[0]! };
  }

  async getAttachment(id: string): Promise<Attachment | null> {
    const { rows } = await this.db.query<Attachment>(`SELECT ${COLUMNS} FROM attachments WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async readAttachment(id: string): Promise<Uint8Array | null> {
    const { rows } = await this.db.query<{ data: Buffer }>('SELECT data FROM attachments WHERE id = $1', [id]);
    return rows[0]?.data ?? null;
  }

  async linkAttachments(tenantId: string, uploader: string, ids: readonly string[], orderId: string): Promise<Attachment[] | null> {
    const wanted = [...new Set(ids)];
    try {
      return await this.db.transaction(async (client) => {
        const { rows } = await client.query<Attachment>(
          `UPDATE attachments SET order_id = $4 WHERE tenant_id = $1 AND uploader = $2 AND id = ANY($3::text[])
             AND (order_id IS NULL OR order_id = $4) RETURNING ${COLUMNS}`,
          [tenantId, uploader, wanted, orderId],
        );
        // Some could not be linked: the transaction rolls back, so none is.
        if (rows.length !== wanted.length) throw new NotAllLinked();
        return rows;
      });
    } catch (error) {
      if (error instanceof NotAllLinked) return null;
      throw error;
    }
  }

  async eraseUnusedAttachments(createdBefore: string, limit: number): Promise<number> {
    // The batch chosen once (a subquery in the condition may be run again, past the limit); `order_id IS NULL`
    // again on the row deleted: one a proof linked meanwhile is checked anew and kept. A logo a branding is being put
    // with is locked by that put (branding/postgres.ts) and skipped.
    const { rowCount } = await this.db.query(
      `WITH batch AS MATERIALIZED (
         SELECT id FROM attachments WHERE order_id IS NULL AND created_at < $1
           AND NOT EXISTS (SELECT 1 FROM tenant_branding WHERE logo = attachments.id)
         ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)
       DELETE FROM attachments a USING batch WHERE a.id = batch.id AND a.order_id IS NULL`,
      [createdBefore, limit],
    );
    return rowCount ?? 0;
  }
}

/** Rolls a link transaction back when one of its attachments may not be linked. */
class NotAllLinked extends Error {}
