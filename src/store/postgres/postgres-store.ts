import type { ClaimResult, ExternalIdMatch, MessageClaim, Source, SourceChanges } from '../ports/source-directory';
import pg, { type Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { Location, Order, OrderEvent } from '../../domain/order';
import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type {
  CommitResult,
  CreateOrderResult,
  Delivery,
  DeliveryChannel,
  DeliveryClaim,
  EffectKind,
  EventCommit,
  ExportedOrder,
  LedgerBooking,
  LedgerEntry,
  LedgerResult,
  NewOrder,
  OrderFilter,
  OrderHead,
  OrderPage,
  OrderQuery,
  PendingEffect,
  Preferences,
  ReportRange,
  ReportSummary,
  NewWebhookMessage,
  OverdueCursor,
  OverdueWebhookMessage,
  Store,
  StoredWebhook,
  StoredWebhookMessage,
  Tenant,
  NewWebhookAttempt,
  WebhookAttempt,
  WebhookChanges,
  WebhookMessage,
  WebhookMessageNext,
  WebhookMessagePage,
  WebhookMessageQuery,
} from '../store';
import { searchTerms } from '../search-terms';
import { translate, sqlState, UNIQUE_VIOLATION } from './errors';
import { TurnBatch } from './turn-batch';
import { CommitBatch, owedEffects } from './commit-batch';
import { migrate } from './migrations';
import { PostgresSourceDirectory } from './sources';
import { PostgresArrivalLog } from './arrival';
import { completeDelivery } from '../delivery-keys';
import type { ArrivalClaim } from '../ports/arrival-log';
import type { AlertKind } from '../../domain/effects';
import { PostgresPrivacy } from './privacy';
import type { PrivacyAuditEntry } from '../../domain/privacy';
import type { CustomerDeliveriesPage, CustomerOrdersPage, OrderCursor, PrivacyAuditCursor, PrivacyAuditPage } from '../store';
import { reportSummary } from './reports';
import { EVENT_COLUMNS, docOf, eventValues, rowToEvent, rowToOrder, type EventRow, type OrderRow } from './rows';
import { exportPage, searchOrders } from './search';
import { decideBooking } from '../../domain/loyalty';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  url: string;
  /**
   * The schema holding the tables (created if missing), so several clusters or test runs can share one database.
   * @default 'public'
   */
  schema?: string;
  /**
   * Connections in this node's pool. Actors' writes run concurrently on them, and PostgreSQL's own group commit
   * flushes concurrent commits together.
   * @default 20
   */
  poolSize?: number;
  /**
   * How long a request waits for a free connection (or for the server to answer a connect) before it is answered
   * 503 `unavailable`.
   * @default 5000
   */
  connectTimeoutMs?: number;
  /**
   * A statement running longer than this is cancelled by the server (a stuck lock, a runaway query).
   * @default 10000
   */
  statementTimeoutMs?: number;
  /** Told of errors on idle connections (the server restarting, the network dropping); they are replaced. */
  onPoolError?: (error: Error) => void;
}

const TIMESTAMPTZ = 1184;
// Times leave the database as the domain's ISO UTC strings (`…T…Z`, milliseconds), as they went in.
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ) as (value: string) => Date;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMPTZ ? (value: string) => parseTimestamp(value).toISOString() : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

// A writer that loses a unique race (two nodes placing the same key at once) tries again and finds the winner.
const CREATE_ATTEMPTS = 3;

/**
 * The PostgreSQL store, for clusters across machines: every node has its own pool to one database. Correctness
 * does not depend on any node: events are unique per (order, event id) and (order, seq), order state is written
 * under a compare-and-set on its revision, idempotency keys, external ids, ledger keys and delivery claims are unique
 * constraints, and loyalty bookings lock the customer's balance row. A commit is one statement (data-modifying
 * CTEs: duplicate check, guarded update, event and outbox in one round trip), and the commits of many actors in one
 * turn of the event loop share one statement (CommitBatch). An outage is `unavailable` (503).
 */
