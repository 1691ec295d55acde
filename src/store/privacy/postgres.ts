import type { PoolClient } from 'pg';
import { eventFrom, type OrderEvent } from '../../domain/order';
import { erasedOrder, erasedWebhookBody, type PrivacyAuditEntry } from '../../domain/privacy';
import { TERMINAL_STATUSES } from '../../domain/status';
import type { Delivery } from '../deliveries/port';
import type { OrderCursor } from '../search/port';
import { groupBy } from '../group-by';
import type { PostgresContext } from '../postgres/context';
import { docOf } from '../order-row';
import { EVENT_COLUMNS, rowToOrder, type OrderRow } from '../postgres/rows';
import { searchOrders } from '../search/postgres';
import { searchTerms } from '../search-terms';
import type { CustomerDeliveriesPage, CustomerOrdersPage, PrivacyAuditCursor, PrivacyAuditPage, PrivacyRecords } from './port';

/**
 * Privacy on PostgreSQL. An erasure batch is one transaction over its orders, which it locks (`FOR UPDATE`): a
 * concurrent commit of one of them waits for it or loses its revision compare-and-set. The retention sweep skips
 * orders another node is erasing (`SKIP LOCKED`), so two nodes sweeping at once share the work.
 */
export class PostgresPrivacyRecords implements PrivacyRecords {
  constructor(private readonly db: PostgresContext) {}

  customerOrdersPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerOrdersPage> {
    // The orders and their histories from one snapshot.
    return this.db.snapshot(async (client) => {
      const page = await searchOrders(client, tenantId, { customerId, limit, after: after ?? undefined });
      const { rows } = await client.query<OrderEvent>(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = ANY($1::text[]) ORDER BY order_id, occurred_at, position`,
        [page.items.map((order) => order.id)],
      );
      const byOrder = groupBy(rows, (row) => row.order_id);
      return {
        orders: page.items.map((order) => ({ ...order, history: (byOrder.get(order.id) ?? []).map(eventFrom) })),
        next: page.next,
      };
    });
  }

  customerDeliveriesPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerDeliveriesPage> {
    return this.db.withClient(async (client) => {
      const page = await searchOrders(client, tenantId, { customerId, limit, after: after ?? undefined });
      const { rows } = await client.query<Delivery>(
        `SELECT * FROM deliveries WHERE order_id = ANY($1::text[])
         ORDER BY order_id, at, seq, channel`,
        [page.items.map((order) => order.id)],
      );
      const byOrder = groupBy(rows, (row) => row.order_id);
      return { deliveries: page.items.flatMap((order) => byOrder.get(order.id) ?? []), next: page.next };
    });
  }

  customerKnown(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.withClient(async (client) => {
      const { rows } = await client.query(
        `SELECT EXISTS (SELECT 1 FROM orders WHERE tenant_id = $1 AND customer_id = $2)
           OR EXISTS (SELECT 1 FROM preferences WHERE tenant_id = $1 AND customer_id = $2)
           OR EXISTS (SELECT 1 FROM ledger WHERE tenant_id = $1 AND customer_id = $2) AS known`,
        [tenantId, customerId],
      );
      return rows[0]?.known === true;
    });
  }

  eraseCustomerOrders(tenantId: string, customerId: string, at: string, limit: number): Promise<string[]> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<OrderRow>(
        `SELECT * FROM orders WHERE tenant_id = $1 AND customer_id = $2 AND erased_at IS NULL LIMIT $3 FOR UPDATE`,
        [tenantId, customerId, limit],
      );
      return erase(client, rows, at);
    });
  }

  erasePreferences(tenantId: string, customerId: string): Promise<boolean> {
    return this.db.withClient(async (client) => {
      const result = await client.query('DELETE FROM preferences WHERE tenant_id = $1 AND customer_id = $2', [tenantId, customerId]);
      return (result.rowCount ?? 0) > 0;
    });
  }

  eraseExpiredOrders(tenantId: string, terminalBefore: string, at: string, limit: number): Promise<string[]> {
    return this.db.transaction(async (client) => {
      const { rows } = await client.query<OrderRow>(
        `SELECT * FROM orders WHERE tenant_id = $1 AND erased_at IS NULL AND status = ANY($2::text[]) AND updated_at < $3
         ORDER BY updated_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
        [tenantId, TERMINAL_STATUSES, terminalBefore, limit],
      );
      return erase(client, rows, at);
    });
  }

