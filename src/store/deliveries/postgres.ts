import type { AlertKind } from '../../domain/effects';
import { completeDelivery } from '../delivery-keys';
import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import type { Delivery, DeliveryChannel, DeliveryClaim, DeliveryLog } from './port';

const DELIVERY_SELECT = 'SELECT order_id, seq, kind, channel, status, attempts, at, reason, error, relay FROM deliveries';
const DELIVERY_UPSERT = `INSERT INTO deliveries (order_id, seq, channel, status, attempts, reason, error, at, kind, relay)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
    reason = EXCLUDED.reason, error = EXCLUDED.error, at = EXCLUDED.at, relay = EXCLUDED.relay`;

interface AlertKey {
  orderId: string;
  seq: number;
  kind: AlertKind;
}

/**
 * The alert delivery log on PostgreSQL: one row per (order, seq, kind, channel), claimed by an upsert that only a
 * `retrying` row lets through, so two nodes never both send. The records alerts are decided on are read, their
 * outcomes recorded, and the alerts handed to sockets written, one statement per turn for all the alerts of that turn.
 */
export class PostgresDeliveryLog implements DeliveryLog {
  private readonly alertReads = new TurnBatch<AlertKey, Delivery[]>(
    async (keys) => {
      const { rows } = await this.db.query<Delivery>(
        `${DELIVERY_SELECT} WHERE (order_id, seq, kind) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[])) ORDER BY channel`,
        [keys.map((key) => key.orderId), keys.map((key) => key.seq), keys.map((key) => key.kind)],
      );
      const byAlert = new Map<string, Delivery[]>();
      for (const row of rows) {
        const id = alertId({ orderId: row.order_id, seq: row.seq, kind: row.kind ?? 'status' });
        const list = byAlert.get(id);
        if (list) list.push(row);
        else byAlert.set(id, [row]);
      }
      return keys.map((key) => byAlert.get(alertId(key)) ?? []);
    },
    alertId,
  );

  /** Outcomes recorded in one turn, one statement; each call its own key, the last of one alert's channel winning. */
  private readonly records = new TurnBatch<Delivery & { call: number }, void>(
    async (deliveries) => {
      const last = new Map<string, Required<Delivery>>();
      for (const delivery of deliveries) {
        const complete = completeDelivery(delivery);
        last.set(`${alertId({ orderId: complete.order_id, seq: complete.seq, kind: complete.kind })}\u0000${complete.channel}`, complete);
      }
      const rows = [...last.values()];
      const column = <T>(value: (delivery: Required<Delivery>) => T): T[] => rows.map(value);
      await this.db.query(
        `INSERT INTO deliveries (order_id, seq, channel, status, attempts, reason, error, at, kind, relay)
         SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::timestamptz[], $9::text[], $10::text[])
         ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
           reason = EXCLUDED.reason, error = EXCLUDED.error, at = EXCLUDED.at, relay = EXCLUDED.relay`,
        [
          column((d) => d.order_id),
          column((d) => d.seq),
          column((d) => d.channel),
          column((d) => d.status),
          column((d) => d.attempts),
          column((d) => d.reason),
          column((d) => d.error),
          column((d) => d.at),
          column((d) => d.kind),
          column((d) => d.relay),
        ],
      );
      return deliveries.map(() => undefined);
    },
    (delivery) => String(delivery.call),
  );
  private calls = 0;

  constructor(private readonly db: PostgresContext) {}

  async listDeliveries(orderId: string): Promise<Delivery[]> {
    const { rows } = await this.db.query<Delivery>(`${DELIVERY_SELECT} WHERE order_id = $1 ORDER BY at, seq, kind, channel`, [orderId]);
    return rows;
  }

  alertDeliveries(orderId: string, seq: number, kind: AlertKind = 'status'): Promise<Delivery[]> {
    return this.alertReads.load({ orderId, seq, kind });
  }

  async claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    const { rows } = await this.db.query<{ attempts: number }>(
      `INSERT INTO deliveries (order_id, seq, channel, status, attempts, reason, error, at, kind)
       VALUES ($1, $2, $3, 'sending', 1, NULL, NULL, $4, $5)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = 'sending', attempts = deliveries.attempts + 1,
         reason = NULL, error = NULL, at = EXCLUDED.at
       WHERE deliveries.status = 'retrying'
       RETURNING attempts`,
      [orderId, seq, channel, at, kind],
    );
    if (rows[0]) return { claimed: true, attempts: rows[0].attempts };
    const existing = await this.db.query<Delivery>(`${DELIVERY_SELECT} WHERE order_id = $1 AND seq = $2 AND channel = $3 AND kind = $4`, [
      orderId,
      seq,
      channel,
      kind,
    ]);
    return { claimed: false, delivery: existing.rows[0]! };
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    this.calls += 1;
    return this.records.load({ ...delivery, call: this.calls });
  }

  async skipDelivery(delivery: Delivery): Promise<boolean> {
    const { rowCount } = await this.db.query(`${DELIVERY_UPSERT} WHERE deliveries.status = 'retrying'`, deliveryValues(delivery));
    return (rowCount ?? 0) > 0;
  }

  async recordHanded(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const column = <T>(value: (delivery: Required<Delivery>) => T): T[] => deliveries.map((delivery) => value(completeDelivery(delivery)));
    await this.db.query(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, at, relay)
       SELECT handed.order_id, handed.seq, handed.kind, 'websocket', 'sent', 1, NULL, NULL, handed.at, NULL
       FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[]) AS handed (order_id, seq, kind, at)
       WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.order_id = handed.order_id AND d.seq = handed.seq AND d.kind = handed.kind)
       ON CONFLICT (order_id, seq, kind, channel) DO NOTHING`,
      [column((d) => d.order_id), column((d) => d.seq), column((d) => d.kind), column((d) => d.at)],
    );
  }
}

function alertId({ orderId, seq, kind }: AlertKey): string {
  return `${orderId}\u0000${seq}\u0000${kind}`;
}

function deliveryValues(delivery: Delivery): unknown[] {
  const { kind, relay } = completeDelivery(delivery);
  return [delivery.order_id, delivery.seq, delivery.channel, delivery.status, delivery.attempts, delivery.reason, delivery.error, delivery.at, kind, relay];
}
