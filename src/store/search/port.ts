import type { Order } from '../../domain/order';
import type { OrderStatus } from '../../domain/status';

/** Reads across a tenant's orders: search pages, the CSV export and report figures. */
export interface OrderSearch {
  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage>;
  /**
   * Every order matching `filter`, newest first (the search order), in pages read as the consumer pulls them: an
   * export of any size holds about one page in memory. No page is empty. Ending the iteration early (`return`)
   * stops the reads.
   */
  exportOrders(tenantId: string, filter: OrderFilter): AsyncIterable<ExportedOrder[]>;
  /**
   * Figures over the orders created in `[range.from, range.to)`, computed where the orders are (aggregates, not
   * rows brought back); `nowIso` decides which promises are past. See {@link ReportSummary} for each definition.
   */
  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary>;
}

/** Filters of an order search; times are ISO UTC, every bound inclusive. */
export interface OrderFilter {
  statuses?: OrderStatus[];
  createdFrom?: string;
  createdTo?: string;
  updatedFrom?: string;
  updatedTo?: string;
  customerId?: string;
  courierId?: string;
  q?: string;
  /** Only orders with a `promised_by` in the range (orders without one never match). */
  promisedFrom?: string;
  promisedTo?: string;
}

export interface OrderQuery extends OrderFilter {
  limit: number;
  /** Position after which to continue (newest first), from a previous page. */
  after?: OrderCursor;
}

export interface OrderCursor {
  created_at: string;
  id: string;
}

export interface OrderPage {
  items: Order[];
  next: OrderCursor | null;
}

/** One order as the CSV export lists it. */
export type ExportedOrder = Pick<
  Order,
  'id' | 'external_id' | 'status' | 'courier_id' | 'created_at' | 'delivered_at' | 'promised_by' | 'amount'
> & { customer_id: string };

/** A report's orders: those created at or after `from` and before `to` (ISO UTC). */
export interface ReportRange {
  from: string;
  to: string;
}

/**
 * The figures of `GET /v1/reports/summary` over the orders created in the range (API.md "Reports"). Orders count
 * by what they are now, so a report on a past range changes while its orders still move.
 */
export interface ReportSummary {
  /** Orders created in the range. */
  placed: number;
  /** Of those, how many were delivered (`delivered_at` set), including ones returned after delivery. */
  delivered: number;
  /** Of those, how many are `returned` now (after a delivery or not). */
  returned: number;
  /** Of those, how many are `cancelled`. */
  cancelled: number;
  /** Sum of their applied `failed_attempt` events. */
  failed_attempts: number;
  /**
   * On time ÷ decided, among orders with a `promised_by` that are not cancelled: decided = delivered, or not
   * delivered and the promise is past; on time = delivered at or before `promised_by` (see `keptPromise`).
   * Null when none is decided.
   */
  on_time_rate: number | null;
  /**
   * Seconds from `created_at` to `delivered_at` over the delivered orders, nearest-rank percentiles (the value at
   * rank ⌈p·n⌉ in ascending order). Null when none was delivered.
   */
  delivery_time_s: { p50: number; p90: number } | null;
  /** Each courier with at least one of the orders (its current assignment), by courier id. */
  by_courier: Array<{ courier_id: string; delivered: number; failed_attempts: number }>;
  /**
   * Each UTC date from `from`'s to the one holding the last instant before `to`, oldest first: orders created that
   * day, and orders of the range delivered that day (deliveries on a later date than the range's last are in
   * `delivered` but on no day here).
   */
  by_day: Array<{ date: string; placed: number; delivered: number }>;
}
