import type { PoolClient } from 'pg';
import { sqlStatuses } from '../sql-statuses';
import { decidedPromiseSql, KEPT_PROMISE_SQL } from './on-time-sql';
import type { ReportRange, ReportSummary } from './port';
import { summaryOf, type DateCount, type ReportTotals } from './report-summary';

/**
 * The summary's SQL for PostgreSQL: aggregates over a tenant's created range, read from `orders_for_reports` (an
 * index-only scan); the same definitions as the embedded store's (see ReportSummary and keptPromise).
 */

const RANGE = 'FROM orders WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3';

const TOTALS = `SELECT
    COUNT(*)::int AS placed,
    COUNT(delivered_at)::int AS delivered,
    COUNT(*) FILTER (WHERE status = ${sqlStatuses('returned')})::int AS returned,
    COUNT(*) FILTER (WHERE status = ${sqlStatuses('cancelled')})::int AS cancelled,
    COALESCE(SUM(failed_attempts), 0)::int AS failed_attempts,
    -- keptPromise (domain/order.ts), counted (on-time-sql.ts).
    COUNT(*) FILTER (WHERE ${KEPT_PROMISE_SQL})::int AS on_time,
    COUNT(*) FILTER (WHERE ${decidedPromiseSql('$4')})::int AS decided,
    -- Nearest-rank percentiles (the value at rank ⌈p·n⌉), as milliseconds.
    percentile_disc(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at))
      FILTER (WHERE delivered_at IS NOT NULL)::float8 AS p50,
    percentile_disc(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM delivered_at - created_at))
      FILTER (WHERE delivered_at IS NOT NULL)::float8 AS p90
  ${RANGE}`;

// Byte order for courier ids, as the embedded store sorts them (a language collation would not).
const BY_COURIER = `SELECT courier_id, COUNT(delivered_at)::int AS delivered, SUM(failed_attempts)::int AS failed_attempts
  ${RANGE} AND courier_id IS NOT NULL GROUP BY courier_id ORDER BY courier_id COLLATE "C"`;

const PLACED_BY_DAY = `SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, COUNT(*)::int AS n ${RANGE} GROUP BY 1`;
const DELIVERED_BY_DAY = `SELECT to_char(delivered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date, COUNT(*)::int AS n ${RANGE}
  AND delivered_at IS NOT NULL GROUP BY 1`;

/** Every summary statement by name (the query plans are checked against them). */
export const SUMMARY_STATEMENTS = { totals: TOTALS, by_courier: BY_COURIER, placed_by_day: PLACED_BY_DAY, delivered_by_day: DELIVERED_BY_DAY } as const;

/** The summary of {@link ReportSummary}; the caller holds one snapshot around it. */
export async function reportSummary(client: PoolClient, tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
  const values = [tenantId, range.from, range.to];
  const totals = (await client.query<Totals>(TOTALS, [...values, nowIso])).rows[0]!;
  const byCourier = (await client.query<ReportSummary['by_courier'][number]>(BY_COURIER, values)).rows;
  const placedByDay = (await client.query<DateCount>(PLACED_BY_DAY, values)).rows;
  const deliveredByDay = (await client.query<DateCount>(DELIVERED_BY_DAY, values)).rows;
  return summaryOf(range, {
    totals,
    deliveryTimeS: totals.p50 === null || totals.p90 === null ? null : { p50: toMs(totals.p50), p90: toMs(totals.p90) },
    byCourier,
    placedByDay,
    deliveredByDay,
  });
}

/** The totals, and the nearest-rank percentiles of the delivered orders' times in seconds (null: none delivered). */
interface Totals extends ReportTotals {
  p50: number | null;
  p90: number | null;
}

/** Seconds to the millisecond: stored times have milliseconds. */
function toMs(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
