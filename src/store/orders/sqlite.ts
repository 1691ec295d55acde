import type { Database, Statement } from 'better-sqlite3';
import type { EffectKind } from '../../domain/effects';
import { orderState, type Location, type Order, type OrderEvent, type OrderState } from '../../domain/order';
import type { CommitResult, CreateOrderResult, EventCommit, NewOrder, OrderHead, OrderLog } from './port';
import type { PendingClears } from '../outbox/pending-clears';
import { prepareOweEffect } from '../outbox/sqlite';
import { searchTerms } from '../search-terms';
import { preparedOnUse, type SqliteContext } from '../sqlite/context';
import { eventToRow, orderToRow, rowToEvent, rowToOrder, type EventRow, type OrderRow } from '../sqlite/rows';

/**
 * Orders and their event logs in the embedded store. A write is one group-commit item: the revision guard, the
 * event, the search terms and the effects it owes (the outbox's insert) are stored together or not at all.
 */
export class SqliteOrderLog implements OrderLog {
  private readonly stmt: () => ReturnType<typeof prepare>;
  /** `stateUpdate`'s statements, by the set of fields they write. */
  private readonly stateUpdates = new Map<number, Statement>();

  /**
   * @param clears outbox rows whose effect is done: their deletes join each applied event's commit transaction.
   * @default none
   */
  constructor(
    private readonly context: SqliteContext,
    private readonly clears?: Pick<PendingClears, 'flush'>,
  ) {
    this.stmt = preparedOnUse(context.db, prepare);
  }

  createOrder(input: NewOrder): Promise<CreateOrderResult> {
    const { order, firstEvent, idempotency, externalScope } = input;
    return this.context.write((): CreateOrderResult => {
      const stmt = this.stmt();
      if (idempotency) {
        const claimed = stmt.idempotencyGet.get(order.tenant_id, idempotency.scope, idempotency.key) as
          | { request_hash: string; order_id: string }
          | undefined;
        if (claimed) {
          if (claimed.request_hash !== idempotency.requestHash) return { kind: 'idempotency_conflict' };
          return { kind: 'existing', order: this.loadOrderNow(claimed.order_id)! };
        }
      }
      if (order.external_id !== null) {
        const existing = stmt.orderByExternalId.get(order.tenant_id, externalScope, order.external_id) as
          | OrderRow
          | undefined;
        if (existing) return { kind: 'existing', order: rowToOrder(existing) };
      }
      stmt.insertOrder.run({ ...orderToRow(order), external_scope: externalScope });
      for (const term of searchTerms(order)) stmt.insertTerm.run(order.tenant_id, term, order.id);
      stmt.insertEvent.run(eventToRow(firstEvent));
      for (const kind of input.effects ?? []) stmt.oweEffect(kind, order.id, 1, order.tenant_id, firstEvent.recorded_at);
      if (idempotency) {
        stmt.idempotencyPut.run(
          order.tenant_id,
          idempotency.scope,
          idempotency.key,
          idempotency.requestHash,
          order.id,
          order.created_at,
        );
      }
      return { kind: 'created', order };
    });
  }

  getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    return this.context.read(() => {
      const row = this.stmt().orderByTenantAndId.get(tenantId, orderId) as OrderRow | undefined;
      return row ? rowToOrder(row) : null;
    });
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.context.read(() => this.loadOrderNow(orderId));
  }

  orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    return this.context.read(() => this.stmt().heads.all(JSON.stringify(orderIds)) as OrderHead[]);
  }

  commitEvent(commit: EventCommit): Promise<CommitResult> {
    const { orderId, expectedRev, event, next } = commit;
    const committing = this.context.write((): CommitResult => {
      const stmt = this.stmt();
      // The event first, taken only when neither its id nor its seq is there yet: one statement where a lookup and an
      // insert were. Not taken: a repeat of its id, or its seq is another's (the order moved on, its revision too).
      const inserted = stmt.insertNewEvent.run(eventToRow(event));
      if (inserted.changes === 0) return stmt.eventExists.get(orderId, event.event_id) ? { kind: 'duplicate_event' } : { kind: 'rev_conflict' };
      let stored: { last_location: string | null } | undefined;
      if (next) {
        stored = this.stateUpdate(commit.previous, next).get({ id: orderId, expected_rev: expectedRev, ...orderState(next) }) as typeof stored;
        if (!stored) {
          // The order moved on: the event goes again, in the same transaction, so nothing of this write stays.
          stmt.deleteEvent.run(inserted.lastInsertRowid);
          return { kind: 'rev_conflict' };
        }
      } else {
        stored = stmt.locationOf.get(orderId) as { last_location: string | null } | undefined;
      }
      if (next && event.seq !== null) {
        for (const kind of commit.effects ?? []) stmt.oweEffect(kind, orderId, event.seq, next.tenant_id, event.recorded_at);
      }
      if (next) {
        for (const kind of commit.revisionEffects ?? []) {
          stmt.oweEffect(kind, orderId, expectedRev + 1, next.tenant_id, event.recorded_at);
        }
      }
      return { kind: 'ok', rev: next ? expectedRev + 1 : expectedRev, lastLocation: parseLocation(stored?.last_location) };
    });
    // Queued in the same turn, the outbox deletes waiting share this commit's group-commit transaction.
    void this.clears?.flush();
    return committing;
  }

  setInstructions(orderId: string, expectedRev: number, instructions: string | null, updatedAt: string): Promise<CommitResult> {
    return this.context.write((): CommitResult => {
      const stored = this.stmt().setInstructions.get(instructions, updatedAt, orderId, expectedRev) as { last_location: string | null } | undefined;
      if (!stored) return { kind: 'rev_conflict' };
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: stored.last_location ? (JSON.parse(stored.last_location) as Location) : null };
    });
  }

  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    return this.context.write((): CommitResult => {
      const stmt = this.stmt();
      const stored = stmt.assign.get(courierId, updatedAt, orderId, expectedRev) as
        | { last_location: string | null; tenant_id: string }
        | undefined;
      if (!stored) return { kind: 'rev_conflict' };
      for (const kind of effects) stmt.oweEffect(kind, orderId, expectedRev + 1, stored.tenant_id, updatedAt);
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: parseLocation(stored.last_location) };
    });
  }

  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    return this.context.read(() => {
      const row = this.stmt().eventById.get(orderId, eventId) as EventRow | undefined;
      return row ? rowToEvent(row) : null;
    });
  }

  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.context.read(() => (this.stmt().eventsSince.all(orderId, sinceSeq, limit) as EventRow[]).map(rowToEvent));
  }

  history(orderId: string): Promise<OrderEvent[]> {
    return this.context.read(() => (this.stmt().history.all(orderId) as EventRow[]).map(rowToEvent));
  }

  renewTrackingLink(tenantId: string, orderId: string): Promise<number | null> {
    return this.context.write(() => {
      const row = this.stmt().renewLink.get(tenantId, orderId) as { tracking_generation: number } | undefined;
      return row ? row.tracking_generation : null;
    });
  }

  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    return this.context.write(() => {
      const stmt = this.stmt();
      for (const update of updates) stmt.setLocation.run(JSON.stringify(update.location), update.orderId);
    });
  }

  /**
   * The update writing only the state fields `next` changes from `previous` (a status scan changes the times and the
   * version alone), every field without `previous`: SQLite updates every index over a column the statement sets,
   * changed or not, so each field left out spares its indexes' pages in the commit. One statement per set of fields,
   * prepared on first use.
   */
  private stateUpdate(previous: OrderState | undefined, next: OrderState): Statement {
    let mask = 0;
    for (let i = 0; i < STATE_FIELDS.length; i++) if (!previous || previous[STATE_FIELDS[i]!] !== next[STATE_FIELDS[i]!]) mask |= 1 << i;
    let update = this.stateUpdates.get(mask);
    if (!update) {
      const set = STATE_FIELDS.filter((_, i) => mask & (1 << i)).map((field) => `${field} = @${field}, `).join('');
      update = this.context.db.prepare(`UPDATE orders SET ${set}rev = rev + 1 WHERE id = @id AND rev = @expected_rev RETURNING last_location`);
      this.stateUpdates.set(mask, update);
    }
    return update;
  }

  /** The order, read in the caller's read or transaction. */
  private loadOrderNow(orderId: string): Order | null {
    const row = this.stmt().orderById.get(orderId) as OrderRow | undefined;
    return row ? rowToOrder(row) : null;
  }
}

