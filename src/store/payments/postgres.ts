import type { PaymentTransaction } from '../../domain/payment';
import { oweEffectsIn } from '../outbox/postgres';
import type { PostgresContext } from '../postgres/context';
import type { PaymentCommit, PaymentCommitResult, PaymentLedger } from './port';
import { rowToTransaction, type TransactionRow } from './transaction-row';

const BY_EVENT = 'SELECT * FROM payment_transactions WHERE tenant_id = $1 AND order_id = $2 AND event_id = $3';

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

  async findPaymentAtRevision(orderId: string, rev: number): Promise<PaymentTransaction | null> {
    const { rows } = await this.db.query<TransactionRow>('SELECT * FROM payment_transactions WHERE order_id = $1 AND order_rev = $2', [orderId, rev]);
    return rows[0] ? rowToTransaction(rows[0]) : null;
  }
}
