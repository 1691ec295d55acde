import type { PoolClient } from 'pg';
import { eventFrom, type Location, type Order, type OrderEvent } from '../../domain/order';
import { oweEffectsIn, oweEffectsSql, withClears } from '../outbox/postgres';
import type { PendingClears } from '../outbox/pending-clears';
import type { EffectKind } from '../outbox/port';
import { CommitBatch, owedEffects } from '../postgres/commit-batch';
import type { PostgresContext } from '../postgres/context';
import { sqlState, UNIQUE_VIOLATION } from '../postgres/errors';
import { docOf, orderColumns, type OrderColumns } from '../order-row';
import { EVENT_COLUMNS, eventDetailValues, eventParams, eventValues, rowToOrder, stateValues, type OrderRow } from '../postgres/rows';
import { TurnBatch } from '../postgres/turn-batch';
import { searchTerms } from '../search-terms';
import type { CommitResult, CreateOrderResult, EventCommit, NewOrder, OrderHead, OrderLog } from './port';

// A writer that loses a unique race (two nodes placing the same key at once) tries again and finds the winner.
const CREATE_ATTEMPTS = 3;

/**
 * Orders and their event logs on PostgreSQL. Events are unique per (order, event id) and (order, seq), order state is
 * written under a compare-and-set on its revision, idempotency keys and external ids are unique constraints. A
 * commit is one statement (data-modifying CTEs: duplicate check, guarded update, event and outbox in one round
 * trip), and the commits of many actors in one turn of the event loop share one statement (CommitBatch); the
 * actors' loads of one turn are one statement too.
 */
export class PostgresOrderLog implements OrderLog {
  private readonly batch: CommitBatch;
  private readonly reads = new TurnBatch<string, Order | null>(async (ids) => {
    const { rows } = await this.db.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((row) => [row.id, rowToOrder(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }, String);
  private readonly eventReads = new TurnBatch<EventsRead, OrderEvent[]>(async (reads) => {
    const { rows } = await this.db.query<OrderEvent & { i: string }>(
      `SELECT r.i, ${EVENT_COLUMNS.split(', ').map((column) => `e.${column}`).join(', ')}
       FROM unnest($1::text[], $2::int[], $3::int[]) WITH ORDINALITY AS r (order_id, since_seq, max_events, i)
       CROSS JOIN LATERAL (SELECT * FROM events WHERE order_id = r.order_id AND seq > r.since_seq ORDER BY seq LIMIT r.max_events) e
       ORDER BY r.i, e.seq`,
      [reads.map((read) => read.orderId), reads.map((read) => read.sinceSeq), reads.map((read) => read.limit)],
    );
    const byRead = reads.map((): OrderEvent[] => []);
    for (const { i, ...row } of rows) byRead[Number(i) - 1]!.push(eventFrom(row));
    return byRead;
  }, eventsReadId);

  /**
   * @param clears outbox rows whose effect is done: each applied event's commit statement deletes those waiting
   * (no transaction of their own). @default none
   */
  constructor(
    private readonly db: PostgresContext,
    private readonly clears?: PendingClears,
  ) {
    this.batch = new CommitBatch(
      (text, values) => this.carryingClears(text, values, async (carried, withValues) => (await db.pool.query(carried, withValues)).rows),
      (commit) => this.commitOne(commit),
    );
  }

  /** Runs a commit statement that also deletes the outbox rows waiting to be cleared; they wait again if it fails. */
  private async carryingClears<R>(text: string, values: unknown[], run: (text: string, values: unknown[]) => Promise<R>): Promise<R> {
    const carried = this.clears?.take();
    if (!carried) return run(text, values);
    try {
      const result = await run(...withClears(text, values, carried.keys));
      carried.committed();
      return result;
    } catch (error) {
      carried.failed();
      throw error;
    }
  }

  async createOrder(input: NewOrder): Promise<CreateOrderResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction((client) => this.createOrderIn(client, input));
      } catch (error) {
        if (sqlState(error) !== UNIQUE_VIOLATION || attempt >= CREATE_ATTEMPTS) throw error;
      }
    }
  }

