import type { PaymentTransaction } from '../../domain/payment';
import { oweEffectsIn } from '../outbox/postgres';
import type { PostgresContext } from '../postgres/context';
import type { ReportRange } from '../search/port';
import type { PaymentCommit, PaymentCommitResult, PaymentLedger, PaymentReport } from './port';
import {
  paymentReportOf,
  SQL_PAID_KINDS,
  SQL_REFUNDED_KINDS,
  SQL_UNCOLLECTABLE_STATUSES,
  type CourierSum,
  type ProviderSums,
} from './report-rows';
import { rowToTransaction, type TransactionRow } from './transaction-row';

const BY_EVENT = 'SELECT * FROM payment_transactions WHERE tenant_id = $1 AND order_id = $2 AND event_id = $3';

// The transactions recorded in a report's range ($1 tenant, $2 from, $3 to), read through `payment_transactions_by_recorded`.
const RECORDED = 'FROM payment_transactions WHERE tenant_id = $1 AND recorded_at >= $2 AND recorded_at < $3';

/**
 * An order owing cash on delivery to a courier: the payment column once a transaction wrote it, the placement's before.
 * The condition of the partial index `orders_cod_due` (POSTGRES_CASH_DUE_MIGRATION), which the planner uses for a
 * query that implies it.
 */
const COD_DUE = `courier_id IS NOT NULL AND (COALESCE(payment, doc->'payment')->>'status') = 'cod_due'`;

/** Every payment report statement by name (the tests read their query plans). */
export const PAYMENT_REPORT_STATEMENTS = {
  by_provider: `SELECT provider, amount_currency AS currency,
      COALESCE(SUM(amount_value) FILTER (WHERE kind IN (${SQL_PAID_KINDS})), 0) AS paid,
      COALESCE(SUM(amount_value) FILTER (WHERE kind IN (${SQL_REFUNDED_KINDS})), 0) AS refunded,
      COUNT(*) AS count
    ${RECORDED} AND provider IS NOT NULL GROUP BY provider, amount_currency`,
  collected: `SELECT courier_id, amount_currency AS currency, SUM(amount_value) AS amount
    ${RECORDED} AND kind = 'cod_collected' AND courier_id IS NOT NULL GROUP BY courier_id, amount_currency`,
  unmatched: `SELECT COUNT(*) AS n ${RECORDED} AND order_id IS NULL`,
  due: `SELECT courier_id, paid_by->'amount_due'->>'currency' AS currency, SUM((paid_by->'amount_due'->>'value')::bigint) AS amount
    FROM (SELECT courier_id, COALESCE(payment, doc->'payment') AS paid_by FROM orders
      WHERE tenant_id = $1 AND ${COD_DUE} AND status NOT IN (${SQL_UNCOLLECTABLE_STATUSES})) owing
    WHERE jsonb_typeof(paid_by->'amount_due') = 'object' GROUP BY 1, 2`,
} as const;

/**
 * Payment transactions on PostgreSQL; a record, its order's payment and the effects it owes are one transaction. Two
 * nodes recording on one order queue on the order's row: the second finds the revision moved on and decides again.
 */
export class PostgresPaymentLedger implements PaymentLedger {
  constructor(private readonly db: PostgresContext) {}

  recordPayment(commit: PaymentCommit): Promise<PaymentCommitResult> {
    const { tenantId, orderId, expectedRev, eventId, transaction: tx, payment, effects = [] } = commit;
    return this.db.transaction(async (client): Promise<PaymentCommitResult> => {
      const existing = await client.query<TransactionRow>(BY_EVENT, [tenantId, orderId, eventId]);
      if (existing.rows[0]) return { kind: 'duplicate', transaction: rowToTransaction(existing.rows[0]) };
      const updated = await client.query('UPDATE orders SET payment = $1, rev = rev + 1 WHERE id = $2 AND tenant_id = $3 AND rev = $4', [
        JSON.stringify(payment),
        orderId,
        tenantId,
        expectedRev,
      ]);
      if (updated.rowCount === 0) return { kind: 'rev_conflict' };
      const rev = expectedRev + 1;
      await client.query(
        `INSERT INTO payment_transactions (id, tenant_id, order_id, event_id, provider, provider_event_id, kind, amount_value,
           amount_currency, occurred_at, recorded_at, courier_id, order_rev)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [tx.id, tenantId, tx.order_id, eventId, tx.provider, tx.provider_event_id, tx.kind, tx.amount.value, tx.amount.currency,
          tx.occurred_at, tx.recorded_at, tx.courier_id, rev],
      );
      await oweEffectsIn(client, { kinds: effects, orderId, seq: rev, tenantId, createdAt: tx.recorded_at });
      return { kind: 'ok', rev };
    });
  }

  async findPayment(tenantId: string, orderId: string, eventId: string): Promise<PaymentTransaction | null> {
    const { rows } = await this.db.query<TransactionRow>(BY_EVENT, [tenantId, orderId, eventId]);
    return rows[0] ? rowToTransaction(rows[0]) : null;
  }

  paymentReport(tenantId: string, range: ReportRange): Promise<PaymentReport> {
    // One snapshot: the cash due and collected are as of the same commits, whatever other nodes write meanwhile.
    return this.db.snapshot(async (client) => {
      const recorded = [tenantId, range.from, range.to];
      const statements = PAYMENT_REPORT_STATEMENTS;
      return paymentReportOf({
        byProvider: (await client.query<ProviderSums>(statements.by_provider, recorded)).rows,
        collected: (await client.query<CourierSum>(statements.collected, recorded)).rows,
        unmatched: (await client.query<{ n: string }>(statements.unmatched, recorded)).rows[0]!.n,
        due: (await client.query<CourierSum>(statements.due, [tenantId])).rows,
      });
    });
  }

  async findPaymentAtRevision(orderId: string, rev: number): Promise<PaymentTransaction | null> {
    const { rows } = await this.db.query<TransactionRow>('SELECT * FROM payment_transactions WHERE order_id = $1 AND order_rev = $2', [orderId, rev]);
    return rows[0] ? rowToTransaction(rows[0]) : null;
  }
}
