import { sqlStatuses } from '../sql-statuses';

/**
 * `keptPromise` (domain/order.ts) as conditions on an `orders` row, for both SQL stores' report counts: an order with
 * a promise is decided once delivered, or once the promise is past unless it was cancelled (no delivery was owed), and
 * kept when delivered at or before it. A comparison with a NULL is not true, so an undelivered order is never kept.
 * ISO UTC strings (SQLite) and `timestamptz` (PostgreSQL) both compare as times.
 * test/unit/on-time-rule.test.ts holds both conditions to `keptPromise`.
 */
export const KEPT_PROMISE_SQL = 'promised_by IS NOT NULL AND delivered_at <= promised_by';

/** Decided as of `now`: the statement's parameter holding the report's instant (`@now`, `$4`). */
export function decidedPromiseSql(now: string): string {
  return `promised_by IS NOT NULL AND (delivered_at IS NOT NULL OR (status <> ${sqlStatuses('cancelled')} AND promised_by < ${now}))`;
}
