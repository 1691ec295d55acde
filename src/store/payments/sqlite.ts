import type { Database } from 'better-sqlite3';
import type { PaymentTransaction } from '../../domain/payment';
import { prepareOweEffect } from '../outbox/sqlite';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { ReportRange } from '../search/port';
import { cachedStatement } from '../sqlite/statements';
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

// The transactions recorded in a report's range, read through `payment_transactions_by_recorded`.
const RECORDED = `FROM payment_transactions WHERE tenant_id = @tenant_id AND recorded_at >= @from AND recorded_at < @to`;

/**
 * An order owing cash on delivery to a courier: the payment column once a transaction wrote it, the placement's before.
 * Word for word the condition of the partial index `orders_cod_due` (SQLITE_CASH_DUE_MIGRATION), or SQLite would not
 * use it.
 */
const COD_DUE = `courier_id IS NOT NULL
      AND COALESCE(json_extract(payment, '$.status'), json_extract(doc, '$.payment.status')) = 'cod_due'`;

/** Every payment report statement by name (the tests read their query plans). */
export const PAYMENT_REPORT_STATEMENTS = {
  by_provider: `SELECT provider, amount_currency AS currency,
      COALESCE(SUM(CASE WHEN kind IN (${SQL_PAID_KINDS}) THEN amount_value END), 0) AS paid,
      COALESCE(SUM(CASE WHEN kind IN (${SQL_REFUNDED_KINDS}) THEN amount_value END), 0) AS refunded,
      COUNT(*) AS count
    ${RECORDED} AND provider IS NOT NULL GROUP BY provider, amount_currency`,
  collected: `SELECT courier_id, amount_currency AS currency, SUM(amount_value) AS amount
    ${RECORDED} AND kind = 'cod_collected' AND courier_id IS NOT NULL GROUP BY courier_id, amount_currency`,
  unmatched: `SELECT COUNT(*) AS n ${RECORDED} AND order_id IS NULL`,
  // The payment column once a transaction wrote it, the placement's payment before.
  due: `SELECT courier_id, json_extract(paid_by, '$.amount_due.currency') AS currency,
      SUM(json_extract(paid_by, '$.amount_due.value')) AS amount
    FROM (SELECT courier_id, COALESCE(payment, json_extract(doc, '$.payment')) AS paid_by
      FROM orders INDEXED BY orders_cod_due
      WHERE tenant_id = @tenant_id AND ${COD_DUE} AND status NOT IN (${SQL_UNCOLLECTABLE_STATUSES}))
    WHERE json_extract(paid_by, '$.amount_due') IS NOT NULL GROUP BY 1, 2`,
} as const;

/**
 * Payment transactions in the embedded store; a record, its order's payment and the effects it owes are one group-commit
 * item.
 */
export class SqlitePaymentLedger implements PaymentLedger {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  recordPayment(commit: PaymentCommit): Promise<PaymentCommitResult> {
    const { tenantId, orderId, expectedRev, eventId, transaction, payment, effects = [] } = commit;
    return this.context.write((): PaymentCommitResult => {
      const stmt = this.stmt();
      const existing = (stmt.byEvent.get(tenantId, orderId, eventId) ??
        (transaction.provider_event_id !== null ? stmt.byProviderEvent.get(tenantId, transaction.provider, transaction.provider_event_id) : undefined)) as
        | TransactionRow
        | undefined;
      if (existing) return { kind: 'duplicate', transaction: rowToTransaction(existing) };
      if (stmt.setPayment.run(JSON.stringify(payment), orderId, tenantId, expectedRev).changes === 0) return { kind: 'rev_conflict' };
      const rev = expectedRev + 1;
      stmt.insert.run({ ...transactionColumns(transaction), tenant_id: tenantId, event_id: eventId, order_rev: rev });
      for (const kind of effects) stmt.owe(kind, orderId, rev, tenantId, transaction.recorded_at);
      return { kind: 'ok', rev };
    });
  }

  findPayment(tenantId: string, orderId: string, eventId: string): Promise<PaymentTransaction | null> {
    return this.context.read(() => {
      const row = this.stmt().byEvent.get(tenantId, orderId, eventId) as TransactionRow | undefined;
      return row ? rowToTransaction(row) : null;
    });
  }

  findPaymentAtRevision(orderId: string, rev: number): Promise<PaymentTransaction | null> {
    return this.context.read(() => {
      const row = this.stmt().byRevision.get(orderId, rev) as TransactionRow | undefined;
      return row ? rowToTransaction(row) : null;
    });
  }

  paymentReport(tenantId: string, range: ReportRange): Promise<PaymentReport> {
    return this.context.read(() => paymentReport(this.context.db, tenantId, range));
  }

  orderTransactions(tenantId: string, orderId: string): Promise<PaymentTransaction[]> {
    return this.context.read(() => (this.stmt().byOrder.all(tenantId, orderId) as TransactionRow[]).map(rowToTransaction));
  }

  findProviderEvent(tenantId: string, provider: string, providerEventId: string): Promise<PaymentTransaction | null> {
    return this.context.read(() => {
      const row = this.stmt().byProviderEvent.get(tenantId, provider, providerEventId) as TransactionRow | undefined;
      return row ? rowToTransaction(row) : null;
    });
  }

  findTransaction(tenantId: string, transactionId: string): Promise<PaymentTransaction | null> {
    return this.context.read(() => {
      const row = this.stmt().byId.get(transactionId, tenantId) as TransactionRow | undefined;
      return row ? rowToTransaction(row) : null;
    });
  }

