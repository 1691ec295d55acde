import { PAID_KINDS, REFUNDED_KINDS, UNCOLLECTABLE_STATUSES, type TransactionKind } from '../../domain/payment';
import { sqlStatuses } from '../sql-statuses';
import type { PaymentReport } from './port';

/**
 * The payment report's rows as each store counts them, put together the same way in every adapter: the cash due and
 * the cash collected merged per courier and currency, every list in byte order of its keys. The lists are short (a
 * row per provider or courier and currency), so sorting here costs nothing and spares each dialect its collation.
 */

/** An amount per courier and currency, as a store sums it (PostgreSQL hands a sum back as text). */
export interface CourierSum {
  courier_id: string;
  currency: string;
  amount: number | string;
}

/** A provider's row as a store counts it. */
export interface ProviderSums {
  provider: string;
  currency: string;
  paid: number | string;
  refunded: number | string;
  count: number | string;
}

/** What a store counted for a payment report. */
export interface PaymentReportCounts {
  byProvider: ProviderSums[];
  due: CourierSum[];
  collected: CourierSum[];
  unmatched: number | string;
}

/** The report from a store's counts. */
export function paymentReportOf(counts: PaymentReportCounts): PaymentReport {
  const cash = new Map<string, PaymentReport['cash'][number]>();
  const rowOf = (sum: CourierSum) => {
    const key = JSON.stringify([sum.courier_id, sum.currency]);
    let row = cash.get(key);
    if (!row) cash.set(key, (row = { courier_id: sum.courier_id, currency: sum.currency, due: 0, collected: 0 }));
    return row;
  };
  for (const sum of counts.due) rowOf(sum).due += Number(sum.amount);
  for (const sum of counts.collected) rowOf(sum).collected += Number(sum.amount);
  return {
    by_provider: counts.byProvider
      .map((row) => ({
        provider: row.provider,
        currency: row.currency,
        paid: Number(row.paid),
        refunded: Number(row.refunded),
        count: Number(row.count),
      }))
      .sort((a, b) => byteOrder(a.provider, b.provider) || byteOrder(a.currency, b.currency)),
    cash: [...cash.values()].sort((a, b) => byteOrder(a.courier_id, b.courier_id) || byteOrder(a.currency, b.currency)),
    unmatched: Number(counts.unmatched),
  };
}

/** Byte order of the strings' UTF-8 (code point order), as an SQL `COLLATE "C"` sorts. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Transaction kinds as SQL string literals (`'capture', 'payment'`), the same in both SQL dialects. */
function sqlKinds(names: readonly TransactionKind[]): string {
  return names.map((name) => `'${name}'`).join(', ');
}

/** The domain's paid kinds, refunded kinds and uncollectable statuses as SQL lists. */
export const SQL_PAID_KINDS = sqlKinds(PAID_KINDS);
export const SQL_REFUNDED_KINDS = sqlKinds(REFUNDED_KINDS);
export const SQL_UNCOLLECTABLE_STATUSES = sqlStatuses(...UNCOLLECTABLE_STATUSES);
