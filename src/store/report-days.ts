import type { ReportRange, ReportSummary } from './store';

const DAY_MS = 24 * 3600_000;

/**
 * A summary's `by_day`, the same in every adapter: each UTC date from `from`'s to the one holding the last instant
 * before `to`, oldest first, with the counts the store found for it (zero where it found none).
 */
export function byDay(
  range: ReportRange,
  placed: Iterable<readonly [date: string, count: number]>,
  delivered: Iterable<readonly [date: string, count: number]>,
): ReportSummary['by_day'] {
  const placedOn = new Map(placed);
  const deliveredOn = new Map(delivered);
  const days: ReportSummary['by_day'] = [];
  const last = Date.parse(range.to) - 1;
  for (let day = Date.parse(range.from.slice(0, 10)); day <= last; day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    days.push({ date, placed: placedOn.get(date) ?? 0, delivered: deliveredOn.get(date) ?? 0 });
  }
  return days;
}