  recordUnmatched(tenantId: string, transaction: PaymentTransaction): Promise<UnmatchedResult> {
    return this.context.write((): UnmatchedResult => {
      const stmt = this.stmt();
      const existing = stmt.byProviderEvent.get(tenantId, transaction.provider, transaction.provider_event_id) as TransactionRow | undefined;
      if (existing) return { kind: 'duplicate', transaction: rowToTransaction(existing) };
      stmt.insert.run({ ...transactionColumns({ ...transaction, order_id: null }), tenant_id: tenantId, event_id: null, order_rev: null });
      return { kind: 'ok' };
    });
  }

  matchTransaction(commit: MatchCommit): Promise<MatchResult> {
    const { tenantId, transactionId, orderId, expectedRev, eventId, payment, effects = [], at } = commit;
    return this.context.write((): MatchResult => {
      const stmt = this.stmt();
      const row = stmt.byId.get(transactionId, tenantId) as TransactionRow | undefined;
      if (!row || row.order_id !== null) return { kind: 'not_unmatched' };
      if (stmt.setPayment.run(JSON.stringify(payment), orderId, tenantId, expectedRev).changes === 0) return { kind: 'rev_conflict' };
      const rev = expectedRev + 1;
      stmt.match.run(orderId, eventId, rev, transactionId, tenantId);
      for (const kind of effects) stmt.owe(kind, orderId, rev, tenantId, at);
      return { kind: 'ok', rev, transaction: { ...rowToTransaction(row), order_id: orderId } };
    });
  }

  listTransactions(tenantId: string, query: TransactionQuery): Promise<TransactionPage> {
    return this.context.read(() => {
      const { sql, params } = transactionListSql(tenantId, query);
      const rows = cachedStatement(this.context.db, sql).all(params) as TransactionRow[];
      return pageOf(rows.map(rowToTransaction), query.limit);
    });
  }
}

/** A list query: the filters present, newest recorded first, one row more than the page to tell whether more follow. */
function transactionListSql(tenantId: string, query: TransactionQuery): { sql: string; params: Record<string, unknown> } {
  const where = ['tenant_id = @tenant_id'];
  const params: Record<string, unknown> = { tenant_id: tenantId, limit: query.limit + 1 };
  if (query.from !== undefined) (where.push('recorded_at >= @from'), (params.from = query.from));
  if (query.to !== undefined) (where.push('recorded_at < @to'), (params.to = query.to));
  if (query.provider === null) where.push('provider IS NULL');
  else if (query.provider !== undefined) (where.push('provider = @provider'), (params.provider = query.provider));
  if (query.kind !== undefined) (where.push('kind = @kind'), (params.kind = query.kind));
  if (query.orderId !== undefined) (where.push('order_id = @order_id'), (params.order_id = query.orderId));
  if (query.match === 'matched') where.push('order_id IS NOT NULL');
  if (query.match === 'unmatched') where.push('order_id IS NULL');
  if (query.after) {
    where.push('(recorded_at < @after_at OR (recorded_at = @after_at AND id < @after_id))');
    params.after_at = query.after.recorded_at;
    params.after_id = query.after.id;
  }
  return {
    sql: `SELECT * FROM payment_transactions INDEXED BY payment_transactions_by_recorded WHERE ${where.join(' AND ')}
      ORDER BY recorded_at DESC, id DESC LIMIT @limit`,
    params,
  };
}


/** The report from one read snapshot: the cash due and collected are as of the same moment. */
function paymentReport(db: Database, tenantId: string, range: ReportRange): PaymentReport {
  const recorded = { tenant_id: tenantId, from: range.from, to: range.to };
  return db.transaction(() =>
    paymentReportOf({
      byProvider: cachedStatement(db, PAYMENT_REPORT_STATEMENTS.by_provider).all(recorded) as ProviderSums[],
      collected: cachedStatement(db, PAYMENT_REPORT_STATEMENTS.collected).all(recorded) as CourierSum[],
      unmatched: (cachedStatement(db, PAYMENT_REPORT_STATEMENTS.unmatched).get(recorded) as { n: number }).n,
      due: cachedStatement(db, PAYMENT_REPORT_STATEMENTS.due).all({ tenant_id: tenantId }) as CourierSum[],
    }),
  )();
}

function transactionColumns(transaction: PaymentTransaction): TransactionRow {
  const { amount, ...rest } = transaction;
  return { ...rest, amount_value: amount.value, amount_currency: amount.currency };
}

function prepare(db: Database) {
  return {
    byEvent: db.prepare('SELECT * FROM payment_transactions WHERE tenant_id = ? AND order_id = ? AND event_id = ?'),
    byProviderEvent: db.prepare('SELECT * FROM payment_transactions WHERE tenant_id = ? AND provider = ? AND provider_event_id = ?'),
    byOrder: db.prepare('SELECT * FROM payment_transactions WHERE tenant_id = ? AND order_id = ? ORDER BY rowid'),
    byId: db.prepare('SELECT * FROM payment_transactions WHERE id = ? AND tenant_id = ?'),
    match: db.prepare('UPDATE payment_transactions SET order_id = ?, event_id = ?, order_rev = ? WHERE id = ? AND tenant_id = ? AND order_id IS NULL'),
    byRevision: db.prepare('SELECT * FROM payment_transactions WHERE order_id = ? AND order_rev = ?'),
    owe: prepareOweEffect(db),
    setPayment: db.prepare('UPDATE orders SET payment = ?, rev = rev + 1 WHERE id = ? AND tenant_id = ? AND rev = ?'),
    insert: db.prepare(
      `INSERT INTO payment_transactions (id, tenant_id, order_id, event_id, provider, provider_event_id, kind, amount_value,
         amount_currency, occurred_at, recorded_at, courier_id, order_rev)
       VALUES (@id, @tenant_id, @order_id, @event_id, @provider, @provider_event_id, @kind, @amount_value, @amount_currency,
         @occurred_at, @recorded_at, @courier_id, @order_rev)`,
    ),
  };
}
