import type { PoolClient } from 'pg';
import type { PostgresContext } from '../postgres/context';
import { rowToOrder, type OrderRow } from '../postgres/rows';
import type { ExportedOrder, OrderCursor, OrderFilter, OrderPage, OrderQuery, OrderSearch, ReportRange, ReportSummary } from './port';
import { reportSummary } from './postgres-reports';

// CSV export pages: large enough that a round trip per page costs little, small enough to keep memory flat.
const EXPORT_PAGE = 1000;

/** Reads across a tenant's orders on PostgreSQL: search pages, the CSV export and the report figures. */
export class PostgresOrderSearch implements OrderSearch {
  constructor(private readonly db: PostgresContext) {}

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.db.withClient((client) => searchOrders(client, tenantId, query));
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncIterable<ExportedOrder[]> {
    let after: OrderQuery['after'];
    for (;;) {
      const page = await this.db.withClient((client) => exportPage(client, tenantId, filter, after, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      if (!page.next) return;
      after = page.next;
    }
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    // One snapshot: every figure counts the same orders whatever commits meanwhile.
    return this.db.snapshot((client) => reportSummary(client, tenantId, range, nowIso));
  }
}

/**
 * Order search, newest first, keyset-paginated on (created_at, id), as the embedded store does it: each filter
 * combination has an `orders_by_*` index the planner picks with its statistics; a list of statuses is one
 * `status = ANY` condition, which PostgreSQL serves from the status index; `q` is a prefix range over
 * `order_terms` (in the "C" collation, so a range is a prefix).
 */
export async function searchOrders(client: PoolClient, tenantId: string, query: OrderQuery): Promise<OrderPage> {
  const { rows, next } = await searchRows<OrderRow>(client, tenantId, query, 'o.*');
  return { items: rows.map(rowToOrder), next };
}

interface SortKey {
  created_at: string;
  id: string;
}

/** One page of matches as the given columns of `orders o` (which must include `created_at` and `id`). */
async function searchRows<R extends SortKey>(
  client: PoolClient,
  tenantId: string,
  query: OrderQuery,
  columns: string,
): Promise<{ rows: R[]; next: OrderCursor | null }> {
  const values: unknown[] = [tenantId];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = ['o.tenant_id = $1'];
  const statuses = query.statuses && query.statuses.length > 0 ? [...new Set(query.statuses)] : null;
  if (statuses) where.push(statuses.length === 1 ? `o.status = ${param(statuses[0])}` : `o.status = ANY(${param(statuses)}::text[])`);
  if (query.customerId !== undefined) where.push(`o.customer_id = ${param(query.customerId)}`);
  if (query.courierId !== undefined) where.push(`o.courier_id = ${param(query.courierId)}`);
  if (query.createdFrom !== undefined) where.push(`o.created_at >= ${param(query.createdFrom)}`);
  if (query.createdTo !== undefined) where.push(`o.created_at <= ${param(query.createdTo)}`);
  if (query.updatedFrom !== undefined) where.push(`o.updated_at >= ${param(query.updatedFrom)}`);
  if (query.updatedTo !== undefined) where.push(`o.updated_at <= ${param(query.updatedTo)}`);
  if (query.promisedFrom !== undefined) where.push(`o.promised_by >= ${param(query.promisedFrom)}`);
  if (query.promisedTo !== undefined) where.push(`o.promised_by <= ${param(query.promisedTo)}`);
  if (query.q !== undefined) {
    const term = query.q.trim().toLowerCase();
    // U+FFFF sorts after every character a term can hold: [term, term + U+FFFF) is "starts with term".
    where.push(
      `o.id IN (SELECT order_id FROM order_terms WHERE tenant_id = $1 AND term >= ${param(term)} AND term < ${param(`${term}\uffff`)})`,
    );
  }
  if (query.after) where.push(`(o.created_at, o.id) < (${param(query.after.created_at)}::timestamptz, ${param(query.after.id)})`);
  const limit = param(query.limit + 1);
  const { rows } = await client.query<R>(
    `SELECT ${columns} FROM orders o WHERE ${where.join(' AND ')} ORDER BY o.created_at DESC, o.id DESC LIMIT ${limit}`,
    values,
  );
  const hasMore = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { rows: page, next: hasMore && last ? { created_at: last.created_at, id: last.id } : null };
}

// What a CSV row needs: the columns, and the amount out of the JSON doc.
const EXPORT_COLUMNS = `o.id, o.external_id, o.status, o.customer_id, o.courier_id, o.created_at, o.delivered_at, o.promised_by,
  (o.doc -> 'amount' ->> 'value')::bigint AS amount_value, o.doc -> 'amount' ->> 'currency' AS amount_currency`;

/** A CSV row as selected: the amount in two columns, its value a bigint (which arrives as a string). */
type ExportRow = Omit<ExportedOrder, 'amount'> & { amount_value: string | null; amount_currency: string | null };

/** One page of the export after `after`, in the search order (newest first), and where the next one starts. */
export async function exportPage(
  client: PoolClient,
  tenantId: string,
  filter: OrderFilter,
  after: OrderCursor | undefined,
  limit: number,
): Promise<{ orders: ExportedOrder[]; next: OrderCursor | null }> {
  const { rows, next } = await searchRows<ExportRow>(client, tenantId, { ...filter, limit, after }, EXPORT_COLUMNS);
  return { orders: rows.map(toExported), next };
}

function toExported({ amount_value, amount_currency, ...row }: ExportRow): ExportedOrder {
  return {
    ...row,
    // bigint arrives as a string; amounts are minor units, well inside a double's exact range.
    amount: amount_value !== null && amount_currency !== null ? { value: Number(amount_value), currency: amount_currency } : null,
  };
}
