import type { Database } from 'better-sqlite3';
import type { EffectKind, Outbox, PendingEffect } from './port';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { PendingClears } from './pending-clears';

/** Records an owed effect inside the caller's transaction; one already owed (same kind, order and seq) stays as it is. */
export type OweEffect = (kind: EffectKind, orderId: string, seq: number, tenantId: string, createdAt: string) => void;

/**
 * The outbox insert, prepared on `db`, for the writes that owe effects in their own transaction (an order's commit,
 * its courier assignment, an arriving claim): the effect is stored if and only if the write that owes it is.
 */
export function prepareOweEffect(db: Database): OweEffect {
  const insert = db.prepare('INSERT OR IGNORE INTO effects (kind, order_id, seq, tenant_id, created_at) VALUES (?, ?, ?, ?, ?)');
  return (kind, orderId, seq, tenantId, createdAt) => {
    insert.run(kind, orderId, seq, tenantId, createdAt);
  };
}

/**
 * The effects owed and not done yet, in the embedded store's `effects` table. A done effect's row is deleted in the
 * group-commit transaction of the next applied event's commit (see `clears`), or on its own soon after.
 */
export class SqliteOutbox implements Outbox {
  /** Rows whose effect is done; the order log's commits take their deletes into their transaction. */
  readonly clears: PendingClears;
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
    this.clears = new PendingClears({
      clear: (keys) =>
        this.context.write(() => {
          const { delete: remove } = this.stmt();
          for (const key of keys) remove.run(key.kind, key.orderId, key.seq);
        }),
    });
  }

  async pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    const rows = await this.context.read(() => this.stmt().pending.all(kind, createdBefore, limit) as PendingEffect[]);
    // Done here already, their deletes waiting for a commit to carry them.
    return rows.filter((effect) => !this.clears.has(kind, effect.orderId, effect.seq));
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.clears.add({ kind, orderId, seq });
  }

  oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    return this.context.write(() => {
      this.stmt().owe(effect.kind, effect.orderId, effect.seq, effect.tenantId, effect.createdAt);
    });
  }
}

function prepare(db: Database) {
  return {
    owe: prepareOweEffect(db),
    pending: db.prepare(
      `SELECT order_id AS orderId, seq, tenant_id AS tenantId, created_at AS createdAt FROM effects WHERE kind = ? AND created_at < ?
       ORDER BY created_at LIMIT ?`,
    ),
    delete: db.prepare('DELETE FROM effects WHERE kind = ? AND order_id = ? AND seq = ?'),
  };
}