export class PostgresStore implements Store {
  private readonly pool: Pool;
  private readonly schema: string;
  private readonly batch: CommitBatch;
  // Point reads and outbox clears of one turn, one statement each (turn-batch.ts): fewer round trips and
  // transactions per event on the alert, webhook and actor paths.
  private readonly orderReads = new TurnBatch<string, Order | null>(async (ids) => {
    const { rows } = await this.query<OrderRow>('SELECT * FROM orders WHERE id = ANY($1::text[])', [ids]);
    const byId = new Map(rows.map((row) => [row.id, rowToOrder(row)]));
    return ids.map((id) => byId.get(id) ?? null);
  }, String);
  private readonly settingsReads = new TurnBatch<string, TenantSettings | null>(async (ids) => {
    const { rows } = await this.query<{ id: string; settings: Partial<TenantSettings> | null }>(
      'SELECT id, settings FROM tenants WHERE id = ANY($1::text[])',
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, withDefaults(row.settings)]));
    return ids.map((id) => byId.get(id) ?? null);
  }, String);
  private readonly webhookReads = new TurnBatch<string, StoredWebhook[]>(async (tenantIds) => {
    const { rows } = await this.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE tenant_id = ANY($1::text[]) ORDER BY created_at, id`, [tenantIds]);
    return tenantIds.map((tenantId) => rows.filter((row) => row.tenant_id === tenantId));
  }, String);
  private readonly effectClears = new TurnBatch<{ kind: EffectKind; orderId: string; seq: number }, void>(
    async (effects) => {
      await this.query(
        `DELETE FROM effects WHERE (kind, order_id, seq) IN (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]))`,
        [effects.map((e) => e.kind), effects.map((e) => e.orderId), effects.map((e) => e.seq)],
      );
      return effects.map(() => undefined);
    },
    (effect) => `${effect.kind}\u0000${effect.orderId}\u0000${effect.seq}`,
  );
  private readonly sources = new PostgresSourceDirectory(async (text, values) => (await this.query(text, values)).rows);
  private readonly arrivals = new PostgresArrivalLog(async (text, values) => (await this.query(text, values)).rows);
  private readonly privacy = new PostgresPrivacy({ withClient: (work) => this.withClient(work), transaction: (work) => this.transaction(work) });

  constructor(private readonly options: PostgresStoreOptions) {
    this.schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) throw new RangeError('PostgresStore: schema must be a lower-case SQL identifier');
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 20,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      application_name: 'order-tracking',
      options: `-c search_path=${this.schema} -c statement_timeout=${options.statementTimeoutMs ?? 10_000} -c timezone=UTC`,
      // The server ends a statement past statement_timeout, but a partitioned server never says so: past that and a
      // margin, the node stops waiting (a 503 like any outage) instead of hanging until TCP gives up.
      query_timeout: (options.statementTimeoutMs ?? 10_000) + 5_000,
      keepAlive: true,
      types: TYPES,
    });
    // An idle connection that breaks (server restart) is dropped and replaced; without a listener it would crash us.
    this.pool.on('error', (error) => options.onPoolError?.(error));
    this.batch = new CommitBatch(
      async (text, values) => (await this.pool.query(text, values)).rows,
      (commit) => this.commitOne(commit),
    );
  }

  /** Creates the schema if needed and migrates it; nodes starting at once take turns (see migrations.ts). */
  async init(): Promise<void> {
    await this.withClient(async (client) => {
      await migrate(client, this.schema);
    });
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // ---- tenants -------------------------------------------------------------------------------------------------

  async createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    await this.query('INSERT INTO tenants (id, name, api_key_hash, points_per_unit, created_at) VALUES ($1, $2, $3, $4, $5)', [
      tenant.id,
      tenant.name,
      apiKeyHash,
      tenant.points_per_unit,
      tenant.created_at,
    ]);
  }

  async findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    const { rows } = await this.query<Tenant>(`${TENANT_SELECT} WHERE api_key_hash = $1`, [apiKeyHash]);
    return rows[0] ?? null;
  }

  async getTenant(tenantId: string): Promise<Tenant | null> {
    const { rows } = await this.query<Tenant>(`${TENANT_SELECT} WHERE id = $1`, [tenantId]);
    return rows[0] ?? null;
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.settingsReads.load(tenantId);
  }

  async putTenantSettings(tenantId: string, settings: TenantSettings): Promise<void> {
    await this.query('UPDATE tenants SET settings = $1 WHERE id = $2', [JSON.stringify(settings), tenantId]);
  }

  async setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    await this.query('UPDATE tenants SET points_per_unit = $1 WHERE id = $2', [pointsPerUnit, tenantId]);
  }

  // ---- orders --------------------------------------------------------------------------------------------------

  async createOrder(input: NewOrder): Promise<CreateOrderResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.transaction((client) => this.createOrderIn(client, input));
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
    await client.query(
      `INSERT INTO orders (id, tenant_id, external_id, external_scope, status, version, rev, customer_id, courier_id,
         created_at, updated_at, last_event_at, held_at, last_location, promised_by, delivered_at, failed_attempts, doc)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        order.id,
        order.tenant_id,
        order.external_id,
        externalScope,
        order.status,
        order.version,
        order.rev,
        order.customer.id,
        order.courier_id,
        order.created_at,
        order.updated_at,
        order.last_event_at,
        order.held_at,
        order.last_location === null ? null : JSON.stringify(order.last_location),
        order.promised_by,
        order.delivered_at,
        order.failed_attempts,
        JSON.stringify(docOf(order)),
      ],
    );
    const terms = searchTerms(order);
    if (terms.length > 0) {
      await client.query(
        'INSERT INTO order_terms (tenant_id, term, order_id) SELECT $1, term, $2 FROM unnest($3::text[]) AS term ON CONFLICT DO NOTHING',
        [order.tenant_id, order.id, terms],
      );
    }
    await client.query(`INSERT INTO events (${EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`, eventValues(firstEvent));
    if (input.effects && input.effects.length > 0) {
      await client.query(
        `INSERT INTO effects (kind, order_id, seq, tenant_id, created_at) SELECT kind, $2, 1, $3, $4 FROM unnest($1::text[]) AS kind
         ON CONFLICT DO NOTHING`,
        [input.effects, order.id, order.tenant_id, firstEvent.recorded_at],
      );
    }
    if (idempotency) {
      await client.query(
        'INSERT INTO idempotency_keys (tenant_id, scope, key, request_hash, order_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [order.tenant_id, idempotency.scope, idempotency.key, idempotency.requestHash, order.id, order.created_at],
      );
    }
    return { kind: 'created', order };
  }

  async getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    const { rows } = await this.query<OrderRow>('SELECT * FROM orders WHERE tenant_id = $1 AND id = $2', [tenantId, orderId]);
    return rows[0] ? rowToOrder(rows[0]) : null;
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.orderReads.load(orderId);
  }

  async orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    if (orderIds.length === 0) return [];
    const { rows } = await this.query<OrderHead>('SELECT id, version, courier_id FROM orders WHERE id = ANY($1::text[])', [orderIds]);
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
        const { rows } = await this.query<{ duplicate: boolean; updated: boolean; last_location: Location | null }>(COMMIT_APPLIED, [
          ...eventValues(event),
          expectedRev,
          next.status,
          next.version,
          next.updated_at,
          next.last_event_at,
          next.held_at,
          next.courier_id,
          next.delivered_at,
          next.failed_attempts,
          effects.map((effect) => effect.kind),
          next.tenant_id,
          effects.map((effect) => effect.key),
        ]);
        const result = rows[0]!;
        if (result.duplicate) return { kind: 'duplicate_event' };
        if (!result.updated) return { kind: 'rev_conflict' };
        return { kind: 'ok', rev: expectedRev + 1, lastLocation: result.last_location };
      }
      const { rows } = await this.query<{ duplicate: boolean; last_location: Location | null }>(COMMIT_LATE, eventValues(event));
      const result = rows[0]!;
      if (result.duplicate) return { kind: 'duplicate_event' };
      return { kind: 'ok', rev: expectedRev, lastLocation: result.last_location };
    } catch (error) {
      // Another node wrote the same event id in the same instant: it is a duplicate now.
      if (sqlState(error) === UNIQUE_VIOLATION) return { kind: 'duplicate_event' };
      throw error;
    }
  }

  async assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    // One statement: the guarded update and, only when it wrote, the effects it owes under the revision it wrote.
    const { rows } = await this.query<{ last_location: Location | null }>(
      `WITH updated AS (
         UPDATE orders SET courier_id = $1, updated_at = $2, rev = rev + 1 WHERE id = $3 AND rev = $4
         RETURNING last_location, tenant_id, rev
       ),
       effect AS (
         INSERT INTO effects (kind, order_id, seq, tenant_id, created_at)
         SELECT kind, $3, u.rev, u.tenant_id, $2 FROM unnest($5::text[]) AS kind, updated u
         ON CONFLICT DO NOTHING
       )
       SELECT last_location FROM updated`,
      [courierId, updatedAt, orderId, expectedRev, effects],
    );
    if (!rows[0]) return { kind: 'rev_conflict' };
    return { kind: 'ok', rev: expectedRev + 1, lastLocation: rows[0].last_location };
  }

  async findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    const { rows } = await this.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 AND event_id = $2`, [
      orderId,
      eventId,
    ]);
    return rows[0] ? rowToEvent(rows[0]) : null;
  }

  async listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    const { rows } = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [orderId, sinceSeq, limit],
    );
    return rows.map(rowToEvent);
  }

  async history(orderId: string): Promise<OrderEvent[]> {
    const { rows } = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM events WHERE order_id = $1 ORDER BY occurred_at, position`,
      [orderId],
    );
    return rows.map(rowToEvent);
  }

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.withClient((client) => searchOrders(client, tenantId, query));
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncIterable<ExportedOrder[]> {
    let after: OrderQuery['after'];
    for (;;) {
      const page = await this.withClient((client) => exportPage(client, tenantId, filter, after, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      if (!page.next) return;
      after = page.next;
    }
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    return this.withClient(async (client) => {
      // One snapshot: every figure counts the same orders whatever commits meanwhile.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        return await reportSummary(client, tenantId, range, nowIso);
      } finally {
        await client.query('COMMIT');
      }
    });
  }

  // ---- arrival (ArrivalLog, implemented in ./arrival.ts) ----

  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    return this.arrivals.claimArrival(orderId, at);
  }

  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    return this.arrivals.updateEtas(updates);
  }

  async updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    if (updates.length === 0) return;
    await this.query(
      `UPDATE orders o SET last_location = u.location
       FROM unnest($1::text[], $2::jsonb[]) AS u(id, location) WHERE o.id = u.id AND o.erased_at IS NULL`,
      [updates.map((update) => update.orderId), updates.map((update) => JSON.stringify(update.location))],
    );
  }

  // ---- preferences ---------------------------------------------------------------------------------------------

  async getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    const { rows } = await this.query<Preferences>(
      'SELECT email, sms, email_address, phone, updated_at FROM preferences WHERE tenant_id = $1 AND customer_id = $2',
      [tenantId, customerId],
    );
    return rows[0] ?? null;
  }

  async putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    await this.query(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, email_address, phone, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = EXCLUDED.email, sms = EXCLUDED.sms,
         email_address = EXCLUDED.email_address, phone = EXCLUDED.phone, updated_at = EXCLUDED.updated_at`,
      [tenantId, customerId, preferences.email, preferences.sms, preferences.email_address, preferences.phone, preferences.updated_at],
    );
  }

  // ---- outbox --------------------------------------------------------------------------------------------------

  async pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    const { rows } = await this.query<PendingEffect>(
      `SELECT order_id AS "orderId", seq, tenant_id AS "tenantId", created_at AS "createdAt" FROM effects
       WHERE kind = $1 AND created_at < $2 ORDER BY created_at LIMIT $3`,
      [kind, createdBefore, limit],
    );
    return rows;
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.effectClears.load({ kind, orderId, seq });
  }

  async oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    await this.query(
      'INSERT INTO effects (kind, order_id, seq, tenant_id, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      [effect.kind, effect.orderId, effect.seq, effect.tenantId, effect.createdAt],
    );
  }

  // ---- webhooks ------------------------------------------------------------------------------------------------

  async createWebhook(webhook: StoredWebhook): Promise<void> {
    await this.query(
      `INSERT INTO webhooks (id, tenant_id, url, events, description, enabled, disabled_reason, secret, previous_secret,
         previous_secret_expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [webhook.id, webhook.tenant_id, webhook.url, webhook.events, webhook.description, webhook.enabled, webhook.disabled_reason,
        webhook.secret, webhook.previous_secret, webhook.previous_secret_expires_at, webhook.created_at, webhook.updated_at],
    );
  }

  async getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    const { rows } = await this.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE tenant_id = $1 AND id = $2`, [tenantId, webhookId]);
    return rows[0] ?? null;
  }

  async loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    const { rows } = await this.query<StoredWebhook>(`${WEBHOOK_SELECT} WHERE id = $1`, [webhookId]);
    return rows[0] ?? null;
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.webhookReads.load(tenantId);
  }

  async updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    // Each column is set only when the change names it ($n IS NULL AND NOT set: kept), in one guarded statement.
    const set = (field: keyof WebhookChanges) => changes[field] !== undefined;
    const { rows } = await this.query<StoredWebhook>(
      `UPDATE webhooks SET
         url = CASE WHEN $3 THEN $4 ELSE url END,
         events = CASE WHEN $5 THEN $6::text[] ELSE events END,
         description = CASE WHEN $7 THEN $8 ELSE description END,
         enabled = CASE WHEN $9 THEN $10::boolean ELSE enabled END,
         disabled_reason = CASE WHEN $11 THEN $12 ELSE disabled_reason END,
         updated_at = $13
       WHERE tenant_id = $1 AND id = $2
       RETURNING ${WEBHOOK_COLUMNS}`,
      [tenantId, webhookId, set('url'), changes.url ?? null, set('events'), changes.events ?? null, set('description'),
        changes.description ?? null, set('enabled'), changes.enabled ?? null, set('disabled_reason'), changes.disabled_reason ?? null,
        changes.updated_at],
    );
    return rows[0] ?? null;
  }

  async rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    // The right-hand sides read the row as it was: `previous_secret = secret` takes the secret being replaced.
    const { rows } = await this.query<StoredWebhook>(
      `UPDATE webhooks SET previous_secret = secret, secret = $3, previous_secret_expires_at = $4, updated_at = $5
       WHERE tenant_id = $1 AND id = $2 RETURNING ${WEBHOOK_COLUMNS}`,
      [tenantId, webhookId, secret, previousExpiresAt, at],
    );
    return rows[0] ?? null;
  }

  async disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    const { rowCount } = await this.query('UPDATE webhooks SET enabled = false, disabled_reason = $2, updated_at = $3 WHERE id = $1 AND enabled', [
      webhookId,
      reason,
      at,
    ]);
    return (rowCount ?? 0) > 0;
  }

  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    return this.transaction(async (client) => {
      const { rowCount } = await client.query('DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2', [tenantId, webhookId]);
      if ((rowCount ?? 0) === 0) return false;
      await client.query('DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE webhook_id = $1)', [webhookId]);
      await client.query('DELETE FROM webhook_messages WHERE webhook_id = $1', [webhookId]);
      return true;
    });
  }

  async addWebhookMessages(messages: NewWebhookMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const column = <K extends keyof NewWebhookMessage>(key: K) => messages.map((message) => message[key]);
    await this.query(
      `INSERT INTO webhook_messages (id, webhook_id, tenant_id, type, order_id, seq, payload, status, attempts, next_attempt_at,
         job_id, created_at)
       SELECT id, webhook_id, tenant_id, type, order_id, seq, payload, 'pending', 0, created_at, job_id, created_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[])
         AS m(id, webhook_id, tenant_id, type, order_id, seq, payload, job_id, created_at)
       ON CONFLICT (id) DO NOTHING`,
      [column('id'), column('webhook_id'), column('tenant_id'), column('type'), column('order_id'), column('seq'), column('payload'),
        column('job_id'), column('created_at')],
    );
  }

  async getWebhookMessage(messageId: string): Promise<StoredWebhookMessage | null> {
    const { rows } = await this.query<StoredWebhookMessage>(
      `SELECT ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id FROM webhook_messages WHERE id = $1`,
      [messageId],
    );
    return rows[0] ?? null;
  }

  async listWebhookMessages(webhookId: string, query: WebhookMessageQuery): Promise<WebhookMessagePage> {
    const { rows } = await this.query<WebhookMessage>(
      `SELECT ${WEBHOOK_MESSAGE_COLUMNS} FROM webhook_messages
       WHERE webhook_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR order_id = $3)
         AND ($4::timestamptz IS NULL OR (created_at, id) < ($4::timestamptz, $5::text))
       ORDER BY created_at DESC, id DESC LIMIT $6`,
      [webhookId, query.status ?? null, query.orderId ?? null, query.after?.created_at ?? null, query.after?.id ?? null, query.limit + 1],
    );
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return { items, next: rows.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
  }

  async listWebhookAttempts(messageId: string): Promise<WebhookAttempt[]> {
    const { rows } = await this.query<WebhookAttempt>(
      `SELECT attempt, started_at, finished_at, status_code, error, response, duration_ms FROM webhook_attempts
       WHERE message_id = $1 ORDER BY attempt`,
      [messageId],
    );
    return rows;
  }

  async recordWebhookAttempts(
    messageId: string,
    jobId: string,
    expectedAttempts: number,
    attempts: NewWebhookAttempt[],
    next: WebhookMessageNext,
  ): Promise<boolean> {
    const last = attempts[attempts.length - 1];
    if (!last) return false;
    const column = <K extends keyof NewWebhookAttempt>(key: K) => attempts.map((attempt) => attempt[key]);
    // One statement: the message moves only while pending, carried by this job and at the expected count; only then
    // are the attempts logged, numbered on from it.
    const { rows } = await this.query<{ id: string }>(
      `WITH recorded AS (
         UPDATE webhook_messages SET attempts = $3 + cardinality($6::timestamptz[]), last_attempt_at = $4, status = $5,
           next_attempt_at = $12, last_status_code = $13, last_error = $14, last_response = $15
         WHERE id = $1 AND job_id = $2 AND status = 'pending' AND attempts = $3
         RETURNING id
       ),
       logged AS (
         INSERT INTO webhook_attempts (message_id, attempt, started_at, finished_at, status_code, error, response, duration_ms)
         SELECT $1, $3 + a.n, a.started_at, a.finished_at, a.status_code, a.error, a.response, a.duration_ms
         FROM unnest($6::timestamptz[], $7::timestamptz[], $8::int[], $9::text[], $10::text[], $11::int[])
           WITH ORDINALITY AS a(started_at, finished_at, status_code, error, response, duration_ms, n)
         WHERE EXISTS (SELECT 1 FROM recorded)
         ON CONFLICT (message_id, attempt) DO NOTHING
       )
       SELECT id FROM recorded`,
      [messageId, jobId, expectedAttempts, last.started_at, next.status, column('started_at'), column('finished_at'), column('status_code'),
        column('error'), column('response'), column('duration_ms'), next.next_attempt_at, last.status_code, last.error, last.response],
    );
    return rows.length > 0;
  }

  async settleWebhookMessage(messageId: string, jobId: string, next: WebhookMessageNext & { last_error: string }): Promise<void> {
    await this.query(
      `UPDATE webhook_messages SET status = $3, next_attempt_at = $4, last_error = $5 WHERE id = $1 AND job_id = $2 AND status = 'pending'`,
      [messageId, jobId, next.status, next.next_attempt_at, next.last_error],
    );
  }

  async requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<StoredWebhookMessage | null> {
    const { rows } = await this.query<StoredWebhookMessage>(
      `UPDATE webhook_messages SET status = 'pending', job_id = $2, next_attempt_at = $3 WHERE id = $1
       RETURNING ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id`,
      [messageId, jobId, at],
    );
    return rows[0] ?? null;
  }

  async overdueWebhookMessages(before: string, after: OverdueCursor | null, limit: number): Promise<OverdueWebhookMessage[]> {
    const { rows } = await this.query<OverdueWebhookMessage>(
      `SELECT id, webhook_id, tenant_id, job_id, attempts, next_attempt_at FROM webhook_messages
       WHERE status = 'pending' AND next_attempt_at < $1
         AND ($2::timestamptz IS NULL OR (next_attempt_at, id) > ($2::timestamptz, $3::text))
       ORDER BY next_attempt_at, id LIMIT $4`,
      [before, after?.next_attempt_at ?? null, after?.id ?? null, limit],
    );
    return rows;
  }

  // ---- loyalty -------------------------------------------------------------------------------------------------

  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return this.transaction(async (client) => {
      // The customer's balance row, locked: bookings of one customer take turns across every node.
      await client.query('INSERT INTO balances (tenant_id, customer_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [
        booking.tenantId,
        booking.customerId,
      ]);
      const locked = await client.query<{ balance: number }>(
        'SELECT balance FROM balances WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE',
        [booking.tenantId, booking.customerId],
      );
      const existing = await client.query<LedgerEntry>(`${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 AND unique_key = $3`, [
        booking.tenantId,
        booking.customerId,
        booking.uniqueKey,
      ]);
      const decision = decideBooking({ balance: locked.rows[0]!.balance, existing: existing.rows[0] ?? null }, booking);
      if (decision.kind !== 'book') return decision;
      const { entry } = decision;
      await client.query(
        `INSERT INTO ledger (id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [entry.id, entry.tenant_id, entry.customer_id, entry.unique_key, entry.delta, entry.reason, entry.order_id, entry.kind,
          entry.shortfall, entry.request_hash, entry.at],
      );
      await client.query('UPDATE balances SET balance = $1 WHERE tenant_id = $2 AND customer_id = $3', [
        decision.balance,
        booking.tenantId,
        booking.customerId,
      ]);
      return { kind: 'booked', entry, balance: decision.balance };
    });
  }

  async findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    const { rows } = await this.query<LedgerEntry>(`${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 AND unique_key = $3`, [
      tenantId,
      customerId,
      uniqueKey,
    ]);
    return rows[0] ?? null;
  }

  getLoyalty(tenantId: string, customerId: string): Promise<{ balance: number; entries: LedgerEntry[] }> {
    return this.withClient(async (client) => {
      // Balance and entries from one snapshot, whatever other nodes book meanwhile.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        const balance = await client.query<{ balance: number }>('SELECT balance FROM balances WHERE tenant_id = $1 AND customer_id = $2', [
          tenantId,
          customerId,
        ]);
        const entries = await client.query<LedgerEntry>(
          `${LEDGER_SELECT} WHERE tenant_id = $1 AND customer_id = $2 ORDER BY at, position`,
          [tenantId, customerId],
        );
        return { balance: balance.rows[0]?.balance ?? 0, entries: entries.rows };
      } finally {
        await client.query('COMMIT');
      }
    });
  }

  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.transaction(async (client) => {
      await client.query('INSERT INTO balances (tenant_id, customer_id, balance) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING', [tenantId, customerId]);
      await client.query('SELECT 1 FROM balances WHERE tenant_id = $1 AND customer_id = $2 FOR UPDATE', [tenantId, customerId]);
      const { rows } = await client.query<{ total: number }>(
        'SELECT COALESCE(SUM(delta), 0)::int AS total FROM ledger WHERE tenant_id = $1 AND customer_id = $2',
        [tenantId, customerId],
      );
      const total = rows[0]!.total;
      await client.query('UPDATE balances SET balance = $1 WHERE tenant_id = $2 AND customer_id = $3', [total, tenantId, customerId]);
      return total;
    });
  }

  // ---- delivery log --------------------------------------------------------------------------------------------

  async listDeliveries(orderId: string): Promise<Delivery[]> {
    const { rows } = await this.query<Delivery>(`${DELIVERY_SELECT} WHERE order_id = $1 ORDER BY at, seq, kind, channel`, [orderId]);
    return rows;
  }

  async claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    const { rows } = await this.query<{ attempts: number }>(
      `INSERT INTO deliveries (order_id, seq, channel, status, attempts, reason, error, at, kind)
       VALUES ($1, $2, $3, 'sending', 1, NULL, NULL, $4, $5)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = 'sending', attempts = deliveries.attempts + 1,
         reason = NULL, error = NULL, at = EXCLUDED.at
       WHERE deliveries.status = 'retrying'
       RETURNING attempts`,
      [orderId, seq, channel, at, kind],
    );
    if (rows[0]) return { claimed: true, attempts: rows[0].attempts };
    const existing = await this.query<Delivery>(`${DELIVERY_SELECT} WHERE order_id = $1 AND seq = $2 AND channel = $3 AND kind = $4`, [
      orderId,
      seq,
      channel,
      kind,
    ]);
    return { claimed: false, delivery: existing.rows[0]! };
  }

  async recordDelivery(delivery: Delivery): Promise<void> {
    await this.query(`${DELIVERY_UPSERT}`, deliveryValues(delivery));
  }

  async skipDelivery(delivery: Delivery): Promise<boolean> {
    const { rowCount } = await this.query(`${DELIVERY_UPSERT} WHERE deliveries.status = 'retrying'`, deliveryValues(delivery));
    return (rowCount ?? 0) > 0;
  }

  // ---- sources (SourceDirectory, implemented in ./sources.ts) ----

  createSource(source: Source): Promise<void> {
    return this.sources.createSource(source);
  }

  listSources(tenantId: string): Promise<Source[]> {
    return this.sources.listSources(tenantId);
  }

  getSource(tenantId: string, sourceId: string): Promise<Source | null> {
    return this.sources.getSource(tenantId, sourceId);
  }

  findSource(sourceId: string): Promise<Source | null> {
    return this.sources.findSource(sourceId);
  }

  updateSource(tenantId: string, sourceId: string, changes: SourceChanges): Promise<Source | null> {
    return this.sources.updateSource(tenantId, sourceId, changes);
  }

  deleteSource(tenantId: string, sourceId: string): Promise<boolean> {
    return this.sources.deleteSource(tenantId, sourceId);
  }

  claimMessage(sourceId: string, webhookId: string, claim: MessageClaim): Promise<ClaimResult> {
    return this.sources.claimMessage(sourceId, webhookId, claim);
  }

  answerMessage(sourceId: string, webhookId: string, token: string, answer: string, at: string): Promise<void> {
    return this.sources.answerMessage(sourceId, webhookId, token, answer, at);
  }

  releaseMessage(sourceId: string, webhookId: string, token: string): Promise<void> {
    return this.sources.releaseMessage(sourceId, webhookId, token);
  }

  pruneMessages(before: string, limit: number): Promise<number> {
    return this.sources.pruneMessages(before, limit);
  }

  orderIdsByExternalId(tenantId: string, externalScope: string, externalIds: readonly string[]): Promise<ExternalIdMatch[]> {
    return this.sources.orderIdsByExternalId(tenantId, externalScope, externalIds);
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------

  /** One statement on any pooled connection; an outage becomes `unavailable`. */
  // ---- privacy (PrivacyRecords, implemented in ./privacy.ts) ----------------------------------------------------

  customerOrdersPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerOrdersPage> {
    return this.privacy.customerOrdersPage(tenantId, customerId, after, limit);
  }

  customerDeliveriesPage(tenantId: string, customerId: string, after: OrderCursor | null, limit: number): Promise<CustomerDeliveriesPage> {
    return this.privacy.customerDeliveriesPage(tenantId, customerId, after, limit);
  }

  customerKnown(tenantId: string, customerId: string): Promise<boolean> {
    return this.privacy.customerKnown(tenantId, customerId);
  }

  eraseCustomerOrders(tenantId: string, customerId: string, at: string, limit: number): Promise<string[]> {
    return this.privacy.eraseCustomerOrders(tenantId, customerId, at, limit);
  }

  erasePreferences(tenantId: string, customerId: string): Promise<boolean> {
    return this.privacy.erasePreferences(tenantId, customerId);
  }

  eraseExpiredOrders(tenantId: string, terminalBefore: string, at: string, limit: number): Promise<string[]> {
    return this.privacy.eraseExpiredOrders(tenantId, terminalBefore, at, limit);
  }

  retentionTenants(): Promise<Array<{ tenantId: string; retentionDays: number }>> {
    return this.privacy.retentionTenants();
  }

  purgeErased(): Promise<void> {
    return this.privacy.purgeErased();
  }

  recordPrivacyAudit(entry: PrivacyAuditEntry): Promise<void> {
    return this.privacy.recordPrivacyAudit(entry);
  }

  listPrivacyAudit(tenantId: string, limit: number, after: PrivacyAuditCursor | null): Promise<PrivacyAuditPage> {
    return this.privacy.listPrivacyAudit(tenantId, limit, after);
  }

  private async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
    try {
      return await this.pool.query<R>(text, values);
    } catch (error) {
      throw translate(error);
    }
  }

  /** Runs `work` on one connection (several statements that must see each other, or a snapshot). */
  private async withClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    let broken: Error | undefined;
    try {
      return await work(client);
    } catch (error) {
      // A connection that failed mid-way may be in any state: it leaves the pool rather than going back.
      if (error instanceof Error) broken = error;
      throw translate(error);
    } finally {
      client.release(broken);
    }
  }

  /** Runs `work` in one transaction; a failure rolls it back. */
  private transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      let result: T;
      try {
        result = await work(client);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
      await client.query('COMMIT');
      return result;
    });
  }
}

