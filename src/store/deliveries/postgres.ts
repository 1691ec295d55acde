import type { AlertKind } from '../../domain/effects';
import { alertId, alertIdOf, completeDelivery, type AlertKey } from '../delivery-keys';
import { groupBy } from '../group-by';
import type { PostgresContext } from '../postgres/context';
import { TurnBatch } from '../postgres/turn-batch';
import type { Delivery, DeliveryChannel, DeliveryClaim, DeliveryLog } from './port';

/** The columns of a delivery record, as the log reads them. */
export const DELIVERY_COLUMNS = 'order_id, seq, kind, channel, status, attempts, at, reason, error, relay';
const DELIVERY_SELECT = `SELECT ${DELIVERY_COLUMNS} FROM deliveries`;


/** One row of the log: one alert on one channel. */
interface RowKey extends AlertKey {
  channel: DeliveryChannel;
}

/** A row's key as its columns name it. */
type DeliveryKey = Required<Pick<Delivery, 'order_id' | 'seq' | 'kind' | 'channel'>>;

/** One call of a turn's batch; `call` tells calls with the same row apart (each is answered on its own). */
type Call<T> = T & { call: number };

/**
 * A claim's answer from the turn's statement: `taken` when the row let no claim through (its current state is read
 * after the statement, as a claim on its own would read it).
 */
type ClaimAnswer = DeliveryClaim | 'taken';

/**
 * The alert delivery log on PostgreSQL: one row per (order, seq, kind, channel), claimed by an upsert that only a
 * `retrying` row lets through, so two nodes never both send. The records alerts are decided on are read, the claims
 * made, their outcomes and skips recorded, and the alerts handed to sockets written, one statement per turn for all
 * the alerts of that turn. Calls of one turn on the same row are answered as if made one after the other in the
 * order they were made. Rows go to each statement in one order (by key), so two nodes' statements that touch the same
 * rows wait for each other instead of deadlocking.
 */
export class PostgresDeliveryLog implements DeliveryLog {
  private readonly alertReads = new TurnBatch<AlertKey, Delivery[]>(
    async (keys) => {
      const { rows } = await this.db.query<Delivery>(
        `${DELIVERY_SELECT} WHERE (order_id, seq, kind) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[])) ORDER BY channel`,
        [keys.map((key) => key.orderId), keys.map((key) => key.seq), keys.map((key) => key.kind)],
      );
      const byAlert = groupBy(rows, alertIdOf);
      return keys.map((key) => byAlert.get(alertId(key)) ?? []);
    },
    alertId,
  );

  /**
   * Claims made in one turn, one upsert. The first claim of a row is the one the statement makes; a later claim of
   * the same row in the turn finds the first's: the row it claimed, or (when none was let through) the row as read
   * after the statement.
   */
  private readonly claims = new TurnBatch<Call<RowKey & { at: string }>, ClaimAnswer>(
    async (calls) => {
      const rows = inKeyOrder(firstOfEachRow(calls, rowId), rowId);
      const { rows: claimed } = await this.db.query<Delivery>(
        `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, at)
         SELECT claim.order_id, claim.seq, claim.kind, claim.channel, 'sending', 1, NULL, NULL, claim.at
         FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::timestamptz[]) AS claim (order_id, seq, kind, channel, at)
         ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = 'sending', attempts = deliveries.attempts + 1,
           reason = NULL, error = NULL, at = EXCLUDED.at
         WHERE deliveries.status = 'retrying'
         RETURNING ${DELIVERY_COLUMNS}`,
        [...keyColumns(rows), rows.map((row) => row.at)],
      );
      const byRow = new Map(claimed.map((row) => [deliveryId(row), row]));
      const seen = new Set<string>();
      return calls.map((call): ClaimAnswer => {
        const id = rowId(call);
        const row = byRow.get(id);
        const first = !seen.has(id);
        seen.add(id);
        if (!row) return 'taken';
        return first ? { claimed: true, attempts: row.attempts } : { claimed: false, delivery: { ...row } };
      });
    },
    (call) => String(call.call),
  );

  /** The rows claims found taken, read after the statement that tried them: one statement for a turn's. */
  private readonly takenReads = new TurnBatch<RowKey, Delivery | undefined>(
    async (keys) => {
      const { rows } = await this.db.query<Delivery>(
        `${DELIVERY_SELECT} WHERE (order_id, seq, kind, channel) IN (SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]))`,
        keyColumns(keys),
      );
      const byRow = new Map(rows.map((row) => [deliveryId(row), row]));
      return keys.map((key) => byRow.get(rowId(key)));
    },
    rowId,
  );

