import type { PaymentTransaction } from '../../domain/payment';
import { oweEffectsIn } from '../outbox/postgres';
import type { PostgresContext } from '../postgres/context';
import type { ReportRange } from '../search/port';
import { sqlState, UNIQUE_VIOLATION } from '../postgres/errors';
import type {
  MatchCommit,
  MatchResult,
  PaymentCommit,
  PaymentCommitResult,
  PaymentLedger,
  PaymentReport,
  TransactionPage,
  TransactionQuery,
  UnmatchedResult,
} from './port';
import {
  paymentReportOf,
  SQL_PAID_KINDS,
  SQL_REFUNDED_KINDS,
  SQL_UNCOLLECTABLE_STATUSES,
  type CourierSum,
  type ProviderSums,
} from './report-rows';
import { pageOf, rowToTransaction, type TransactionRow } from './transaction-row';

const BY_EVENT = 'SELECT * FROM payment_transactions WHERE tenant_id = $1 AND order_id = $2 AND event_id = $3';
const BY_PROVIDER_EVENT = 'SELECT * FROM payment_transactions WHERE tenant_id = $1 AND provider = $2 AND provider_event_id = $3';
const INSERT = `INSERT INTO payment_transactions (id, tenant_id, order_id, event_id, provider, provider_event_id, kind, amount_value,
    amount_currency, occurred_at, recorded_at, courier_id, order_rev)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`;

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

  async recordPayment(commit: PaymentCommit): Promise<PaymentCommitResult> {
    try {
      return await this.recordOnce(commit);
    } catch (error) {
      // The same provider event recorded by another node meanwhile (the unique index saw it): that one stands.
      const tx = commit.transaction;
      if (sqlState(error) !== UNIQUE_VIOLATION || tx.provider === null || tx.provider_event_id === null) throw error;
      const first = await this.findProviderEvent(commit.tenantId, tx.provider, tx.provider_event_id);
      if (!first) throw error;
      return { kind: 'duplicate', transaction: first };
    }
  }

  private recordOnce(commit: PaymentCommit): Promise<PaymentCommitResult> {
    const { tenantId, orderId, expectedRev, eventId, transaction: tx, payment, effects = [] } = commit;
    return this.db.transaction(async (client): Promise<PaymentCommitResult> => {
      const existing = await client.query<TransactionRow>(BY_EVENT, [tenantId, orderId, eventId]);
      if (existing.rows[0]) return { kind: 'duplicate', transaction: rowToTransaction(existing.rows[0]) };
      if (tx.provider_event_id !== null) {
        const reported = await client.query<TransactionRow>(BY_PROVIDER_EVENT, [tenantId, tx.provider, tx.provider_event_id]);
        if (reported.rows[0]) return { kind: 'duplicate', transaction: rowToTransaction(reported.rows[0]) };
      }
      const updated = await client.query('UPDATE orders SET payment = $1, rev = rev + 1 WHERE id = $2 AND tenant_id = $3 AND rev = $4', [
        JSON.stringify(payment),
        orderId,
        tenantId,
        expectedRev,
      ]);
      if (updated.rowCount === 0) return { kind: 'rev_conflict' };
      const rev = expectedRev + 1;
      await client.query(INSERT, [tx.id, tenantId, tx.order_id, eventId, tx.provider, tx.provider_event_id, tx.kind, tx.amount.value,
        tx.amount.currency, tx.occurred_at, tx.recorded_at, tx.courier_id, rev]);
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

  async orderTransactions(tenantId: string, orderId: string): Promise<PaymentTransaction[]> {
    const { rows } = await this.db.query<TransactionRow>(
      'SELECT * FROM payment_transactions WHERE tenant_id = $1 AND order_id = $2 ORDER BY recorded_at, id',
      [tenantId, orderId],
    );
    return rows.map(rowToTransaction);
  }

  async findProviderEvent(tenantId: string, provider: string, providerEventId: string): Promise<PaymentTransaction | null> {
    const { rows } = await this.db.query<TransactionRow>(BY_PROVIDER_EVENT, [tenantId, provider, providerEventId]);
    return rows[0] ? rowToTransaction(rows[0]) : null;
  }

  async findTransaction(tenantId: string, transactionId: string): Promise<PaymentTransaction | null> {
    const { rows } = await this.db.query<TransactionRow>('SELECT * FROM payment_transactions WHERE id = $1 AND tenant_id = $2', [transactionId, tenantId]);
    return rows[0] ? rowToTransaction(rows[0]) : null;
  }

  async recordUnmatched(tenantId: string, tx: PaymentTransaction): Promise<UnmatchedResult> {
    const { rowCount } = await this.db.query(`${INSERT} ON CONFLICT DO NOTHING`, [tx.id, tenantId, null, null, tx.provider, tx.provider_event_id,
      tx.kind, tx.amount.value, tx.amount.currency, tx.occurred_at, tx.recorded_at, tx.courier_id, null]);
    if (rowCount && rowCount > 0) return { kind: 'ok' };
    const first = await this.findProviderEvent(tenantId, tx.provider!, tx.provider_event_id!);
    if (!first) throw new Error(`transaction ${tx.id} neither recorded nor found`);
    return { kind: 'duplicate', transaction: first };
  }

  matchTransaction(commit: MatchCommit): Promise<MatchResult> {
    const { tenantId, transactionId, orderId, expectedRev, eventId, payment, effects = [], at } = commit;
    return this.db.transaction(async (client): Promise<MatchResult> => {
      // Locked: two matches of one transaction queue here, and the second finds it matched.
      const found = await client.query<TransactionRow>(
        'SELECT * FROM payment_transactions WHERE id = $1 AND tenant_id = $2 AND order_id IS NULL FOR UPDATE',
        [transactionId, tenantId],
      );
      const row = found.rows[0];
      if (!row) return { kind: 'not_unmatched' };
      const updated = await client.query('UPDATE orders SET payment = $1, rev = rev + 1 WHERE id = $2 AND tenant_id = $3 AND rev = $4', [
        JSON.stringify(payment),
        orderId,
        tenantId,
        expectedRev,
      ]);
      if (updated.rowCount === 0) return { kind: 'rev_conflict' };
      const rev = expectedRev + 1;
      await client.query('UPDATE payment_transactions SET order_id = $1, event_id = $2, order_rev = $3 WHERE id = $4', [orderId, eventId, rev, transactionId]);
      await oweEffectsIn(client, { kinds: effects, orderId, seq: rev, tenantId, createdAt: at });
      return { kind: 'ok', rev, transaction: { ...rowToTransaction(row), order_id: orderId } };
    });
  }

  async listTransactions(tenantId: string, query: TransactionQuery): Promise<TransactionPage> {
    const where = ['tenant_id = $1'];
    const params: unknown[] = [tenantId];
    const add = (condition: (n: string) => string, value: unknown) => {
      params.push(value);
      where.push(condition(`$${params.length}`));
    };
    if (query.from !== undefined) add((n) => `recorded_at >= ${n}`, query.from);
    if (query.to !== undefined) add((n) => `recorded_at < ${n}`, query.to);
    if (query.provider === null) where.push('provider IS NULL');
    else if (query.provider !== undefined) add((n) => `provider = ${n}`, query.provider);
    if (query.kind !== undefined) add((n) => `kind = ${n}`, query.kind);
    if (query.orderId !== undefined) add((n) => `order_id = ${n}`, query.orderId);
    if (query.match === 'matched') where.push('order_id IS NOT NULL');
    if (query.match === 'unmatched') where.push('order_id IS NULL');
    if (query.after) {
      params.push(query.after.recorded_at, query.after.id);
      where.push(`(recorded_at, id) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(query.limit + 1);
    const { rows } = await this.db.query<TransactionRow>(
      `SELECT * FROM payment_transactions WHERE ${where.join(' AND ')} ORDER BY recorded_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return pageOf(rows.map(rowToTransaction), query.limit);
  }
}
