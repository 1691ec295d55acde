import type { PaymentTransaction, TransactionKind } from '../../domain/payment';
import type { TransactionPage } from './port';

/**
 * A transaction as both SQL stores keep it: the amount in two columns. PostgreSQL hands a `bigint` back as text,
 * SQLite as a number; either reads back as the number it was.
 */
export interface TransactionRow extends Omit<PaymentTransaction, 'amount'> {
  amount_value: number | string;
  amount_currency: string;
}

/** A stored row as the transaction it is. */
export function rowToTransaction(row: TransactionRow): PaymentTransaction {
  return {
    id: row.id,
    order_id: row.order_id,
    provider: row.provider,
    provider_event_id: row.provider_event_id,
    kind: row.kind as TransactionKind,
    amount: { value: Number(row.amount_value), currency: row.amount_currency },
    occurred_at: row.occurred_at,
    recorded_at: row.recorded_at,
    courier_id: row.courier_id,
  };
}

/** A page of `limit` from `limit + 1` rows read. */
export function pageOf(items: PaymentTransaction[], limit: number): TransactionPage {
  if (items.length <= limit) return { items, next: null };
  const page = items.slice(0, limit);
  const last = page[page.length - 1]!;
  return { items: page, next: { recorded_at: last.recorded_at, id: last.id } };
}
