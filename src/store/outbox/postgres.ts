import type { PoolClient } from 'pg';
import type { PostgresContext } from '../postgres/context';
import { PendingClears, type EffectKey } from './pending-clears';
import type { EffectKind, Outbox, PendingEffect } from './port';

/**
 * The outbox insert of a write that owes effects, as SQL: `rows` yields (kind, order_id, seq, tenant_id,
 * created_at), a `VALUES` list or a `SELECT`. The writes of an order (a commit, a courier assignment, an arrival
 * claim) put it in their own statement, so the change and what it owes commit together or not at all; an effect
 * already owed stays as it is.
 */
export function oweEffectsSql(rows: string): string {
  return `INSERT INTO effects (kind, order_id, seq, tenant_id, created_at) ${rows}
    ON CONFLICT DO NOTHING`;
}

/** The effects a placement owes, written in the placement's transaction (`client`). */
export async function oweEffectsIn(
  client: PoolClient,
  owed: { kinds: readonly EffectKind[]; orderId: string; seq: number; tenantId: string; createdAt: string },
): Promise<void> {
  if (owed.kinds.length === 0) return;
  await client.query(oweEffectsSql('SELECT kind, $2, $3::int, $4, $5 FROM unnest($1::text[]) AS kind'), [
    owed.kinds,
    owed.orderId,
    owed.seq,
    owed.tenantId,
    owed.createdAt,
  ]);
}

const DELETE_EFFECTS = (first: number): string =>
  `DELETE FROM effects WHERE (kind, order_id, seq) IN (SELECT * FROM unnest($${first}::text[], $${first + 1}::text[], $${first + 2}::int[]))`;

function keyColumns(keys: readonly EffectKey[]): unknown[] {
  return [keys.map((key) => key.kind), keys.map((key) => key.orderId), keys.map((key) => key.seq)];
}

/**
 * A statement written as a `WITH` query (an applied event's commit), made to delete the given outbox rows too: one
 * more data-modifying CTE, whose keys are its last three parameters. The deletes commit with it, or not at all.
 */
export function withClears(text: string, values: readonly unknown[], keys: readonly EffectKey[]): [string, unknown[]] {
  if (!/^\s*WITH\s/.test(text)) throw new Error('withClears: the statement must be a WITH query');
  const carried = text.replace(/^\s*WITH\s/, `WITH cleared AS (${DELETE_EFFECTS(values.length + 1)}),\n  `);
  return [carried, [...values, ...keyColumns(keys)]];
}

/**
 * The outbox on PostgreSQL: the `effects` table, one row per (kind, order, seq) owed. A done effect's row is deleted
 * by the next applied event's commit statement on this node (see `clears`), or on its own soon after.
 */
export class PostgresOutbox implements Outbox {
  /** Rows whose effect is done; the order log's commits carry their deletes (`withClears`). */
  readonly clears: PendingClears;

  constructor(private readonly db: PostgresContext) {
    this.clears = new PendingClears({
      clear: async (keys) => {
        await this.db.query(DELETE_EFFECTS(1), keyColumns(keys));
      },
    });
  }

  async pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    const { rows } = await this.db.query<PendingEffect>(
      `SELECT order_id AS "orderId", seq, tenant_id AS "tenantId", created_at AS "createdAt" FROM effects
       WHERE kind = $1 AND created_at < $2 ORDER BY created_at LIMIT $3`,
      [kind, createdBefore, limit],
    );
    // Done here already, their deletes waiting for a commit to carry them.
    return rows.filter((effect) => !this.clears.has(kind, effect.orderId, effect.seq));
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.clears.add({ kind, orderId, seq });
  }

  async oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    await this.db.query(oweEffectsSql('VALUES ($1, $2, $3, $4, $5)'), [effect.kind, effect.orderId, effect.seq, effect.tenantId, effect.createdAt]);
  }
}
