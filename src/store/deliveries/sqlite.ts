import type { Database } from 'better-sqlite3';
import type { AlertKind } from '../../domain/effects';
import type { Delivery, DeliveryChannel, DeliveryClaim, DeliveryLog } from './port';
import { completeDelivery } from '../delivery-keys';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';

/** The alert delivery log in the embedded store's `deliveries` table: one line per (order, seq, kind, channel). */
export class SqliteDeliveryLog implements DeliveryLog {
  private readonly stmt: () => ReturnType<typeof prepare>;

  constructor(private readonly context: SqliteContext) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  listDeliveries(orderId: string): Promise<Delivery[]> {
    return this.context.read(() => this.stmt().list.all(orderId) as Delivery[]);
  }

  alertDeliveries(orderId: string, seq: number, kind: AlertKind = 'status'): Promise<Delivery[]> {
    return this.context.read(() => this.stmt().alert.all(orderId, seq, kind) as Delivery[]);
  }

  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    return this.context.write((): DeliveryClaim => {
      const stmt = this.stmt();
      const existing = stmt.get.get(orderId, seq, kind, channel) as Delivery | undefined;
      if (existing && existing.status !== 'retrying') return { claimed: false, delivery: existing };
      const attempts = (existing?.attempts ?? 0) + 1;
      stmt.put.run({ order_id: orderId, seq, kind, channel, status: 'sending', attempts, at, reason: null, error: null, relay: null });
      return { claimed: true, attempts };
    });
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    return this.context.write(() => {
      this.stmt().put.run(completeDelivery(delivery));
    });
  }

  skipDelivery(delivery: Delivery): Promise<boolean> {
    return this.context.write(() => this.stmt().skip.run(completeDelivery(delivery)).changes > 0);
  }

  recordHanded(deliveries: readonly Delivery[]): Promise<void> {
    return this.context.write(() => {
      const { handed } = this.stmt();
      for (const delivery of deliveries) {
        const { order_id, seq, kind, at } = completeDelivery(delivery);
        handed.run({ order_id, seq, kind, at });
      }
    });
  }
}

function prepare(db: Database) {
  return {
    list: db.prepare('SELECT * FROM deliveries WHERE order_id = ? ORDER BY at, seq, kind, channel'),
    alert: db.prepare('SELECT * FROM deliveries WHERE order_id = ? AND seq = ? AND kind = ? ORDER BY channel'),
    get: db.prepare('SELECT * FROM deliveries WHERE order_id = ? AND seq = ? AND kind = ? AND channel = ?'),
    put: db.prepare(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
       VALUES (@order_id, @seq, @kind, @channel, @status, @attempts, @reason, @error, @relay, @at)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         reason = excluded.reason, error = excluded.error, relay = excluded.relay, at = excluded.at`,
    ),
    skip: db.prepare(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
       VALUES (@order_id, @seq, @kind, @channel, @status, @attempts, @reason, @error, @relay, @at)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         reason = excluded.reason, error = excluded.error, relay = excluded.relay, at = excluded.at
       WHERE deliveries.status = 'retrying'`,
    ),
    handed: db.prepare(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
       SELECT @order_id, @seq, @kind, 'websocket', 'sent', 1, NULL, NULL, NULL, @at
       WHERE NOT EXISTS (SELECT 1 FROM deliveries WHERE order_id = @order_id AND seq = @seq AND kind = @kind)`,
    ),
  };
}
