import type { PoolClient } from 'pg';
import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
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

/** The outbox on PostgreSQL: the `effects` table, one row per (kind, order, seq) owed. */
export class PostgresOutbox implements Outbox {
  // The clears of one turn (the alert queue and the webhook relay clear one row per change), one statement.
  private readonly clears = new TurnBatch<{ kind: EffectKind; orderId: string; seq: number }, void>(
    async (effects) => {
      await this.db.query(
        `DELETE FROM effects WHERE (kind, order_id, seq) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]))`,
        [effects.map((e) => e.kind), effects.map((e) => e.orderId), effects.map((e) => e.seq)],
      );
      return effects.map(() => undefined);
    },
    (effect) => `${effect.kind}\u0000${effect.orderId}\u0000${effect.seq}`,
  );

  constructor(private readonly db: PostgresContext) {}

  async pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    const { rows } = await this.db.query<PendingEffect>(
      `SELECT order_id AS "orderId", seq, tenant_id AS "tenantId", created_at AS "createdAt" FROM effects
       WHERE kind = $1 AND created_at < $2 ORDER BY created_at LIMIT $3`,
      [kind, createdBefore, limit],
    );
    return rows;
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.clears.load({ kind, orderId, seq });
  }

  async oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    await this.db.query(oweEffectsSql('VALUES ($1, $2, $3, $4, $5)'), [effect.kind, effect.orderId, effect.seq, effect.tenantId, effect.createdAt]);
  }
}
