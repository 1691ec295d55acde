import type { Database } from 'better-sqlite3';
import { erasedOrder, erasedWebhookBody, type PrivacyAuditEntry } from '../../domain/privacy';
import { TERMINAL_STATUSES } from '../../domain/status';
import type { Delivery } from '../deliveries/port';
import type { OrderCursor } from '../search/port';
import type {
  CustomerDeliveriesPage,
  CustomerOrdersPage,
  PrivacyAuditCursor,
  PrivacyAuditPage,
  PrivacyRecords,
} from './port';
import { groupBy } from '../group-by';
import { searchRows } from '../search/sqlite';
import { searchTerms } from '../search-terms';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { orderToRow, rowToEvent, rowToOrder, type EventRow, type OrderRow } from '../sqlite/rows';
import { sqlStatuses } from '../sql-statuses';

export interface SqlitePrivacyOptions extends SqliteContext {
  /** Waits before a checkpoint is tried again (a reader on another connection holds an old snapshot). */
  pause?: (ms: number) => Promise<void>;
}

// A checkpoint that other connections' readers keep from finishing is tried this many times, a little later each time.
const CHECKPOINT_ATTEMPTS = 20;

/**
 * Privacy on the embedded store. Erased values must not survive in the file: the connection runs with `secure_delete`
 * (SQLite zeroes the bytes of deleted and overwritten records, and free pages), and after an erasure the write-ahead log,
 * which still holds the pages as they were before, is checkpointed into the file and truncated (`purgeErased`).
 */
export class SqlitePrivacyRecords implements PrivacyRecords {
  private readonly db: Database;
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly options: SqlitePrivacyOptions) {
    this.db = options.db;
    this.stmt = preparedOnUse(this.db, prepare);
  }

  customerOrdersPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerOrdersPage> {
    return this.options.read(() =>
      this.db.transaction(() => {
        const { rows, next } = this.page<OrderRow>(tenantId, customerId, after, limit, 'o.*');
        const events = this.stmt().historyOf.all(JSON.stringify(rows.map((row) => row.id))) as EventRow[];
        const byOrder = groupBy(events, (event) => event.order_id);
        return {
          orders: rows.map((row) => ({ ...rowToOrder(row), history: (byOrder.get(row.id) ?? []).map(rowToEvent) })),
          next,
        };
      })(),
    );
  }

  customerDeliveriesPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerDeliveriesPage> {
    return this.options.read(() =>
      this.db.transaction(() => {
        const { rows, next } = this.page<{ id: string; created_at: string }>(tenantId, customerId, after, limit, 'o.id, o.created_at');
        const deliveries = this.stmt().deliveriesOf.all(JSON.stringify(rows.map((row) => row.id))) as Delivery[];
        const byOrder = groupBy(deliveries, (delivery) => delivery.order_id);
        return { deliveries: rows.flatMap((row) => byOrder.get(row.id) ?? []), next };
      })(),
    );
  }

  customerKnown(tenantId: string, customerId: string): Promise<boolean> {
    return this.options.read(() => this.stmt().known.get({ tenant_id: tenantId, customer_id: customerId }) !== undefined);
  }

  eraseCustomerOrders(tenantId: string, customerId: string, at: string, limit: number): Promise<string[]> {
    return this.options.write(() => this.erase(this.stmt().unerasedOfCustomer.all(tenantId, customerId, limit) as OrderRow[], at));
  }

  erasePreferences(tenantId: string, customerId: string): Promise<boolean> {
    return this.options.write(() => this.stmt().preferencesDelete.run(tenantId, customerId).changes > 0);
  }

  eraseExpiredOrders(tenantId: string, terminalBefore: string, at: string, limit: number): Promise<string[]> {
    return this.options.write(() => this.erase(this.stmt().unerasedExpired.all(tenantId, terminalBefore, limit) as OrderRow[], at));
  }

  retentionTenants(): Promise<Array<{ tenantId: string; retentionDays: number }>> {
    return this.options.read(() => this.stmt().retentionTenants.all() as Array<{ tenantId: string; retentionDays: number }>);
  }

  async purgeErased(): Promise<void> {
    const pause = this.options.pause ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 0; attempt < CHECKPOINT_ATTEMPTS; attempt++) {
      // TRUNCATE copies every frame of the log into the file and empties the log; `busy` means a reader still needed
      // an old frame, so some were left: try again once it has moved on.
      const [result] = (await this.options.read(() => this.db.pragma('wal_checkpoint(TRUNCATE)'))) as Array<{ busy: number }>;
      if (result?.busy === 0) return;
      await pause(5 * (attempt + 1));
    }
  }

  recordPrivacyAudit(entry: PrivacyAuditEntry): Promise<void> {
    return this.options.write(() => {
      this.stmt().auditInsert.run(entry);
    });
  }

  listPrivacyAudit(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage> {
    return this.options.read(() => {
      const rows = this.stmt().auditList.all({
        tenant_id: tenantId,
        after_at: after?.at ?? '\uffff',
        after_id: after?.id ?? '',
        limit: limit + 1,
      }) as PrivacyAuditEntry[];
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, next: rows.length > limit && last ? { at: last.at, id: last.id } : null };
    });
  }

  private page<R extends { id: string; created_at: string }>(
    tenantId: string,
    customerId: string,
    after: OrderCursor | null,
    limit: number,
    columns: string,
  ): { rows: R[]; next: OrderCursor | null } {
    return searchRows<R>(this.db, tenantId, { customerId, limit, after: after ?? undefined }, columns);
  }

  /** Erases the given orders everywhere the file keeps a copy, their proofs' pictures too (in the caller's transaction). */
  private erase(rows: OrderRow[], at: string): string[] {
    const stmt = this.stmt();
    for (const row of rows) {
      const order = rowToOrder(row);
      const erased = erasedOrder(order, at);
      stmt.orderErase.run({ id: order.id, doc: orderToRow(erased).doc, erased_at: at });
      const kept = new Set(searchTerms(erased));
      for (const term of searchTerms(order)) if (!kept.has(term)) stmt.termDelete.run(order.tenant_id, term, order.id);
      stmt.eventsErase.run(order.id);
      // The pictures of its proof in the same write: no crash leaves the bytes of an order a later run skips as erased.
      stmt.attachmentsErase.run(order.id);
      stmt.deliveriesErase.run(order.id);
      for (const message of stmt.messagesOf.all(order.id) as Array<{ id: string; payload: string }>) {
        stmt.messageErase.run(erasedWebhookBody(message.payload), message.id);
        stmt.attemptsErase.run(message.id);
      }
    }
    return rows.map((row) => row.id);
  }
}