  private async createOrderIn(client: PoolClient, input: NewOrder): Promise<CreateOrderResult> {
    const { order, firstEvent, idempotency, externalScope } = input;
    if (idempotency) {
      const { rows } = await client.query<{ request_hash: string; order_id: string }>(
        'SELECT request_hash, order_id FROM idempotency_keys WHERE tenant_id = $1 AND scope = $2 AND key = $3',
        [order.tenant_id, idempotency.scope, idempotency.key],
      );
      const claimed = rows[0];
      if (claimed) {
        if (claimed.request_hash !== idempotency.requestHash) return { kind: 'idempotency_conflict' };
        const existing = await client.query<OrderRow>('SELECT * FROM orders WHERE id = $1', [claimed.order_id]);
        return { kind: 'existing', order: rowToOrder(existing.rows[0]!) };
      }
    }
    if (order.external_id !== null) {
      const { rows } = await client.query<OrderRow>(
        'SELECT * FROM orders WHERE tenant_id = $1 AND external_scope = $2 AND external_id = $3',
        [order.tenant_id, externalScope, order.external_id],
      );
      if (rows[0]) return { kind: 'existing', order: rowToOrder(rows[0]) };
    }
    const row: NewOrderRow = Object.assign(orderColumns(order), {
      external_scope: externalScope,
      last_location: order.last_location === null ? null : JSON.stringify(order.last_location),
      doc: JSON.stringify(docOf(order)),
    });
    await client.query(INSERT_ORDER, NEW_ORDER_COLUMNS.map((column) => row[column]));
    const terms = searchTerms(order);
    if (terms.length > 0) {
      await client.query(
        'INSERT INTO order_terms (tenant_id, term, order_id) SELECT $1, term, $2 FROM unnest($3::text[]) AS term ON CONFLICT DO NOTHING',
        [order.tenant_id, order.id, terms],
      );
    }
    await client.query(`INSERT INTO events (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, [
      ...eventValues(firstEvent),
      ...eventDetailValues(firstEvent),
    ]);
    await oweEffectsIn(client, {
      kinds: input.effects ?? [],
      orderId: order.id,
      seq: 1,
      tenantId: order.tenant_id,
      createdAt: firstEvent.recorded_at,
    });
    if (idempotency) {
      await client.query(
        'INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, order_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [order.tenant_id, idempotency.scope, idempotency.key, idempotency.requestHash, order.id, order.created_at],
      );
    }
    return { kind: 'created', order };
  }

  async getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    const { rows } = await this.db.query<OrderRow>('SELECT * FROM orders WHERE tenant_id = $1 AND id = $2', [tenantId, orderId]);
    return rows[0] ? rowToOrder(rows[0]) : null;
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.reads.load(orderId);
  }

  async orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await this.db.query<OrderHead>('SELECT id, version, courier_id FROM orders WHERE id = ANY($1::text[])', [orderIds]);
    return rows;
  }

  commitEvent(commit: EventCommit): Promise<CommitResult> {
    const { next } = commit;
    return next ? this.batch.commit({ ...commit, next }) : this.commitOne(commit);
  }

  /** One commit as one statement (a late event, a batch of one, a batch done again commit by commit). */
  private async commitOne(commit: EventCommit): Promise<CommitResult> {
    const { expectedRev, event, next } = commit;
    const effects = next ? owedEffects(commit) : [];
    try {
      if (next) {
        const values = [
          ...eventValues(event),
          expectedRev,
          ...stateValues(next),
          effects.map((effect) => effect.kind),
          next.tenant_id,
          effects.map((effect) => effect.key),
          ...eventDetailValues(event),
        ];
        type Applied = { duplicate: boolean; updated: boolean; last_location: Location | null };
        const { rows } = await this.carryingClears(COMMIT_APPLIED, values, (text, withValues) => this.db.query<Applied>(text, withValues));
        const result = rows[0]!;
        if (result.duplicate) return { kind: 'duplicate_event' };
        if (!result.updated) return { kind: 'rev_conflict' };
        return { kind: 'ok', rev: expectedRev + 1, lastLocation: result.last_location };
      }
      const { rows } = await this.db.query<{ duplicate: boolean; last_location: Location | null }>(COMMIT_LATE, [
        ...eventValues(event),
        ...eventDetailValues(event),
      ]);
      const result = rows[0]!;
      if (result.duplicate) return { kind: 'duplicate_event' };
      return { kind: 'ok', rev: expectedRev, lastLocation: result.last_location };
    } catch (error) {
      // Another node wrote the same event id in the same instant: it is a duplicate now.
      if (sqlState(error) === UNIQUE_VIOLATION) return { kind: 'duplicate_event' };
      throw error;
    }
  }

  async setInstructions(orderId: string, expectedRev: number, instructions: string | null, updatedAt: string): Promise<CommitResult> {
    const { rows } = await this.db.query<{ last_location: Location | null }>(
      `UPDATE orders SET doc = jsonb_set(doc, '{instructions}', COALESCE(to_jsonb($1::text), 'null'::jsonb)), updated_at = $2,
         rev = rev + 1 WHERE id = $3 AND rev = $4 RETURNING last_location`,
      [instructions, updatedAt, orderId, expectedRev],
    );
    if (!rows[0]) return { kind: 'rev_conflict' };
    return { kind: 'ok', rev: expectedRev + 1, lastLocation: rows[0].last_location };
  }

  async assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    // One statement: the guarded update and, only when it wrote, the effects it owes under the revision it wrote.
    const { rows } = await this.db.query<{ last_location: Location | null }>(
      `WITH updated AS (
         UPDATE orders SET courier_id = $1, updated_at = $2, rev = rev + 1 WHERE id = $3 AND rev = $4
         RETURNING last_location, tenant_id, rev
       ),
       effect AS (
         ${oweEffectsSql('SELECT kind, $3, u.rev, u.tenant_id, $2 FROM unnest($5::text[]) AS kind, updated u')}
       )
       SELECT last_location FROM updated`,
      [courierId, updatedAt, orderId, expectedRev, effects],
    );
    if (!rows[0]) return { kind: 'rev_conflict' };
    return { kind: 'ok', rev: expectedRev + 1, lastLocation: rows[0].last_location };
  }

  async findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    const { rows } = await this.db.query<OrderEvent>(`SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 AND event_id = $2`, [
      orderId,
      eventId,
    ]);
    return rows[0] ? eventFrom(rows[0]) : null;
  }

  async listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    const { rows } = await this.db.query<OrderEvent>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [orderId, sinceSeq, limit],
    );
    return rows.map(eventFrom);
  }

  listEventsBatched(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.eventReads.load({ orderId, sinceSeq, limit });
  }

  async history(orderId: string): Promise<OrderEvent[]> {
    const { rows } = await this.db.query<OrderEvent>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 ORDER BY occurred_at, position`,
      [orderId],
    );
    return rows.map(eventFrom);
  }

