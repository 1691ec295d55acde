import type { Database } from 'better-sqlite3';
import type { PaymentTransaction } from '../../domain/payment';
import { prepareOweEffect } from '../outbox/sqlite';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import type { PaymentCommit, PaymentCommitResult, PaymentLedger } from './port';
import { rowToTransaction, type TransactionRow } from './transaction-row';

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
      const existing = stmt.byEvent.get(tenantId, orderId, eventId) as TransactionRow | undefined;
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
}

function transactionColumns(transaction: PaymentTransaction): TransactionRow {
  const { amount, ...rest } = transaction;
  return { ...rest, amount_value: amount.value, amount_currency: amount.currency };
}

function prepare(db: Database) {
  return {
    byEvent: db.prepare('SELECT * FROM payment_transactions WHERE tenant_id = ? AND order_id = ? AND event_id = ?'),
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
