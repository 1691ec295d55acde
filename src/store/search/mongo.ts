import type { Filter } from 'mongodb';
import type { MongoContext } from '../mongo/context';
import type { MongoCollection } from '../mongo/database';
import { documentToOrder, ORDER_ONLY, type OrderDocument } from '../mongo/documents';
import { reportSummary } from './mongo-reports';
import type { ExportedOrder, OrderCursor, OrderFilter, OrderPage, OrderQuery, OrderSearch, ReportRange, ReportSummary } from './port';

// CSV export pages: large enough that a round trip per page costs little, small enough to keep memory flat.
const EXPORT_PAGE = 1000;

/** Search, export and reports over the order documents. */
export class MongoOrderSearch implements OrderSearch {
  constructor(private readonly db: Pick<MongoContext, 'orders' | 'run'>) {}

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.db.run(() => searchOrders(this.db.orders, tenantId, query));
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncGenerator<ExportedOrder[]> {
    let after: OrderCursor | null | undefined;
    do {
      const cursor = after ?? undefined;
      const page = await this.db.run(() => exportPage(this.db.orders, tenantId, filter, cursor, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      after = page.next;
    } while (after);
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    return this.db.run(() => reportSummary(this.db.orders, tenantId, range, nowIso));
  }
}

/**
 * Order search, newest first, keyset-paginated on (created_at, _id), as the other stores do it: one `find` with
 * the filters, sorted on `orders_by_*`'s order and cut at limit + 1. The server's planner picks among the indexes
 * (collections.ts) by trying them; a status list is one `$in`, which it can serve by merging one index range per
 * status; `q` is an anchored prefix regex on the multikey `terms`, a range of `orders_by_terms`.
 */
export async function searchOrders(orders: MongoCollection<OrderDocument>, tenantId: string, query: OrderQuery): Promise<OrderPage> {
  const docs = await orders
    .find(searchFilter(tenantId, query, query.after), { projection: ORDER_ONLY, sort: NEWEST_FIRST, limit: query.limit + 1 })
    .toArray();
  const { rows, next } = page(docs, query.limit);
  return { items: rows.map(documentToOrder), next };
}

/** One page of the export after `after`, in the search order, and where the next one starts. */
async function exportPage(
  orders: MongoCollection<OrderDocument>,
  tenantId: string,
  filter: OrderFilter,
  after: OrderCursor | undefined,
  limit: number,
): Promise<{ orders: ExportedOrder[]; next: OrderCursor | null }> {
  const docs = await orders
    .find<ExportDocument>(searchFilter(tenantId, filter, after), { projection: EXPORT_FIELDS, sort: NEWEST_FIRST, limit: limit + 1 })
    .toArray();
  const { rows, next } = page(docs, limit);
  return { orders: rows.map(toExported), next };
}

const NEWEST_FIRST = { created_at: -1, _id: -1 } as const;

/** The filter of a search: the tenant, every given condition, and the keyset position to continue after. */
export function searchFilter(tenantId: string, filter: OrderFilter, after: OrderCursor | undefined): Filter<OrderDocument> {
  const query: Filter<OrderDocument> = { tenant_id: tenantId };
  const statuses = filter.statuses && filter.statuses.length > 0 ? [...new Set(filter.statuses)] : null;
  // One status or several: the same `$in` (one value gives the index bounds an equality would).
  if (statuses) query.status = { $in: statuses };
  if (filter.customerId !== undefined) query.customer_id = filter.customerId;
  if (filter.courierId !== undefined) query.courier_id = filter.courierId;
  // Newest first after (c, id): created_at <= c bounds the index range; the $or drops the rows at c up to id.
  const createdTo = after && (filter.createdTo === undefined || after.created_at < filter.createdTo) ? after.created_at : filter.createdTo;
  const created = range(filter.createdFrom, createdTo);
  if (created) query.created_at = created;
  const updated = range(filter.updatedFrom, filter.updatedTo);
  if (updated) query.updated_at = updated;
  // A range only ever matches strings (comparisons bracket by BSON type), so orders without a promise never match.
  const promised = range(filter.promisedFrom, filter.promisedTo);
  if (promised) query.promised_by = promised;
  if (filter.q !== undefined) query.terms = { $regex: `^${escapeRegex(filter.q.trim().toLowerCase())}` };
  if (after) query.$or = [{ created_at: { $lt: after.created_at } }, { _id: { $lt: after.id } }];
  return query;
}

/** Inclusive bounds, or null when neither is given. */
function range(from: string | undefined, to: string | undefined): { $gte?: string; $lte?: string } | null {
  if (from === undefined && to === undefined) return null;
  return { ...(from !== undefined && { $gte: from }), ...(to !== undefined && { $lte: to }) };
}

/** `text` as a regex that matches it literally (every metacharacter escaped). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The first `limit` rows and, when there were more, the cursor after the last of them. A read is not a snapshot: an
 * order whose status changes while a scan of `orders_by_status` runs may be handed over twice (its index entry moved
 * ahead of the scan), so repeats are dropped. Across pages none can repeat: the cursor is on fields that never change.
 */
function page<R extends { _id: string; created_at: string }>(docs: R[], limit: number): { rows: R[]; next: OrderCursor | null } {
  const unique = [...new Map(docs.map((doc) => [doc._id, doc])).values()];
  const rows = unique.slice(0, limit);
  const last = rows[rows.length - 1];
  // More were read than the page holds, so there may be more (after a repeat, the next page may turn out empty).
  return { rows, next: docs.length > limit && last ? { created_at: last.created_at, id: last._id } : null };
}

type ExportDocument = Pick<
  OrderDocument,
  '_id' | 'external_id' | 'status' | 'customer_id' | 'courier_id' | 'created_at' | 'delivered_at' | 'promised_by' | 'amount'
>;

// What a CSV row needs, and nothing of the embedded log.
const EXPORT_FIELDS = {
  external_id: 1,
  status: 1,
  customer_id: 1,
  courier_id: 1,
  created_at: 1,
  delivered_at: 1,
  promised_by: 1,
  amount: 1,
} as const;

function toExported(doc: ExportDocument): ExportedOrder {
  return {
    id: doc._id,
    external_id: doc.external_id,
    status: doc.status,
    customer_id: doc.customer_id,
    courier_id: doc.courier_id,
    created_at: doc.created_at,
    delivered_at: doc.delivered_at,
    promised_by: doc.promised_by,
    amount: doc.amount ? { value: doc.amount.value, currency: doc.amount.currency } : null,
  };
}