  async renewTrackingLink(tenantId: string, orderId: string): Promise<number | null> {
    const { rows } = await this.db.query<{ tracking_generation: number }>(
      'UPDATE orders SET tracking_generation = tracking_generation + 1 WHERE tenant_id = $1 AND id = $2 RETURNING tracking_generation',
      [tenantId, orderId],
    );
    return rows[0]?.tracking_generation ?? null;
  }

  async updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    if (updates.length === 0) return;
    await this.db.query(
      `UPDATE orders o SET last_location = u.location
       FROM unnest($1::text[], $2::jsonb[]) AS u(id, location) WHERE o.id = u.id AND o.erased_at IS NULL`,
      [updates.map((update) => update.orderId), updates.map((update) => JSON.stringify(update.location))],
    );
  }
}

/** A new order's row: its plain columns, its namespace of external ids, and its JSON as text. */
type NewOrderRow = OrderColumns & { external_scope: string; last_location: string | null; doc: string };

const NEW_ORDER_COLUMNS = ['id', 'tenant_id', 'external_id', 'external_scope', 'status', 'version', 'rev', 'customer_id', 'courier_id',
  'created_at', 'updated_at', 'last_event_at', 'held_at', 'last_location', 'promised_by', 'delivered_at', 'failed_attempts',
  'doc'] as const satisfies ReadonlyArray<keyof NewOrderRow>;

const INSERT_ORDER = `INSERT INTO orders (${NEW_ORDER_COLUMNS.join(', ')})
  VALUES (${NEW_ORDER_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})`;


/**
 * An applied event in one statement: refused as a duplicate when the event id is in the order's log; otherwise
 * the order's state is written only if its revision is still the expected one, and only then are the event and
 * its owed effects inserted. $1-$12 are the event's columns (EVENT_COLUMNS), then the guard and the new state
 * (`stateValues`), the effects, and last ($25, $26) the event's reason and proof (`eventDetailValues`).
 */
const COMMIT_APPLIED = `
  WITH duplicate AS (SELECT 1 FROM events WHERE order_id = $1 AND event_id = $3),
  updated AS (
    UPDATE orders SET status = $14, version = $15, rev = rev + 1, updated_at = $16, last_event_at = $17, held_at = $18,
      courier_id = $19, delivered_at = $20, failed_attempts = $21
    WHERE id = $1 AND rev = $13 AND NOT EXISTS (SELECT 1 FROM duplicate)
    RETURNING last_location
  ),
  event AS (
    INSERT INTO events (${EVENT_COLUMNS})
    SELECT ${eventParams(25)} WHERE EXISTS (SELECT 1 FROM updated)
  ),
  effect AS (
    ${oweEffectsSql('SELECT e.kind, $1, e.key, $23::text, $8 FROM unnest($22::text[], $24::int[]) AS e(kind, key) WHERE EXISTS (SELECT 1 FROM updated)')}
  )
  SELECT EXISTS (SELECT 1 FROM duplicate) AS duplicate, EXISTS (SELECT 1 FROM updated) AS updated,
    (SELECT last_location FROM updated) AS last_location`;

/** A late event: recorded unless its id is already in the log; the order is not touched. */
const COMMIT_LATE = `
  WITH duplicate AS (SELECT 1 FROM events WHERE order_id = $1 AND event_id = $3),
  event AS (
    INSERT INTO events (${EVENT_COLUMNS})
    SELECT ${eventParams(13)} WHERE NOT EXISTS (SELECT 1 FROM duplicate)
  )
  SELECT EXISTS (SELECT 1 FROM duplicate) AS duplicate, (SELECT last_location FROM orders WHERE id = $1) AS last_location`;

/** One `listEventsBatched` call. */
interface EventsRead {
  orderId: string;
  sinceSeq: number;
  limit: number;
}

function eventsReadId({ orderId, sinceSeq, limit }: EventsRead): string {
  return `${orderId}\u0000${sinceSeq}\u0000${limit}`;
}
