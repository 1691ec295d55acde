import { oweEffectsSql } from '../outbox/postgres';
import type { PostgresContext } from '../postgres/context';
import { sqlStatuses } from '../sql-statuses';
import type { ArrivalClaim, ArrivalLog } from './port';

// One statement, so one transaction: the conditional update is the claim (a concurrent one waits on the row lock,
// then matches nothing), and the alert it owes is in the outbox when it commits.
const CLAIM = `
  WITH claimed AS (
    UPDATE orders SET arriving_at = $2 WHERE id = $1 AND arriving_at IS NULL AND status = ${sqlStatuses('out_for_delivery')}
    RETURNING version, tenant_id
  ), owed AS (
    ${oweEffectsSql(`SELECT 'arriving', $1, version, tenant_id, $2 FROM claimed`)}
  )
  SELECT version, tenant_id FROM claimed`;

/** ETAs and arriving claims in PostgreSQL. */
export class PostgresArrivalLog implements ArrivalLog {
  constructor(private readonly db: PostgresContext) {}

  async claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    const [claimed] = (await this.db.query<{ version: number; tenant_id: string }>(CLAIM, [orderId, at])).rows;
    return claimed ? { claimed: true, seq: claimed.version, tenantId: claimed.tenant_id } : { claimed: false };
  }

  async updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    if (updates.length === 0) return;
    await this.db.query(
      `UPDATE orders o SET eta = u.eta FROM unnest($1::text[], $2::timestamptz[]) AS u(id, eta) WHERE o.id = u.id`,
      [updates.map((update) => update.orderId), updates.map((update) => update.eta)],
    );
  }
}