/**
 * The fields of an order's state an event may change (`orderState`), in a fixed order for `stateUpdate`'s masks;
 * the record makes the build fail when the state gains a field this lacks.
 */
const STATE_FIELDS = Object.keys({
  status: 0,
  version: 0,
  updated_at: 0,
  last_event_at: 0,
  held_at: 0,
  courier_id: 0,
  delivered_at: 0,
  failed_attempts: 0,
} satisfies Record<keyof OrderState, 0>) as ReadonlyArray<keyof OrderState>;

function parseLocation(text: string | null | undefined): Location | null {
  return text ? (JSON.parse(text) as Location) : null;
}

function prepare(db: Database) {
  return {
    oweEffect: prepareOweEffect(db),
    idempotencyGet: db.prepare(
      'SELECT request_hash, order_id FROM idempotency_keys WHERE tenant_id = ? AND scope = ? AND key = ?',
    ),
    idempotencyPut: db.prepare(
      'INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, order_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    orderByExternalId: db.prepare('SELECT * FROM orders WHERE tenant_id = ? AND external_scope = ? AND external_id = ?'),
    insertOrder: db.prepare(
      `INSERT INTO orders (id, tenant_id, external_id, external_scope, status, version, rev, customer_id, courier_id,
         created_at, updated_at, last_event_at, held_at, last_location, promised_by, delivered_at, failed_attempts, doc)
       VALUES (@id, @tenant_id, @external_id, @external_scope, @status, @version, @rev, @customer_id, @courier_id,
         @created_at, @updated_at, @last_event_at, @held_at, @last_location, @promised_by, @delivered_at,
         @failed_attempts, @doc)`,
    ),
    insertTerm: db.prepare('INSERT OR IGNORE INTO order_terms (tenant_id, term, order_id) VALUES (?, ?, ?)'),
    insertEvent: db.prepare(
      `INSERT INTO events (order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note,
         source, applied, reason, proof)
       VALUES (@order_id, @seq, @event_id, @type, @status, @scan_type, @occurred_at, @recorded_at, @location, @note,
         @source, @applied, @reason, @proof)`,
    ),
    // Either unique index refusing it (its event id, or its seq) leaves it out.
    insertNewEvent: db.prepare(
      `INSERT INTO events (order_id, seq, event_id, type, status, scan_type, occurred_at, recorded_at, location, note,
         source, applied, reason, proof)
       VALUES (@order_id, @seq, @event_id, @type, @status, @scan_type, @occurred_at, @recorded_at, @location, @note,
         @source, @applied, @reason, @proof)
       ON CONFLICT DO NOTHING`,
    ),
    deleteEvent: db.prepare('DELETE FROM events WHERE rowid = ?'),
    orderById: db.prepare('SELECT * FROM orders WHERE id = ?'),
    orderByTenantAndId: db.prepare('SELECT * FROM orders WHERE tenant_id = ? AND id = ?'),
    heads: db.prepare('SELECT id, version, courier_id FROM orders WHERE id IN (SELECT value FROM json_each(?))'),
    locationOf: db.prepare('SELECT last_location FROM orders WHERE id = ?'),
    eventExists: db.prepare('SELECT 1 FROM events WHERE order_id = ? AND event_id = ?'),
    assign: db.prepare(
      'UPDATE orders SET courier_id = ?, updated_at = ?, rev = rev + 1 WHERE id = ? AND rev = ? RETURNING last_location, tenant_id',
    ),
    setInstructions: db.prepare(
      `UPDATE orders SET doc = json_set(doc, '$.instructions', ?), updated_at = ?, rev = rev + 1 WHERE id = ? AND rev = ?
       RETURNING last_location`,
    ),
    eventById: db.prepare('SELECT * FROM events WHERE order_id = ? AND event_id = ?'),
    eventsSince: db.prepare('SELECT * FROM events WHERE order_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    history: db.prepare('SELECT * FROM events WHERE order_id = ? ORDER BY occurred_at, rowid'),
    renewLink: db.prepare(
      'UPDATE orders SET tracking_generation = tracking_generation + 1 WHERE tenant_id = ? AND id = ? RETURNING tracking_generation',
    ),
    // An erased order keeps no courier position (a flush may come after its erasure).
    setLocation: db.prepare('UPDATE orders SET last_location = ? WHERE id = ? AND erased_at IS NULL'),
  };
}