function prepare(db: Database) {
  return {
    historyOf: db.prepare(
      'SELECT * FROM events WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, occurred_at, rowid',
    ),
    deliveriesOf: db.prepare(
      'SELECT * FROM deliveries WHERE order_id IN (SELECT value FROM json_each(?)) ORDER BY order_id, at, seq, channel',
    ),
    known: db.prepare(
      `SELECT 1 FROM orders INDEXED BY orders_by_customer WHERE tenant_id = @tenant_id AND customer_id = @customer_id
       UNION ALL SELECT 1 FROM preferences WHERE tenant_id = @tenant_id AND customer_id = @customer_id
       UNION ALL SELECT 1 FROM ledger WHERE tenant_id = @tenant_id AND customer_id = @customer_id
       LIMIT 1`,
    ),
    unerasedOfCustomer: db.prepare(
      `SELECT * FROM orders INDEXED BY orders_unerased_by_customer WHERE tenant_id = ? AND customer_id = ? AND erased_at IS NULL
       LIMIT ?`,
    ),
    unerasedExpired: db.prepare(
      `SELECT * FROM orders INDEXED BY orders_unerased_terminal WHERE tenant_id = ? AND erased_at IS NULL
         AND status IN (${sqlStatuses(...TERMINAL_STATUSES)}) AND updated_at < ?
       ORDER BY updated_at LIMIT ?`,
    ),
    // The revision moves on: an actor holding the order as it was reloads it before its next write.
    orderErase: db.prepare('UPDATE orders SET doc = @doc, last_location = NULL, erased_at = @erased_at, rev = rev + 1 WHERE id = @id'),
    termDelete: db.prepare('DELETE FROM order_terms WHERE tenant_id = ? AND term = ? AND order_id = ?'),
    eventsErase: db.prepare(
      'UPDATE events SET note = NULL, location = NULL, proof = NULL WHERE order_id = ? AND (note IS NOT NULL OR location IS NOT NULL OR proof IS NOT NULL)',
    ),
    attachmentsErase: db.prepare('DELETE FROM attachments WHERE order_id = ?'),
    // A provider's error text may quote the address or number it refused.
    deliveriesErase: db.prepare('UPDATE deliveries SET error = NULL WHERE order_id = ? AND error IS NOT NULL'),
    messagesOf: db.prepare('SELECT id, payload FROM webhook_messages WHERE order_id = ?'),
    // A receiver's answer may echo the body it was sent.
    messageErase: db.prepare('UPDATE webhook_messages SET payload = ?, last_response = NULL WHERE id = ?'),
    attemptsErase: db.prepare('UPDATE webhook_attempts SET response = NULL WHERE message_id = ? AND response IS NOT NULL'),
    preferencesDelete: db.prepare('DELETE FROM preferences WHERE tenant_id = ? AND customer_id = ?'),
    retentionTenants: db.prepare(
      `SELECT id AS tenantId, json_extract(settings, '$.retention_days') AS retentionDays FROM tenants
       WHERE settings IS NOT NULL AND json_extract(settings, '$.retention_days') IS NOT NULL`,
    ),
    auditInsert: db.prepare(
      `INSERT INTO privacy_audit (id, tenant_id, action, customer_id, orders, actor, at)
       VALUES (@id, @tenant_id, @action, @customer_id, @orders, @actor, @at)`,
    ),
    auditList: db.prepare(
      `SELECT id, tenant_id, action, customer_id, orders, actor, at FROM privacy_audit
       WHERE tenant_id = @tenant_id AND (at, id) < (@after_at, @after_id)
       ORDER BY at DESC, id DESC LIMIT @limit`,
    ),
  };
}
