import type { Database, Statement } from 'better-sqlite3';
import type { OrderPage, OrderQuery } from '../store';
import { rowToOrder, type OrderRow } from './rows';

/**
 * Order search, newest first, keyset-paginated on (created_at, id). Each filter combination is served by
 * one of the `orders_by_*` indexes; a list of statuses runs one index scan per status and merges them, so a
 * page never sorts the whole tenant; `q` is a prefix range scan over `order_terms`.
 */
export function searchOrders(db: Database, tenantId: string, query: OrderQuery): OrderPage {
  const statuses = query.statuses && query.statuses.length > 0 ? [...new Set(query.statuses)] : [undefined];
  const fetch = query.limit + 1;
  let rows: OrderRow[] = [];
  for (const status of statuses) rows.push(...runQuery(db, tenantId, query, status, fetch));
  if (statuses.length > 1) rows.sort(newestFirst);
  rows = rows.slice(0, fetch);
  const hasMore = rows.length > query.limit;
  const items = rows.slice(0, query.limit).map(rowToOrder);
  const last = items[items.length - 1];
  return { items, next: hasMore && last ? { created_at: last.created_at, id: last.id } : null };
}

function newestFirst(a: OrderRow, b: OrderRow): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function runQuery(
  db: Database,
  tenantId: string,
  query: OrderQuery,
  status: string | undefined,
  limit: number,
): OrderRow[] {
  const where: string[] = ['o.tenant_id = @tenant_id'];
  const params: Record<string, string | number> = { tenant_id: tenantId, limit };
  if (status !== undefined) {
    where.push('o.status = @status');
    params.status = status;
  }
  if (query.customerId !== undefined) {
    where.push('o.customer_id = @customer_id');
    params.customer_id = query.customerId;
  }
  if (query.courierId !== undefined) {
    where.push('o.courier_id = @courier_id');
    params.courier_id = query.courierId;
  }
  if (query.createdFrom !== undefined) {
    where.push('o.created_at >= @created_from');
    params.created_from = query.createdFrom;
  }
  if (query.createdTo !== undefined) {
    where.push('o.created_at <= @created_to');
    params.created_to = query.createdTo;
  }
  if (query.updatedFrom !== undefined) {
    where.push('o.updated_at >= @updated_from');
    params.updated_from = query.updatedFrom;
  }
  if (query.updatedTo !== undefined) {
    where.push('o.updated_at <= @updated_to');
    params.updated_to = query.updatedTo;
  }
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
    const matches = statement(db, COUNT_TERMS).get({ ...params, cap: BROAD_PREFIX }) as { n: number };
    if (matches.n < BROAD_PREFIX) index = 'INDEXED BY sqlite_autoindex_orders_1';
  } else if (status !== undefined && query.customerId === undefined && query.courierId === undefined) {
    index = 'INDEXED BY orders_by_status';
  }
  const sql = `SELECT o.* FROM orders o ${index} WHERE ${where.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT @limit`;
  return statement(db, sql).all(params) as OrderRow[];
}

// Past this many matching terms a prefix is broad: scanning newest-first finds a page sooner than sorting them all.
const BROAD_PREFIX = 500;
const COUNT_TERMS = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM order_terms WHERE tenant_id = @tenant_id
  AND term >= @term_from AND term < @term_to LIMIT @cap)`;

// Filter combinations are few (one statement per set of filters present), so prepared statements are kept.
const prepared = new WeakMap<Database, Map<string, Statement>>();

function statement(db: Database, sql: string): Statement {
  let cache = prepared.get(db);
  if (!cache) {
    cache = new Map();
    prepared.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}
