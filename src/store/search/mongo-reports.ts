import type { Document } from 'mongodb';
import type { OrderStatus } from '../../domain/status';
import type { MongoCollection } from '../mongo/database';
import type { OrderDocument } from '../mongo/documents';
import type { ReportRange, ReportSummary } from './port';
import { summaryOf, type ReportTotals } from './report-summary';

/**
 * The summary as one aggregation over a tenant's created range: a `$match` on `orders_by_created` (whose key never
 * changes, so each order is read once) and a `$project` down to the counted fields, then a `$facet` computing every
 * figure from the same input documents, so the figures count the same orders. It is not a snapshot: an order
 * committed while the aggregation runs is counted as it was or as it is. The same definitions as the other stores
 * (see ReportSummary and `keptPromise`): ISO UTC strings compare as times.
 */
export async function reportSummary(
  orders: MongoCollection<OrderDocument>,
  tenantId: string,
  range: ReportRange,
  nowIso: string,
): Promise<ReportSummary> {
  const [result] = await orders.aggregate<Facets>(summaryPipeline(tenantId, range, nowIso)).toArray();
  const times = result?.delivery_times[0];
  const dateCounts = (rows: DateCount[] = []) => rows.map((row) => ({ date: row._id, n: row.n }));
  return summaryOf(range, {
    totals: result?.totals[0] ?? NO_ORDERS,
    deliveryTimeS: times ? { p50: times.p50 / 1000, p90: times.p90 / 1000 } : null,
    byCourier: (result?.by_courier ?? []).map((row) => ({
      courier_id: row._id,
      delivered: row.delivered,
      failed_attempts: row.failed_attempts,
    })),
    placedByDay: dateCounts(result?.placed_by_day),
    deliveredByDay: dateCounts(result?.delivered_by_day),
  });
}

// `$group` over no documents yields no group at all: a range without orders.
const NO_ORDERS: ReportTotals = { placed: 0, delivered: 0, returned: 0, cancelled: 0, failed_attempts: 0, on_time: 0, decided: 0 };

interface Facets {
  totals: ReportTotals[];
  /** Milliseconds; absent when nothing was delivered. */
  delivery_times: Array<{ p50: number; p90: number }>;
  by_courier: Array<{ _id: string; delivered: number; failed_attempts: number }>;
  placed_by_day: DateCount[];
  delivered_by_day: DateCount[];
}

interface DateCount {
  /** `YYYY-MM-DD`. */
  _id: string;
  n: number;
}

const isString = (field: string): Document => ({ $eq: [{ $type: field }, 'string'] });
const countIf = (condition: Document): Document => ({ $sum: { $cond: [condition, 1, 0] } });
const DELIVERED = isString('$delivered_at');
const isStatus = (status: OrderStatus): Document => ({ $eq: ['$status', status] });

/**
 * keptPromise (domain/order.ts) as expressions over an order document, counted: kept = promised and delivered at or
 * before it; decided = promised, and delivered, or not cancelled and past its promise. A missing or null time is not a
 * string, and BSON orders null before every string, hence the explicit checks. `$literal`: in an expression a string
 * is a value, never a path. test/unit/on-time-rule.test.ts holds both to `keptPromise`.
 */
export const KEPT_PROMISE: Document = { $and: [isString('$promised_by'), DELIVERED, { $lte: ['$delivered_at', '$promised_by'] }] };

/** Decided as of `nowIso` (see {@link KEPT_PROMISE}). */
export function decidedPromise(nowIso: string): Document {
  const pastAndOwed = { $and: [{ $ne: ['$status', 'cancelled' satisfies OrderStatus] }, { $lt: ['$promised_by', { $literal: nowIso }] }] };
  return { $and: [isString('$promised_by'), { $or: [DELIVERED, pastAndOwed] }] };
}

// Milliseconds from creation to delivery: the difference of two dates is their distance in milliseconds.
const DELIVERY_MS = {
  $subtract: [{ $dateFromString: { dateString: '$delivered_at' } }, { $dateFromString: { dateString: '$created_at' } }],
};

/** The 0-based index of the nearest-rank `percent`th percentile (rank ⌈p·n⌉) of `$n` sorted values, in integers. */
function rankIndex(percent: number): Document {
  return { $toInt: { $subtract: [{ $max: [1, { $ceil: { $divide: [{ $multiply: [percent, '$n'] }, 100] } }] }, 1] } };
}

/** The summary's pipeline (exported so its plan can be read with `explain`). */
export function summaryPipeline(tenantId: string, range: ReportRange, nowIso: string): Document[] {
  return [
    { $match: { tenant_id: tenantId, created_at: { $gte: range.from, $lt: range.to } } },
    { $project: { _id: 0, status: 1, created_at: 1, delivered_at: 1, promised_by: 1, failed_attempts: 1, courier_id: 1 } },
    {
      $facet: {
        totals: [
          {
            $group: {
              _id: null,
              placed: { $sum: 1 },
              delivered: countIf(DELIVERED),
              returned: countIf(isStatus('returned')),
              cancelled: countIf(isStatus('cancelled')),
              failed_attempts: { $sum: '$failed_attempts' },
              on_time: countIf(KEPT_PROMISE),
              decided: countIf(decidedPromise(nowIso)),
            },
          },
        ],
        // Nearest-rank percentiles: the delivered durations sorted ($sortArray, MongoDB 5.2+), two ranks picked.
        delivery_times: [
          { $match: { delivered_at: { $type: 'string' } } },
          { $group: { _id: null, durations: { $push: DELIVERY_MS } } },
          { $project: { _id: 0, sorted: { $sortArray: { input: '$durations', sortBy: 1 } }, n: { $size: '$durations' } } },
          { $project: { p50: { $arrayElemAt: ['$sorted', rankIndex(50)] }, p90: { $arrayElemAt: ['$sorted', rankIndex(90)] } } },
        ],
        // Courier ids sort in byte order (the collection has no collation), as the embedded store sorts them.
        by_courier: [
          { $match: { courier_id: { $type: 'string' } } },
          { $group: { _id: '$courier_id', delivered: countIf(DELIVERED), failed_attempts: { $sum: '$failed_attempts' } } },
          { $sort: { _id: 1 } },
        ],
        // `YYYY-MM-DD` is the first ten characters (all ASCII) of a stored UTC time.
        placed_by_day: [{ $group: { _id: { $substrBytes: ['$created_at', 0, 10] }, n: { $sum: 1 } } }],
        delivered_by_day: [
          { $match: { delivered_at: { $type: 'string' } } },
          { $group: { _id: { $substrBytes: ['$delivered_at', 0, 10] }, n: { $sum: 1 } } },
        ],
      },
    },
  ];
}
