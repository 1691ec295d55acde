import type { Database } from 'better-sqlite3';
import type { ArrivalClaim, ArrivalLog } from './port';
import { prepareOweEffect } from '../outbox/sqlite';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { sqlStatuses } from '../sql-statuses';

/** ETAs and arriving claims on the embedded store's file. */
export class SqliteArrivalLog implements ArrivalLog {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    // One transaction: the conditional update is the claim (a second one, from any process, matches no row), and
    // the alert it owes is in the outbox when it commits.
    return this.context.write((): ArrivalClaim => {
      const stmt = this.stmt();
      const claimed = stmt.claim.get(at, orderId) as { version: number; tenant_id: string } | undefined;
      if (!claimed) return { claimed: false };
      stmt.oweEffect('arriving', orderId, claimed.version, claimed.tenant_id, at);
      return { claimed: true, seq: claimed.version, tenantId: claimed.tenant_id };
    });
  }

  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    if (updates.length === 0) return Promise.resolve();
    return this.context.write(() => {
      const stmt = this.stmt();
      for (const update of updates) stmt.setEta.run(update.eta, update.orderId);
    });
  }
}

function prepare(db: Database) {
  return {
    claim: db.prepare(
      `UPDATE orders SET arriving_at = ? WHERE id = ? AND arriving_at IS NULL AND status = ${sqlStatuses('out_for_delivery')}
       RETURNING version, tenant_id`,
    ),
    oweEffect: prepareOweEffect(db),
    setEta: db.prepare('UPDATE orders SET eta = ? WHERE id = ?'),
  };
}
