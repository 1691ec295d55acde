import { onTimeRate } from '../../domain/order';
import type { ReportRange, ReportSummary } from './port';

const DAY_MS = 24 * 3600_000;

/** The counts every store's summary query takes over a report's orders (see {@link ReportSummary}). */
export interface ReportTotals {
  placed: number;
  delivered: number;
  returned: number;
  cancelled: number;
  failed_attempts: number;
  /** Orders that kept their promise, by `keptPromise`. */
  on_time: number;
  /** Orders whose promise `keptPromise` has decided (kept or not). */
  decided: number;
}

/** How many of a report's orders were placed (or delivered) on one UTC date, `YYYY-MM-DD`. */
export interface DateCount {
  date: string;
  n: number;
}

/** What a store counted for a summary, before the figures are put together. */
export interface SummaryCounts {
  totals: ReportTotals;
  deliveryTimeS: ReportSummary['delivery_time_s'];
  byCourier: ReportSummary['by_courier'];
  placedByDay: DateCount[];
  deliveredByDay: DateCount[];
}

/** The summary's figures from a store's counts, the same in every adapter. */
export function summaryOf(range: ReportRange, counts: SummaryCounts): ReportSummary {
  const { totals } = counts;
  return {
    placed: totals.placed,
    delivered: totals.delivered,
    returned: totals.returned,
    cancelled: totals.cancelled,
    failed_attempts: totals.failed_attempts,
    on_time_rate: onTimeRate(totals.on_time, totals.decided),
    delivery_time_s: counts.deliveryTimeS,
    by_courier: counts.byCourier,
    by_day: byDay(range, counts.placedByDay, counts.deliveredByDay),
  };
}

/**
 * A summary's `by_day`: each UTC date from `from`'s to the one holding the last instant before `to`, oldest first,
 * with the counts the store found for it (zero where it found none).
 */
function byDay(range: ReportRange, placed: DateCount[], delivered: DateCount[]): ReportSummary['by_day'] {
  const placedOn = new Map(placed.map((row) => [row.date, row.n]));
  const deliveredOn = new Map(delivered.map((row) => [row.date, row.n]));
  const days: ReportSummary['by_day'] = [];
  const last = Date.parse(range.to) - 1;
  for (let day = Date.parse(range.from.slice(0, 10)); day <= last; day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    days.push({ date, placed: placedOn.get(date) ?? 0, delivered: deliveredOn.get(date) ?? 0 });
  }
  return days;
}
