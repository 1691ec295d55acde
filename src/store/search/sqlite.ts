import type { Database } from 'better-sqlite3';
import type {
  ExportedOrder,
  OrderCursor,
  OrderFilter,
  OrderPage,
  OrderQuery,
  OrderSearch,
  ReportRange,
  ReportSummary,
} from './port';
import type { SqliteContext } from '../sqlite/context';
import { rowToOrder, type OrderRow } from '../sqlite/rows';
import { cachedStatement } from '../sqlite/statements';
import { reportSummary } from './sqlite-reports';

// An export reads this many orders per read: memory holds one page, and the event loop is free between pages
// (a page is about 10 ms of SQLite work).
const EXPORT_PAGE = 1000;

/**
 * Order search, newest first, keyset-paginated on (created_at, id). Each filter combination is served by
 * one of the `orders_by_*` indexes; a list of statuses runs one index scan per status and merges them, so a
 * page never sorts the whole tenant; `q` is a prefix range scan over `order_terms`. The export reads its pages in
 * the same order; the report figures are SQL aggregates (`sqlite-reports.ts`).
 */
export class SqliteOrderSearch implements OrderSearch {
  constructor(private readonly context: SqliteContext) {}

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.context.read(() => {
      const { rows, next } = searchRows<OrderRow>(this.context.db, tenantId, query, 'o.*');
      return { items: rows.map(rowToOrder), next };
    });
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncGenerator<ExportedOrder[]> {
    let after: OrderCursor | null | undefined;
    do {
      const page = await this.context.read(() => exportPage(this.context.db, tenantId, filter, after ?? undefined, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      after = page.next;
    } while (after);
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    return this.context.read(() => reportSummary(this.context.db, tenantId, range, nowIso));
  }
}

/** The sort key every selected row carries. */
interface SortKey {
  created_at: string;
  id: string;
}

/**
 * One page of the search's matches as the given columns of `orders o` (which must include `created_at`
 * and `id`), for readers that need fewer columns than the whole order, such as the CSV export.
 */
export function searchRows<R extends SortKey>(
  db: Database,
  tenantId: string,
  query: OrderQuery,
  columns: string,
): { rows: R[]; next: OrderCursor | null } {
  const statuses = query.statuses && query.statuses.length > 0 ? [...new Set(query.statuses)] : [undefined];
  const fetch = query.limit + 1;
  let rows: R[] = [];
  for (const status of statuses) rows.push(...runQuery<R>(db, tenantId, query, status, fetch, columns));
  if (statuses.length > 1) rows.sort(newestFirst);
  rows = rows.slice(0, fetch);
  const hasMore = rows.length > query.limit;
  rows = rows.slice(0, query.limit);
  const last = rows[rows.length - 1];
  return { rows, next: hasMore && last ? { created_at: last.created_at, id: last.id } : null };
}

function newestFirst(a: SortKey, b: SortKey): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function runQuery<R>(
  db: Database,
  tenantId: string,
  query: OrderQuery,
  status: string | undefined,
  limit: number,
  columns: string,
): R[] {
  const where: string[] = ['o.tenant_id = @tenant_id'];
  const params: Record<string, string | number> = { tenant_id: tenantId, limit };
  // A filter the query sets: its condition joins `into`, its value binds `@name`.
  const filter = (into: string[], condition: string, name: string, value: string | undefined): void => {
    if (value === undefined) return;
    into.push(condition);
    params[name] = value;
  };
  filter(where, 'o.status = @status', 'status', status);
  filter(where, 'o.customer_id = @customer_id', 'customer_id', query.customerId);
  filter(where, 'o.courier_id = @courier_id', 'courier_id', query.courierId);
  filter(where, 'o.created_at >= @created_from', 'created_from', query.createdFrom);
  filter(where, 'o.created_at <= @created_to', 'created_to', query.createdTo);
  filter(where, 'o.updated_at >= @updated_from', 'updated_from', query.updatedFrom);
  filter(where, 'o.updated_at <= @updated_to', 'updated_to', query.updatedTo);
  const promised: string[] = [];
  filter(promised, 'o.promised_by >= @promised_from', 'promised_from', query.promisedFrom);
  filter(promised, 'o.promised_by <= @promised_to', 'promised_to', query.promisedTo);
  where.push(...promised);
  if (query.after) {
    where.push('(o.created_at, o.id) < (@after_created, @after_id)');
    params.after_created = query.after.created_at;
    params.after_id = query.after.id;
  }
  // The planner, without statistics, walks the tenant newest-first and filters; the index to use is known here.
  let index = '';
  if (query.q !== undefined) {
    const term = query.q.trim().toLowerCase();
    where.push(
      `o.id IN (SELECT order_id FROM order_terms WHERE tenant_id = @tenant_id AND term >= @term_from AND term < @term_to)`,
    );
    params.term_from = term;
    // U+FFFF sorts after every character a term can hold: [term, term + U+FFFF) is "starts with term".
    params.term_to = `${term}\uffff`;
    // A selective prefix: look its few orders up by id and sort them. A broad one (a common name): walk the
    // tenant newest-first and stop at the page's end, as without `q`.
    const matches = cachedStatement(db, COUNT_TERMS).get({ ...params, cap: BROAD_PREFIX }) as { n: number };
    if (matches.n < BROAD_PREFIX) index = 'INDEXED BY sqlite_autoindex_orders_1';
  } else if (promised.length > 0 && isSelectivePromise(db, status, promised, params)) {
    // Few promises in the range (the usual past-promise exception): look them up and sort them.
    index = status !== undefined ? 'INDEXED BY orders_by_status_promised' : 'INDEXED BY orders_by_promised';
  } else if (status !== undefined && query.customerId === undefined && query.courierId === undefined) {
    index = 'INDEXED BY orders_by_status';
  }
  // Left to itself the planner takes a promise range to the (partial) promise index however broad the range is,
  // then sorts every match: a broad range walks newest first instead, and stops at the page's end.
  if (index === '' && promised.length > 0) index = `INDEXED BY ${newestFirstIndex(query, status)}`;
  const sql = `SELECT ${columns} FROM orders o ${index} WHERE ${where.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT @limit`;
  return cachedStatement(db, sql).all(params) as R[];
}

/** The index that walks this query's orders newest first: its equality filter's, else the tenant's. */
function newestFirstIndex(query: OrderQuery, status: string | undefined): string {
  if (query.customerId !== undefined) return 'orders_by_customer';
  if (query.courierId !== undefined) return 'orders_by_courier';
  return status !== undefined ? 'orders_by_status' : 'orders_by_created';
}

/** Whether fewer than {@link BROAD_PREFIX} orders (of `status`, when given) have a promise in the range. */
function isSelectivePromise(
  db: Database,
  status: string | undefined,
  promised: string[],
  params: Record<string, string | number>,
): boolean {
  const [index, byStatus] =
    status !== undefined ? ['orders_by_status_promised', 'AND o.status = @status'] : ['orders_by_promised', ''];
  const sql = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders o INDEXED BY ${index} WHERE o.tenant_id = @tenant_id
    ${byStatus} AND ${promised.join(' AND ')} LIMIT @cap)`;
  const { n } = cachedStatement(db, sql).get({ ...params, cap: BROAD_PREFIX }) as { n: number };
  return n < BROAD_PREFIX;
}

// Past this many matching terms (or promises) a prefix (or promised range) is broad: scanning newest-first finds a
// page sooner than sorting them all.
const BROAD_PREFIX = 500;
const COUNT_TERMS = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM order_terms WHERE tenant_id = @tenant_id
  AND term >= @term_from AND term < @term_to LIMIT @cap)`;

// What a CSV row needs: the columns, and the amount out of the JSON doc (parsed by SQLite, not in JS).
const EXPORT_COLUMNS = `o.id, o.external_id, o.status, o.customer_id, o.courier_id, o.created_at, o.delivered_at,
  o.promised_by, json_extract(o.doc, '$.amount.value') AS amount_value,
  json_extract(o.doc, '$.amount.currency') AS amount_currency`;

/** A CSV row as selected: the amount in two columns. */
type ExportRow = Omit<ExportedOrder, 'amount'> & { amount_value: number | null; amount_currency: string | null };

/** One page of the export after `after`, in the search order (newest first), and where the next one starts. */
function exportPage(
  db: Database,
  tenantId: string,
  filter: OrderFilter,
  after: OrderCursor | undefined,
  limit: number,
): { orders: ExportedOrder[]; next: OrderCursor | null } {
  const { rows, next } = searchRows<ExportRow>(db, tenantId, { ...filter, limit, after }, EXPORT_COLUMNS);
  return { orders: rows.map(toExported), next };
}

function toExported({ amount_value, amount_currency, ...row }: ExportRow): ExportedOrder {
  return {
    ...row,
    amount: amount_value !== null && amount_currency !== null ? { value: amount_value, currency: amount_currency } : null,
  };
}
