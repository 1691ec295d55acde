import type { OrderStatus } from '../../domain/status';
import type { PostgresContext } from '../postgres/context';
import type { ClaimResult, ExternalIdMatch, MessageClaim, Source, SourceChanges, SourceDirectory } from './port';

/**
 * The tables of the source directory: one migration, appended to the PostgreSQL store's list (`postgres/migrations.ts`).
 * `source_messages` holds one row per (source, webhook id): a claim while its batch is processed, then the answer;
 * the primary key is what lets only one of two concurrent deliveries of a message claim it.
 */
export const POSTGRES_SOURCES_MIGRATION = `
  CREATE TABLE IF NOT EXISTS sources (
    id text PRIMARY KEY,
    tenant_id text NOT NULL,
    name text NOT NULL,
    status_map jsonb NOT NULL,
    secret text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sources_by_tenant ON sources (tenant_id, created_at, id);

  CREATE TABLE IF NOT EXISTS source_messages (
    source_id text NOT NULL,
    webhook_id text NOT NULL,
    token text NOT NULL,
    claimed_at timestamptz NOT NULL,
    answer text,
    answered_at timestamptz,
    PRIMARY KEY (source_id, webhook_id)
  );
  CREATE INDEX IF NOT EXISTS source_messages_by_claimed ON source_messages (claimed_at);
`;

// A claim whose record vanished between its insert and its read (released by its holder in that instant) is tried
// again; a record cannot vanish more than a few times in a row unless something is badly wrong.
const CLAIM_ATTEMPTS = 3;

/** The source directory on PostgreSQL. Every operation is one statement, so none needs a transaction of its own. */
export class PostgresSourceDirectory implements SourceDirectory {
  constructor(private readonly db: PostgresContext) {}

  /** One statement's rows, as plain records (read through `rowToSource`). */
  private async query(text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
    return (await this.db.query(text, values)).rows;
  }

  async createSource(source: Source): Promise<void> {
    await this.query(
      `INSERT INTO sources (id, tenant_id, name, status_map, secret, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [source.id, source.tenant_id, source.name, JSON.stringify(source.status_map), source.secret, source.created_at, source.updated_at],
    );
  }

  async listSources(tenantId: string): Promise<Source[]> {
    return (await this.query(`${SOURCE_SELECT} WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId])).map(rowToSource);
  }

  async getSource(tenantId: string, sourceId: string): Promise<Source | null> {
    return optional(await this.query(`${SOURCE_SELECT} WHERE tenant_id = $1 AND id = $2`, [tenantId, sourceId]));
  }

  async findSource(sourceId: string): Promise<Source | null> {
    return optional(await this.query(`${SOURCE_SELECT} WHERE id = $1`, [sourceId]));
  }

  async updateSource(tenantId: string, sourceId: string, changes: SourceChanges): Promise<Source | null> {
    return optional(
      await this.query(
        `UPDATE sources SET name = COALESCE($3, name), status_map = COALESCE($4::jsonb, status_map), updated_at = $5
         WHERE tenant_id = $1 AND id = $2 RETURNING ${SOURCE_COLUMNS}`,
        [tenantId, sourceId, changes.name ?? null, changes.status_map ? JSON.stringify(changes.status_map) : null, changes.updated_at],
      ),
    );
  }

  async deleteSource(tenantId: string, sourceId: string): Promise<boolean> {
    const rows = await this.query(
      `WITH gone AS (DELETE FROM sources WHERE tenant_id = $1 AND id = $2 RETURNING id),
       messages AS (DELETE FROM source_messages WHERE source_id IN (SELECT id FROM gone))
       SELECT id FROM gone`,
      [tenantId, sourceId],
    );
    return rows.length > 0;
  }

  async claimMessage(sourceId: string, webhookId: string, claim: MessageClaim): Promise<ClaimResult> {
    for (let attempt = 1; ; attempt++) {
      // Two deliveries at once: the second insert waits for the first's row, then finds it and takes nothing.
      const taken = await this.query(
        `INSERT INTO source_messages (source_id, webhook_id, token, claimed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (source_id, webhook_id) DO UPDATE SET token = EXCLUDED.token, claimed_at = EXCLUDED.claimed_at
           WHERE source_messages.answer IS NULL AND source_messages.claimed_at < $5
         RETURNING token`,
        [sourceId, webhookId, claim.token, claim.at, claim.staleBefore],
      );
      if (taken.length > 0) return { kind: 'claimed' };
      const [row] = await this.query('SELECT answer FROM source_messages WHERE source_id = $1 AND webhook_id = $2', [sourceId, webhookId]);
      if (row) return typeof row.answer === 'string' ? { kind: 'answered', answer: row.answer } : { kind: 'pending' };
      if (attempt >= CLAIM_ATTEMPTS) return { kind: 'pending' };
    }
  }

  async answerMessage(sourceId: string, webhookId: string, token: string, answer: string, at: string): Promise<void> {
    await this.query(
      `UPDATE source_messages SET answer = $4, answered_at = $5
       WHERE source_id = $1 AND webhook_id = $2 AND token = $3 AND answer IS NULL`,
      [sourceId, webhookId, token, answer, at],
    );
  }

  async releaseMessage(sourceId: string, webhookId: string, token: string): Promise<void> {
    await this.query('DELETE FROM source_messages WHERE source_id = $1 AND webhook_id = $2 AND token = $3 AND answer IS NULL', [
      sourceId,
      webhookId,
      token,
    ]);
  }

  async pruneMessages(before: string, limit: number): Promise<number> {
    const rows = await this.query(
      `DELETE FROM source_messages WHERE (source_id, webhook_id) IN
         (SELECT source_id, webhook_id FROM source_messages WHERE claimed_at < $1 LIMIT $2)
       RETURNING 1`,
      [before, limit],
    );
    return rows.length;
  }

  async orderIdsByExternalId(tenantId: string, externalScope: string, externalIds: readonly string[]): Promise<ExternalIdMatch[]> {
    if (externalIds.length === 0) return [];
    const rows = await this.query(
      `SELECT external_id, id AS order_id FROM orders
       WHERE tenant_id = $1 AND external_scope = $2 AND external_id = ANY($3::text[])`,
      [tenantId, externalScope, externalIds],
    );
    return rows.map((row) => ({ external_id: String(row.external_id), order_id: String(row.order_id) }));
  }
}

const SOURCE_COLUMNS = 'id, tenant_id, name, status_map, secret, created_at, updated_at';
const SOURCE_SELECT = `SELECT ${SOURCE_COLUMNS} FROM sources`;

function rowToSource(row: Record<string, unknown>): Source {
  return {
    id: String(row.id),
    tenant_id: String(row.tenant_id),
    name: String(row.name),
    status_map: row.status_map as Record<string, OrderStatus>,
    secret: String(row.secret),
    created_at: isoTime(row.created_at),
    updated_at: isoTime(row.updated_at),
  };
}

function optional(rows: Array<Record<string, unknown>>): Source | null {
  return rows[0] ? rowToSource(rows[0]) : null;
}

/**
 * A `timestamptz` as the domain's ISO UTC string: the store's pool parses them to that already; a pool with the
 * driver's default parser hands a Date.
 */
function isoTime(value: unknown): string {
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}