// CSV export pages: large enough that a round trip per page costs little, small enough to keep memory flat.
const EXPORT_PAGE = 1000;

const TENANT_SELECT = 'SELECT id, name, points_per_unit, created_at FROM tenants';
const WEBHOOK_COLUMNS =
  'id, tenant_id, url, events, description, enabled, disabled_reason, secret, previous_secret, previous_secret_expires_at, created_at, updated_at';
const WEBHOOK_SELECT = `SELECT ${WEBHOOK_COLUMNS} FROM webhooks`;
const WEBHOOK_MESSAGE_COLUMNS =
  'id, webhook_id, type, order_id, seq, status, attempts, last_status_code, last_error, last_response, last_attempt_at, next_attempt_at, created_at';
const LEDGER_SELECT =
  'SELECT id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at FROM ledger';
const DELIVERY_SELECT = 'SELECT order_id, seq, kind, channel, status, attempts, at, reason, error, relay FROM deliveries';
const DELIVERY_UPSERT = `INSERT INTO deliveries (order_id, seq, channel, status, attempts, reason, error, at, kind, relay)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = EXCLUDED.status, attempts = EXCLUDED.attempts,
    reason = EXCLUDED.reason, error = EXCLUDED.error, at = EXCLUDED.at, relay = EXCLUDED.relay`;

