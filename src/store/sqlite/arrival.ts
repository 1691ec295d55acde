import type { Database } from 'better-sqlite3';
import type { ArrivalClaim, ArrivalLog } from '../ports/arrival-log';
import type { SqliteRunner } from './sources';

export interface SqliteArrivalLogOptions {
  /** The store's connection (after migrations). */
  db: Database;
  /** The store's write path (group commit); `run` may run again (savepoint retry), so it is pure. */
  write: SqliteRunner;
}

/** ETAs and arriving claims on the embedded store's file. */
export class SqliteArrivalLog implements ArrivalLog {
  private readonly write: SqliteRunner;
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(options: SqliteArrivalLogOptions) {
    this.write = options.write;
    this.stmt = prepare(options.db);
  }

  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    // One transaction: the conditional update is the claim (a second one, from any process, matches no row), and
    // the alert it owes is in the outbox when it commits.
    return this.write((): ArrivalClaim => {
      const claimed = this.stmt.claim.get(at, orderId) as { version: number; tenant_id: string } | undefined;
      if (!claimed) return { claimed: false };
      this.stmt.owe.run(orderId, claimed.version, claimed.tenant_id, at);
      return { claimed: true, seq: claimed.version, tenantId: claimed.tenant_id };
    });
  }

  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    return this.write(() => {
      for (const update of updates) this.stmt.setEta.run(update.eta, update.orderId);
    });
  }
}

function prepare(db: Database) {
  return {
    claim: db.prepare(
      `UPDATE orders SET arriving_at = ? WHERE id = ? AND arriving_at IS NULL AND status = 'out_for_delivery'
       RETURNING version, tenant_id`,
    ),
    owe: db.prepare(`INSERT OR IGNORE INTO effects (kind, order_id, seq, tenant_id, created_at) VALUES ('arriving', ?, ?, ?, ?)`),
    setEta: db.prepare('UPDATE orders SET eta = ? WHERE id = ?'),
  };
}
