import { eventFrom, type Location, type Order, type OrderEvent } from '../../domain/order';
import { oweEffectsSql, withClears } from '../outbox/postgres';
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
 * placement is one statement (PLACE_ORDER), and so is a commit (data-modifying CTEs: duplicate check, guarded
 * update, event and outbox in one round trip); the commits of many actors in one turn of the event loop share one
 * statement (CommitBatch), and the reads of orders of one turn (the actors' loads, reads by tenant) are one too.
 */
export class PostgresOrderLog implements OrderLog {
  private readonly batch: CommitBatch;
  private readonly reads = new TurnBatch<string, Order | null>(async (ids) => {
    const { rows } = await this.db.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((row) => [row.id, rowToOrder(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }, String);

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
    const { order, firstEvent, idempotency, externalScope } = input;
    const row: NewOrderRow = Object.assign(orderColumns(order), {
      external_scope: externalScope,
      last_location: order.last_location === null ? null : JSON.stringify(order.last_location),
      doc: JSON.stringify(docOf(order)),
    });
    const values = [
      ...eventValues(firstEvent),
      ...eventDetailValues(firstEvent),
      ...NEW_ORDER_COLUMNS.map((column) => row[column]),
      searchTerms(order),
      input.effects ?? [],
      idempotency?.scope ?? null,
      idempotency?.key ?? null,
      idempotency?.requestHash ?? null,
    ];
    for (let attempt = 1; ; attempt++) {
      try {
        type Placed = OrderRow & { claimed_hash: string | null; created: boolean };
        const { rows } = await this.db.query<Placed>(PLACE_ORDER, values);
        const { claimed_hash: claimedHash, created, ...found } = rows[0]!;
        if (created) return { kind: 'created', order };
        if (claimedHash !== null && claimedHash !== idempotency?.requestHash) return { kind: 'idempotency_conflict' };
        if (found.id === null) throw new Error('createOrder: the order an idempotency key names is missing');
        return { kind: 'existing', order: rowToOrder(found) };
      } catch (error) {
        // Another placement of the same key or external id committed first; the next attempt finds it.
        if (sqlState(error) !== UNIQUE_VIOLATION || attempt >= CREATE_ATTEMPTS) throw error;
      }
    }
  }

  /** One read of the actors' batch (`loadOrder`): the turn's reads by tenant and by id alone are one statement. */
  async getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    const order = await this.reads.load(orderId);
    return order?.tenant_id === tenantId ? order : null;
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

// Where the parameters of PLACE_ORDER after the order's columns are.
const ORDER_AT = 15;
const [TERMS, EFFECTS, KEY_SCOPE, KEY, REQUEST_HASH] = [0, 1, 2, 3, 4].map((index) => `$${ORDER_AT + NEW_ORDER_COLUMNS.length + index}`);
const orderParam = (column: (typeof NEW_ORDER_COLUMNS)[number]): string => `$${ORDER_AT + NEW_ORDER_COLUMNS.indexOf(column)}`;

/**
 * A placement in one statement. An idempotency key already claimed, or an order already holding the external id,
 * is answered (`claimed_hash` and the claimed order, or that order) and nothing is written; otherwise the order,
 * its search terms, its first event (seq 1), the effects that event owes and the claim of its key are inserted
 * together. Two placements of one key or external id at once: the unique constraints fail the later statement as a
 * whole, and it is run again to find the first. $1-$14 are the first event's columns (EVENT_COLUMNS), then the
 * order's (NEW_ORDER_COLUMNS), its terms, its effects, and the key's scope, key and request hash (null: no key).
 */
const PLACE_ORDER = `
  WITH claimed AS (
    SELECT request_hash, order_id FROM idempotency_keys
    WHERE tenant_id = ${orderParam('tenant_id')} AND scope = ${KEY_SCOPE}::text AND key = ${KEY}::text
  ),
  external AS (
    SELECT id FROM orders
    WHERE tenant_id = ${orderParam('tenant_id')} AND external_scope = ${orderParam('external_scope')} AND external_id = ${orderParam('external_id')}
  ),
  inserted AS (
    INSERT INTO orders (${NEW_ORDER_COLUMNS.join(', ')})
    SELECT ${NEW_ORDER_COLUMNS.map(orderParam).join(', ')}
    WHERE NOT EXISTS (SELECT 1 FROM claimed) AND NOT EXISTS (SELECT 1 FROM external)
    RETURNING id, tenant_id, created_at
  ),
  terms AS (
    INSERT INTO order_terms (tenant_id, term, order_id)
    SELECT i.tenant_id, term, i.id FROM inserted i, unnest(${TERMS}::text[]) AS term
    ON CONFLICT DO NOTHING
  ),
  event AS (
    INSERT INTO events (${EVENT_COLUMNS})
    SELECT ${eventParams(13)} WHERE EXISTS (SELECT 1 FROM inserted)
  ),
  effect AS (
    ${oweEffectsSql(`SELECT kind, i.id, 1, i.tenant_id, $8 FROM unnest(${EFFECTS}::text[]) AS kind, inserted i`)}
  ),
  claim AS (
    INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, order_id, created_at)
    SELECT i.tenant_id, ${KEY_SCOPE}, ${KEY}, ${REQUEST_HASH}::text, i.id, i.created_at FROM inserted i WHERE ${KEY} IS NOT NULL
  )
  SELECT (SELECT request_hash FROM claimed) AS claimed_hash, EXISTS (SELECT 1 FROM inserted) AS created, o.*
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN orders o ON o.id = COALESCE((SELECT order_id FROM claimed), (SELECT id FROM external))`;


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

