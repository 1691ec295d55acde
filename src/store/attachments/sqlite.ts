import type { Database } from 'better-sqlite3';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { Attachment, AttachmentStore, CreatedAttachment } from './port';

const COLUMNS = 'id, tenant_id, content_type, bytes, sha256, uploader, order_id, idempotency_key, created_at';

/** Attachments in the embedded store's `attachments` table, bytes as a BLOB. */
export class SqliteAttachmentStore implements AttachmentStore {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createAttachment(attachment: Attachment, data: Uint8Array): Promise<CreatedAttachment> {
    return this.context.write(() => {
      if (attachment.idempotency_key !== null) {
        const earlier = this.stmt().byKey.get(attachment.tenant_id, attachment.uploader, attachment.idempotency_key) as Attachment | undefined;
        if (earlier) return { kind: 'existing', attachment: earlier };
      }
      this.stmt().insert.run({ ...attachment, data: Buffer.from(data) });
      return { kind: 'created', attachment };
    });
  }

  getAttachment(id: string): Promise<Attachment | null> {
    return this.context.read(() => (this.stmt().byId.get(id) as Attachment | undefined) ?? null);
  }

  readAttachment(id: string): Promise<Uint8Array | null> {
    return this.context.read(() => {
      const row = this.stmt().data.get(id) as { data: Buffer } | undefined;
      return row ? row.data : null;
    });
  }

  linkAttachments(tenantId: string, uploader: string, ids: readonly string[], orderId: string): Promise<Attachment[] | null> {
    return this.context.write(() => {
      const linked: Attachment[] = [];
      for (const id of new Set(ids)) {
        const row = this.stmt().get.get(tenantId, id) as Attachment | undefined;
        if (!row || row.uploader !== uploader || (row.order_id !== null && row.order_id !== orderId)) return null;
        linked.push({ ...row, order_id: orderId });
      }
      for (const attachment of linked) this.stmt().link.run(orderId, attachment.id);
      return linked;
    });
  }

  eraseUnusedAttachments(createdBefore: string, limit: number): Promise<number> {
    // secure_delete (create-store.ts) zeroes the deleted bytes in the file; writes are serial, so a link (or a
    // branding naming it as its logo) either came first (the row is used, and stays) or finds the row gone.
    return this.context.write(() => this.stmt().eraseUnused.run(createdBefore, limit).changes);
  }
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO attachments (${COLUMNS}, data)
       VALUES (@id, @tenant_id, @content_type, @bytes, @sha256, @uploader, @order_id, @idempotency_key, @created_at, @data)`,
    ),
    byKey: db.prepare(`SELECT ${COLUMNS} FROM attachments WHERE tenant_id = ? AND uploader = ? AND idempotency_key = ?`),
    get: db.prepare(`SELECT ${COLUMNS} FROM attachments WHERE tenant_id = ? AND id = ?`),
    byId: db.prepare(`SELECT ${COLUMNS} FROM attachments WHERE id = ?`),
    data: db.prepare('SELECT data FROM attachments WHERE id = ?'),
    link: db.prepare('UPDATE attachments SET order_id = ? WHERE id = ?'),
    eraseUnused: db.prepare(
      `DELETE FROM attachments WHERE id IN (
         SELECT id FROM attachments INDEXED BY attachments_unused WHERE order_id IS NULL AND created_at < ?
           AND NOT EXISTS (SELECT 1 FROM tenant_branding WHERE logo = attachments.id) LIMIT ?)`,
    ),
  };
}