  retentionTenants(): Promise<Array<{ tenantId: string; retentionDays: number }>> {
    return this.db.withClient(async (client) => {
      const { rows } = await client.query<{ tenantId: string; retentionDays: number }>(
        `SELECT id AS "tenantId", (settings->>'retention_days')::integer AS "retentionDays" FROM tenants
         WHERE settings->>'retention_days' IS NOT NULL`,
      );
      return rows;
    });
  }

  async purgeErased(): Promise<void> {
    // The server owns its files: dead row versions go with its vacuum, and no query reads them meanwhile.
  }

  recordPrivacyAudit(entry: PrivacyAuditEntry): Promise<void> {
    return this.db.withClient(async (client) => {
      await client.query(
        `INSERT INTO privacy_audit (id, tenant_id, action, customer_id, orders, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [entry.id, entry.tenant_id, entry.action, entry.customer_id, entry.orders, entry.actor, entry.at],
      );
    });
  }

  listPrivacyAudit(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage> {
    return this.db.withClient(async (client) => {
      const { rows } = await client.query<PrivacyAuditEntry>(
        `SELECT id, tenant_id, action, customer_id, orders, actor, at FROM privacy_audit
         WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (at, id) < ($2::timestamptz, $3::text))
         ORDER BY at DESC, id DESC LIMIT $4`,
        [tenantId, after?.at ?? null, after?.id ?? '', limit + 1],
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
    });
  }
}

/**
 * Erases the given (locked) orders everywhere the database keeps a copy, their proofs' pictures too, in the caller's
 * transaction.
 */
async function erase(client: PoolClient, rows: OrderRow[], at: string): Promise<string[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const docs: string[] = [];
  const dropped: { term: string[]; order: string[] } = { term: [], order: [] };
  for (const row of rows) {
    const order = rowToOrder(row);
    const erased = erasedOrder(order, at);
    docs.push(JSON.stringify(docOf(erased)));
    const kept = new Set(searchTerms(erased));
    for (const term of searchTerms(order)) {
      if (kept.has(term)) continue;
      dropped.term.push(term);
      dropped.order.push(order.id);
    }
  }
  const tenantId = rows[0]!.tenant_id;
  // The revision moves on: an actor holding the order as it was reloads it before its next write.
  await client.query(
    `UPDATE orders o SET doc = u.doc, last_location = NULL, erased_at = $3, rev = o.rev + 1
     FROM unnest($1::text[], $2::jsonb[]) AS u(id, doc) WHERE o.id = u.id`,
    [ids, docs, at],
  );
  await client.query(
    `DELETE FROM order_terms t USING unnest($2::text[], $3::text[]) AS d(term, order_id)
     WHERE t.tenant_id = $1 AND t.term = d.term AND t.order_id = d.order_id`,
    [tenantId, dropped.term, dropped.order],
  );
  await client.query(
    'UPDATE events SET note = NULL, location = NULL, proof = NULL WHERE order_id = ANY($1::text[]) AND (note IS NOT NULL OR location IS NOT NULL OR proof IS NOT NULL)',
    [ids],
  );
  // Their proofs' pictures in the same transaction: no crash leaves the bytes of orders a later run skips as erased.
  await client.query('DELETE FROM attachments WHERE order_id = ANY($1::text[])', [ids]);
  // A provider's error text may quote the address or number it refused.
  await client.query('UPDATE deliveries SET error = NULL WHERE order_id = ANY($1::text[]) AND error IS NOT NULL', [ids]);
  const messages = await client.query<{ id: string; payload: string }>(
    'SELECT id, payload FROM webhook_messages WHERE order_id = ANY($1::text[])',
    [ids],
  );
  if (messages.rows.length > 0) {
    const messageIds = messages.rows.map((message) => message.id);
    // A receiver's answer may echo the body it was sent.
    await client.query(
      `UPDATE webhook_messages m SET payload = u.payload, last_response = NULL
       FROM unnest($1::text[], $2::text[]) AS u(id, payload) WHERE m.id = u.id`,
      [messageIds, messages.rows.map((message) => erasedWebhookBody(message.payload))],
    );
    await client.query('UPDATE webhook_attempts SET response = NULL WHERE message_id = ANY($1::text[]) AND response IS NOT NULL', [
      messageIds,
    ]);
  }
  return ids;
}