function deliveryValues(delivery: Delivery): unknown[] {
  const { kind, relay } = completeDelivery(delivery);
  return [delivery.order_id, delivery.seq, delivery.channel, delivery.status, delivery.attempts, delivery.reason, delivery.error, delivery.at, kind, relay];
}

// The event's columns as typed parameters (a parameter only in a SELECT list has no type of its own).
const EVENT_PARAMS =
  '$1::text, $2::int, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $8::timestamptz, $9::jsonb, $10::text, $11::text, $12::boolean';

/**
 * An applied event in one statement: refused as a duplicate when the event id is in the order's log; otherwise
 * the order's state is written only if its revision is still the expected one, and only then are the event and
 * its owed effects inserted. $1-$12 are the event's columns (EVENT_COLUMNS), then the guard and the new state.
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
    SELECT ${EVENT_PARAMS} WHERE EXISTS (SELECT 1 FROM updated)
  ),
  effect AS (
    INSERT INTO effects (kind, order_id, seq, tenant_id, created_at)
    SELECT e.kind, $1, e.key, $23::text, $8 FROM unnest($22::text[], $24::int[]) AS e(kind, key) WHERE EXISTS (SELECT 1 FROM updated)
    ON CONFLICT DO NOTHING
  )
  SELECT EXISTS (SELECT 1 FROM duplicate) AS duplicate, EXISTS (SELECT 1 FROM updated) AS updated,
    (SELECT last_location FROM updated) AS last_location`;

/** A late event: recorded unless its id is already in the log; the order is not touched. */
const COMMIT_LATE = `
  WITH duplicate AS (SELECT 1 FROM events WHERE order_id = $1 AND event_id = $3),
  event AS (
    INSERT INTO events (${EVENT_COLUMNS})
    SELECT ${EVENT_PARAMS} WHERE NOT EXISTS (SELECT 1 FROM duplicate)
  )
  SELECT EXISTS (SELECT 1 FROM duplicate) AS duplicate, (SELECT last_location FROM orders WHERE id = $1) AS last_location`;
