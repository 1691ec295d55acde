import type { Database } from 'better-sqlite3';
import type { OrderStatus } from '../../domain/status';
import type {
  ClaimResult,
  ExternalIdMatch,
  MessageClaim,
  Source,
  SourceChanges,
  SourceDirectory,
} from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/**
 * The tables of the source directory: one migration, appended to the embedded store's list (`sqlite/migrations.ts`).
 * `source_messages` holds one row per (source, webhook id): a claim while its batch is processed, then the answer.
 */
export const SQLITE_SOURCES_MIGRATION = `
  CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    status_map TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sources_by_tenant ON sources (tenant_id, created_at, id);

  CREATE TABLE IF NOT EXISTS source_messages (
    source_id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,
    token TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    answer TEXT,
    answered_at TEXT,
    PRIMARY KEY (source_id, webhook_id)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS source_messages_by_claimed ON source_messages (claimed_at);
`;

interface SourceRow extends Omit<Source, 'status_map'> {
  status_map: string;
}

/** The source directory on the embedded store's file. Every write is one statement or a read-then-write in one transaction. */
export class SqliteSourceDirectory implements SourceDirectory {
  private readonly write: SqliteContext['write'];
  private readonly read: SqliteContext['read'];
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(context: SqliteContext) {
    this.write = context.write;
    this.read = context.read;
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createSource(source: Source): Promise<void> {
    return this.write(() => {
      this.stmt().insert.run({ ...source, status_map: JSON.stringify(source.status_map) });
    });
  }

  listSources(tenantId: string): Promise<Source[]> {
    return this.read(() => (this.stmt().byTenant.all(tenantId) as SourceRow[]).map(rowToSource));
  }

  getSource(tenantId: string, sourceId: string): Promise<Source | null> {
    return this.read(() => optional(this.stmt().byTenantAndId.get(tenantId, sourceId) as SourceRow | undefined));
  }

  findSource(sourceId: string): Promise<Source | null> {
    return this.read(() => optional(this.stmt().byId.get(sourceId) as SourceRow | undefined));
  }

  updateSource(tenantId: string, sourceId: string, changes: SourceChanges): Promise<Source | null> {
    return this.write(() =>
      optional(
        this.stmt().update.get({
          tenant_id: tenantId,
          id: sourceId,
          name: changes.name ?? null,
          status_map: changes.status_map ? JSON.stringify(changes.status_map) : null,
          updated_at: changes.updated_at,
        }) as SourceRow | undefined,
      ),
    );
  }

  deleteSource(tenantId: string, sourceId: string): Promise<boolean> {
    return this.write(() => {
      const deleted = this.stmt().delete.run(tenantId, sourceId).changes > 0;
      if (deleted) this.stmt().deleteMessages.run(sourceId);
      return deleted;
    });
  }

  claimMessage(sourceId: string, webhookId: string, claim: MessageClaim): Promise<ClaimResult> {
    return this.write((): ClaimResult => {
      const taken = this.stmt().claim.get({
        source_id: sourceId,
        webhook_id: webhookId,
        token: claim.token,
        at: claim.at,
        stale_before: claim.staleBefore,
      });
      if (taken) return { kind: 'claimed' };
      const row = this.stmt().message.get(sourceId, webhookId) as { answer: string | null } | undefined;
      // The row is there (the insert conflicted): answered, or claimed by someone else and still fresh.
      return row?.answer != null ? { kind: 'answered', answer: row.answer } : { kind: 'pending' };
    });
  }

  answerMessage(sourceId: string, webhookId: string, token: string, answer: string, at: string): Promise<void> {
    return this.write(() => {
      this.stmt().answer.run(answer, at, sourceId, webhookId, token);
    });
  }

  releaseMessage(sourceId: string, webhookId: string, token: string): Promise<void> {
    return this.write(() => {
      this.stmt().release.run(sourceId, webhookId, token);
    });
  }

  pruneMessages(before: string, limit: number): Promise<number> {
    return this.write(() => this.stmt().prune.run(before, limit).changes);
  }

  orderIdsByExternalId(tenantId: string, externalScope: string, externalIds: readonly string[]): Promise<ExternalIdMatch[]> {
    if (externalIds.length === 0) return Promise.resolve([]);
    return this.read(() => this.stmt().byExternalIds.all(tenantId, externalScope, JSON.stringify(externalIds)) as ExternalIdMatch[]);
  }
}

function rowToSource(row: SourceRow): Source {
  return {
    id: row.id,
    tenant_id: row.tenant_id,
    name: row.name,
    status_map: JSON.parse(row.status_map) as Record<string, OrderStatus>,
    secret: row.secret,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function optional(row: SourceRow | undefined): Source | null {
  return row ? rowToSource(row) : null;
}

function prepare(db: Database) {
  return {
    insert: db.prepare(
      `INSERT INTO sources (id, tenant_id, name, status_map, secret, created_at, updated_at)
       VALUES (@id, @tenant_id, @name, @status_map, @secret, @created_at, @updated_at)`,
    ),
    byTenant: db.prepare('SELECT * FROM sources WHERE tenant_id = ? ORDER BY created_at, id'),
    byTenantAndId: db.prepare('SELECT * FROM sources WHERE tenant_id = ? AND id = ?'),
    byId: db.prepare('SELECT * FROM sources WHERE id = ?'),
    update: db.prepare(
      `UPDATE sources SET name = COALESCE(@name, name), status_map = COALESCE(@status_map, status_map), updated_at = @updated_at
       WHERE tenant_id = @tenant_id AND id = @id RETURNING *`,
    ),
    delete: db.prepare('DELETE FROM sources WHERE tenant_id = ? AND id = ?'),
    deleteMessages: db.prepare('DELETE FROM source_messages WHERE source_id = ?'),
    // A new record, or a stale unanswered claim taken over; nothing (no row returned) when the record stands.
    claim: db.prepare(
      `INSERT INTO source_messages (source_id, webhook_id, token, claimed_at) VALUES (@source_id, @webhook_id, @token, @at)
       ON CONFLICT (source_id, webhook_id) DO UPDATE SET token = excluded.token, claimed_at = excluded.claimed_at
         WHERE source_messages.answer IS NULL AND source_messages.claimed_at < @stale_before
       RETURNING token`,
    ),
    message: db.prepare('SELECT answer FROM source_messages WHERE source_id = ? AND webhook_id = ?'),
    answer: db.prepare(
      `UPDATE source_messages SET answer = ?, answered_at = ?
       WHERE source_id = ? AND webhook_id = ? AND token = ? AND answer IS NULL`,
    ),
    release: db.prepare('DELETE FROM source_messages WHERE source_id = ? AND webhook_id = ? AND token = ? AND answer IS NULL'),
    prune: db.prepare(
      `DELETE FROM source_messages WHERE (source_id, webhook_id) IN
         (SELECT source_id, webhook_id FROM source_messages WHERE claimed_at < ? LIMIT ?)`,
    ),
    // `external_id IN (...)` implies it is not null, which lets the partial unique index orders_external_id serve it.
    byExternalIds: db.prepare(
      `SELECT external_id, id AS order_id FROM orders
       WHERE tenant_id = ? AND external_scope = ? AND external_id IN (SELECT value FROM json_each(?))`,
    ),
  };
}
