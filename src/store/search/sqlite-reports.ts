import type { Database } from 'better-sqlite3';
import { sqlStatuses } from '../sql-statuses';
import { cachedStatement } from '../sqlite/statements';
import { decidedPromiseSql, KEPT_PROMISE_SQL } from './on-time-sql';
import type { ReportRange, ReportSummary } from './port';
import { summaryOf, type DateCount, type ReportTotals } from './report-summary';

/**
 * Report reads: the summary as SQL aggregates over `orders_for_reports` (a covering index on the created range,
 * so no row is looked up and none is brought back).
 */

// Every summary query reads the same index range: a report never touches the rows, whose JSON doc is most of them.
const RANGE = `FROM orders INDEXED BY orders_for_reports
  WHERE tenant_id = @tenant_id AND created_at >= @from AND created_at < @to`;

// The on-time rule of `keptPromise` (domain/order.ts), counted (on-time-sql.ts).
const TOTALS = `SELECT
    COUNT(*) AS placed,
    COUNT(delivered_at) AS delivered,
    COALESCE(SUM(status = ${sqlStatuses('returned')}), 0) AS returned,
    COALESCE(SUM(status = ${sqlStatuses('cancelled')}), 0) AS cancelled,
    COALESCE(SUM(failed_attempts), 0) AS failed_attempts,
    COALESCE(SUM(${KEPT_PROMISE_SQL}), 0) AS on_time,
    COALESCE(SUM(${decidedPromiseSql('@now')}), 0) AS decided
  ${RANGE}`;

// Nearest-rank percentiles: one sort of the delivered orders' durations, two ranks picked from it. Durations are
// in days (julianday parses faster than unixepoch); only the two picked ones are turned into seconds.
const DELIVERY_TIMES = `SELECT
    MAX(CASE WHEN position = @rank_p50 THEN days END) AS p50,
    MAX(CASE WHEN position = @rank_p90 THEN days END) AS p90
  FROM (SELECT days, ROW_NUMBER() OVER (ORDER BY days) AS position
    FROM (SELECT julianday(delivered_at) - julianday(created_at) AS days ${RANGE} AND delivered_at IS NOT NULL))`;

const BY_COURIER = `SELECT courier_id, COUNT(delivered_at) AS delivered, SUM(failed_attempts) AS failed_attempts
  ${RANGE} AND courier_id IS NOT NULL GROUP BY courier_id ORDER BY courier_id`;

// `YYYY-MM-DD` is the first ten characters of a stored (UTC) time.
const PLACED_BY_DAY = `SELECT substr(created_at, 1, 10) AS date, COUNT(*) AS n ${RANGE} GROUP BY date`;
const DELIVERED_BY_DAY = `SELECT substr(delivered_at, 1, 10) AS date, COUNT(*) AS n ${RANGE}
  AND delivered_at IS NOT NULL GROUP BY date`;

/** Every summary statement by name (the benchmark and the tests read their query plans). */
export const SUMMARY_STATEMENTS = {
  totals: TOTALS,
  delivery_times: DELIVERY_TIMES,
  by_courier: BY_COURIER,
  placed_by_day: PLACED_BY_DAY,
  delivered_by_day: DELIVERED_BY_DAY,
} as const;

/** The summary of {@link ReportSummary}, from one read snapshot (every figure counts the same orders). */
export function reportSummary(db: Database, tenantId: string, range: ReportRange, nowIso: string): ReportSummary {
  const params = { tenant_id: tenantId, from: range.from, to: range.to };
  return db.transaction((): ReportSummary => {
    const totals = cachedStatement(db, SUMMARY_STATEMENTS.totals).get({ ...params, now: nowIso }) as ReportTotals;
    const times =
      totals.delivered === 0
        ? null
        : (cachedStatement(db, SUMMARY_STATEMENTS.delivery_times).get({
            ...params,
            rank_p50: nearestRank(50, totals.delivered),
            rank_p90: nearestRank(90, totals.delivered),
          }) as { p50: number; p90: number });
    return summaryOf(range, {
      totals,
      deliveryTimeS: times ? { p50: daysToSeconds(times.p50), p90: daysToSeconds(times.p90) } : null,
      byCourier: cachedStatement(db, SUMMARY_STATEMENTS.by_courier).all(params) as ReportSummary['by_courier'],
      placedByDay: cachedStatement(db, SUMMARY_STATEMENTS.placed_by_day).all(params) as DateCount[],
      deliveredByDay: cachedStatement(db, SUMMARY_STATEMENTS.delivered_by_day).all(params) as DateCount[],
    });
  })();
}

/** The 1-based rank of the `percent`th percentile of `count` sorted values (nearest rank: ⌈p·n⌉). */
function nearestRank(percent: number, count: number): number {
  return Math.max(1, Math.ceil((percent * count) / 100));
}

/** Days as seconds to the millisecond: stored times have milliseconds, julianday's floats add noise below them. */
function daysToSeconds(days: number): number {
  return Math.round(days * 86_400_000) / 1000;
}