  /** Outcomes recorded in one turn, one statement; each call its own key, the last of one alert's channel winning. */
  private readonly records = new TurnBatch<Call<Delivery>, void>(
    async (deliveries) => {
      const last = new Map<string, Required<Delivery>>();
      for (const delivery of deliveries) last.set(deliveryId(delivery), completeDelivery(delivery));
      await this.upsert([...last.values()], false);
      return deliveries.map(() => undefined);
    },
    (delivery) => String(delivery.call),
  );

  /**
   * Skips recorded in one turn, one statement. Only the first skip of a row in the turn can be recorded: a later one
   * finds the row skipped already (or, when the first was refused, the same row that refused it).
   */
  private readonly skips = new TurnBatch<Call<Delivery>, boolean>(
    async (deliveries) => {
      const first = firstOfEachRow(deliveries, deliveryId);
      const recorded = new Set((await this.upsert(first.map(completeDelivery), true)).map(deliveryId));
      const firstCalls = new Set(first.map((delivery) => delivery.call));
      return deliveries.map((delivery) => firstCalls.has(delivery.call) && recorded.has(deliveryId(delivery)));
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
    const key: RowKey = { orderId, seq, kind, channel };
    const answer = await this.claims.load({ ...key, at, call: this.nextCall() });
    if (answer !== 'taken') return answer;
    // The row that refused the claim is there: rows of the log are never deleted.
    return { claimed: false, delivery: (await this.takenReads.load(key))! };
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    return this.records.load({ ...delivery, call: this.nextCall() });
  }

  skipDelivery(delivery: Delivery): Promise<boolean> {
    return this.skips.load({ ...delivery, call: this.nextCall() });
  }

  async recordHanded(deliveries: readonly Delivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    const rows = inKeyOrder(deliveries.map(completeDelivery), deliveryId);
    const column = <T>(value: (delivery: Required<Delivery>) => T): T[] => rows.map(value);
    await this.db.query(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, at, relay)
       SELECT handed.order_id, handed.seq, handed.kind, 'websocket', 'sent', 1, NULL, NULL, handed.at, NULL
       FROM unnest($1::text[], $2::int[], $3::text[], $4::timestamptz[]) AS handed (order_id, seq, kind, at)
       WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.order_id = handed.order_id AND d.seq = handed.seq AND d.kind = handed.kind)
       ON CONFLICT (order_id, seq, kind, channel) DO NOTHING`,
      [column((d) => d.order_id), column((d) => d.seq), column((d) => d.kind), column((d) => d.at)],
    );
  }

  private nextCall(): number {
    this.calls += 1;
    return this.calls;
  }

  /**
   * Writes deliveries (at most one per row), in key order, over what their rows hold (with `onlyOverRetrying`, only
   * over nothing or a `retrying` row); resolves with the keys of the rows written.
   */
  private async upsert(deliveries: Array<Required<Delivery>>, onlyOverRetrying: boolean): Promise<DeliveryKey[]> {
    const rows = inKeyOrder(deliveries, deliveryId);
    const column = <T>(value: (delivery: Required<Delivery>) => T): T[] => rows.map(value);
    const { rows: written } = await this.db.query<DeliveryKey>(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, at, relay)
       SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
         reason = EXCLUDED.reason, error = EXCLUDED.error, at = EXCLUDED.at, relay = EXCLUDED.relay
       ${onlyOverRetrying ? "WHERE deliveries.status = 'retrying'" : ''}
       RETURNING order_id, seq, kind, channel`,
      [
        column((d) => d.order_id),
        column((d) => d.seq),
        column((d) => d.kind),
        column((d) => d.channel),
        column((d) => d.status),
        column((d) => d.attempts),
        column((d) => d.reason),
        column((d) => d.error),
        column((d) => d.at),
        column((d) => d.relay),
      ],
    );
    return written;
  }
}

function rowId(key: RowKey): string {
  return `${alertId(key)}\u0000${key.channel}`;
}

/** The row a delivery is written to, as `rowId` names it. */
function deliveryId(delivery: Pick<Delivery, keyof DeliveryKey>): string {
  return rowId({ orderId: delivery.order_id, seq: delivery.seq, kind: delivery.kind ?? 'status', channel: delivery.channel });
}

/** The first of each row's items, in the order made (a statement may write a row once). */
function firstOfEachRow<T>(items: readonly T[], id: (item: T) => string): T[] {
  const first = new Map<string, T>();
  for (const item of items) if (!first.has(id(item))) first.set(id(item), item);
  return [...first.values()];
}

/** Items in the one order every statement writes rows in, so concurrent statements lock shared rows in the same order. */
function inKeyOrder<T>(items: readonly T[], id: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, key: id(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

/** The key columns of rows, as the statements' first four parameters: order ids, seqs, kinds, channels. */
function keyColumns(rows: readonly RowKey[]): [string[], number[], string[], string[]] {
  return [rows.map((row) => row.orderId), rows.map((row) => row.seq), rows.map((row) => row.kind), rows.map((row) => row.channel)];
}
