import type { ClaimResult, ExternalIdMatch, MessageClaim, Source, SourceChanges } from '../ports/source-directory';
import fs from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { UnavailableError } from '../../domain/errors';
import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import { decideBooking } from '../../domain/loyalty';
import type { Location, Order, OrderEvent } from '../../domain/order';
import type {
  CommitResult,
  CreateOrderResult,
  Delivery,
  DeliveryChannel,
  DeliveryClaim,
  EffectKind,
  LedgerBooking,
  LedgerEntry,
  LedgerResult,
  LoyaltyAccount,
  PendingEffect,
  Preferences,
  EventCommit,
  ExportedOrder,
  NewOrder,
  OrderCursor,
  OrderFilter,
  OrderHead,
  OrderPage,
  OrderQuery,
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
import { busyPause, GroupCommit, isBusy, type BatchObserver } from './group-commit';
import { migrate } from './migrations';
import { searchTerms } from '../search-terms';
import {
  eventToRow,
  orderToRow,
  rowToEvent,
  rowToOrder,
  rowToWebhook,
  WEBHOOK_MESSAGE_COLUMNS,
  webhookToRow,
  type EventRow,
  type OrderRow,
  type WebhookRow,
} from './rows';
import { cachedStatement } from './statements';
import { exportPage, reportSummary } from './reports';
import { searchOrders } from './search';
import { SqliteSourceDirectory } from './sources';
import { SqliteArrivalLog } from './arrival';
import { completeDelivery } from '../delivery-keys';
import type { ArrivalClaim } from '../ports/arrival-log';
import type { AlertKind } from '../../domain/effects';
import { SqlitePrivacy } from './privacy';
import type { PrivacyAuditEntry } from '../../domain/privacy';
import type { CustomerDeliveriesPage, CustomerOrdersPage, PrivacyAuditCursor, PrivacyAuditPage } from '../ports/privacy';

// An export reads this many orders per read: memory holds one page, and the event loop is free between pages
// (a page is about 10 ms of SQLite work).
const EXPORT_PAGE = 1000;

export interface SqliteStoreOptions {
  /** Directory holding `tracking.db`; created if missing. */
  dataDir: string;
  /** Called after each group-commit transaction with its size and duration. */
  onBatch?: BatchObserver;
  /**
   * How long a read or write waits for another process's lock before it fails as `unavailable` (503). The wait
   * is asynchronous: the event loop keeps serving meanwhile.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * `full`: each commit is fsynced before its callers hear "done" (an acknowledged event survives power loss);
   * `normal`: each commit reaches the OS first (it survives a crash of the process), fsync at checkpoints.
   * @default 'full'
   */
  sync?: 'full' | 'normal';
}

/**
 * The embedded store: one SQLite file in WAL mode. Several processes may open the same file; the
 * revision guard on `orders` keeps them correct, and SQLite's write lock serialises their commits.
 */
export class SqliteStore implements Store {
  private readonly db: Db;
  private readonly busyTimeoutMs: number;
  private writes!: GroupCommit;
  private stmt!: ReturnType<typeof prepare>;
  private sources!: SqliteSourceDirectory;
  private arrivals!: SqliteArrivalLog;
  private privacy!: SqlitePrivacy;

  constructor(private readonly options: SqliteStoreOptions) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    // No busy handler: SQLite's sleeps synchronously, stalling every request of the node while another process
    // holds the lock. A busy lock is retried asynchronously instead (see `read` and GroupCommit).
    this.db = new Database(path.join(options.dataDir, 'tracking.db'), { timeout: 0 });
    // Group commit amortises the fsync of FULL over every write of the batch.
    this.db.pragma(`synchronous = ${options.sync === 'normal' ? 'NORMAL' : 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('cache_size = -65536'); // 64 MiB page cache
    // Deleted and overwritten records are zeroed in the file, so erased personal data leaves no bytes behind (privacy.ts).
    this.db.pragma('secure_delete = ON');
  }

  /** Switches the file to WAL and migrates it, waiting (asynchronously) for nodes starting at the same time. */
  async init(): Promise<void> {
    await this.whenFree(() => this.db.pragma('journal_mode = WAL'));
    await this.whenFree(() => migrate(this.db));
    this.stmt = prepare(this.db);
    this.writes = new GroupCommit(this.db, { observe: this.options.onBatch, busyTimeoutMs: this.busyTimeoutMs });
    this.sources = new SqliteSourceDirectory({ db: this.db, write: (run) => this.writes.write(run), read: (run) => this.read(run) });
    this.arrivals = new SqliteArrivalLog({ db: this.db, write: (run) => this.writes.write(run) });
    this.privacy = new SqlitePrivacy({ db: this.db, write: (run) => this.writes.write(run), read: (run) => this.read(run) });
  }

  async ping(): Promise<void> {
    await this.read(() => this.stmt.ping.get());
  }

  async close(): Promise<void> {
    await this.writes?.drained();
    if (this.db.open) this.db.close();
  }

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    return this.writes.write(() => {
      this.stmt.insertTenant.run({ ...tenant, api_key_hash: apiKeyHash });
    });
  }

  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    return this.read(() => (this.stmt.tenantByKey.get(apiKeyHash) as Tenant | undefined) ?? null);
  }

  getTenant(tenantId: string): Promise<Tenant | null> {
    return this.read(() => (this.stmt.tenantById.get(tenantId) as Tenant | undefined) ?? null);
  }

  createOrder(input: NewOrder): Promise<CreateOrderResult> {
    const { order, firstEvent, idempotency, externalScope } = input;
    return this.writes.write((): CreateOrderResult => {
      if (idempotency) {
        const claimed = this.stmt.idempotencyGet.get(order.tenant_id, idempotency.scope, idempotency.key) as
          | { request_hash: string; order_id: string }
          | undefined;
        if (claimed) {
          if (claimed.request_hash !== idempotency.requestHash) return { kind: 'idempotency_conflict' };
          return { kind: 'existing', order: this.loadOrderSync(claimed.order_id)! };
        }
      }
      if (order.external_id !== null) {
        const existing = this.stmt.orderByExternalId.get(order.tenant_id, externalScope, order.external_id) as
          | OrderRow
          | undefined;
        if (existing) return { kind: 'existing', order: rowToOrder(existing) };
      }
      this.stmt.insertOrder.run({ ...orderToRow(order), external_scope: externalScope });
      for (const term of searchTerms(order)) this.stmt.insertTerm.run(order.tenant_id, term, order.id);
      this.stmt.insertEvent.run(eventToRow(firstEvent));
      for (const kind of input.effects ?? []) this.stmt.insertEffect.run(kind, order.id, 1, order.tenant_id, firstEvent.recorded_at);
      if (idempotency) {
        this.stmt.idempotencyPut.run(
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
    return this.read(() => {
      const row = this.stmt.orderByTenantAndId.get(tenantId, orderId) as OrderRow | undefined;
      return row ? rowToOrder(row) : null;
    });
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.read(() => this.loadOrderSync(orderId));
  }

  orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    return this.read(() => this.stmt.heads.all(JSON.stringify(orderIds)) as OrderHead[]);
  }

  commitEvent(commit: EventCommit): Promise<CommitResult> {
    const { orderId, expectedRev, event, next } = commit;
    return this.writes.write((): CommitResult => {
      if (this.stmt.eventExists.get(orderId, event.event_id)) return { kind: 'duplicate_event' };
      let stored: { last_location: string | null } | undefined;
      if (next) {
        stored = this.stmt.updateState.get({
          id: orderId,
          expected_rev: expectedRev,
          status: next.status,
          version: next.version,
          updated_at: next.updated_at,
          last_event_at: next.last_event_at,
          held_at: next.held_at,
          courier_id: next.courier_id,
          delivered_at: next.delivered_at,
          failed_attempts: next.failed_attempts,
        }) as { last_location: string | null } | undefined;
        if (!stored) return { kind: 'rev_conflict' };
      } else {
        stored = this.stmt.locationOf.get(orderId) as { last_location: string | null } | undefined;
      }
      this.stmt.insertEvent.run(eventToRow(event));
      if (next && event.seq !== null) {
        for (const kind of commit.effects ?? []) this.stmt.insertEffect.run(kind, orderId, event.seq, next.tenant_id, event.recorded_at);
      }
      if (next) {
        for (const kind of commit.revisionEffects ?? []) {
          this.stmt.insertEffect.run(kind, orderId, expectedRev + 1, next.tenant_id, event.recorded_at);
        }
      }
      return { kind: 'ok', rev: next ? expectedRev + 1 : expectedRev, lastLocation: parseLocation(stored?.last_location) };
    });
  }

  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    return this.writes.write((): CommitResult => {
      const stored = this.stmt.assign.get(courierId, updatedAt, orderId, expectedRev) as
        | { last_location: string | null; tenant_id: string }
        | undefined;
      if (!stored) return { kind: 'rev_conflict' };
      for (const kind of effects) this.stmt.insertEffect.run(kind, orderId, expectedRev + 1, stored.tenant_id, updatedAt);
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: parseLocation(stored.last_location) };
    });
  }

  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    return this.read(() => {
      const row = this.stmt.eventById.get(orderId, eventId) as EventRow | undefined;
      return row ? rowToEvent(row) : null;
    });
  }

  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.read(() => (this.stmt.eventsSince.all(orderId, sinceSeq, limit) as EventRow[]).map(rowToEvent));
  }

  history(orderId: string): Promise<OrderEvent[]> {
    return this.read(() => (this.stmt.history.all(orderId) as EventRow[]).map(rowToEvent));
  }

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.read(() => searchOrders(this.db, tenantId, query));
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncGenerator<ExportedOrder[]> {
    let after: OrderCursor | null | undefined;
    do {
      const page = await this.read(() => exportPage(this.db, tenantId, filter, after ?? undefined, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      after = page.next;
    } while (after);
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    return this.read(() => reportSummary(this.db, tenantId, range, nowIso));
  }

  // ---- arrival (ArrivalLog, implemented in ./arrival.ts) ----

  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    return this.arrivals.claimArrival(orderId, at);
  }

  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    return this.arrivals.updateEtas(updates);
  }

  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    return this.writes.write(() => {
      for (const update of updates) this.stmt.setLocation.run(JSON.stringify(update.location), update.orderId);
    });
  }

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.read(() => {
      const row = this.stmt.preferencesGet.get(tenantId, customerId) as
        | { email: number; sms: number; email_address: string | null; phone: string | null; updated_at: string }
        | undefined;
      return row ? { ...row, email: row.email === 1, sms: row.sms === 1 } : null;
    });
  }

  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    return this.writes.write(() => {
      this.stmt.preferencesPut.run({
        tenant_id: tenantId,
        customer_id: customerId,
        ...preferences,
        email: preferences.email ? 1 : 0,
        sms: preferences.sms ? 1 : 0,
      });
    });
  }

  pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    return this.read(() => this.stmt.effectsPending.all(kind, createdBefore, limit) as PendingEffect[]);
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.writes.write(() => {
      this.stmt.effectDelete.run(kind, orderId, seq);
    });
  }

  oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    return this.writes.write(() => {
      this.stmt.insertEffect.run(effect.kind, effect.orderId, effect.seq, effect.tenantId, effect.createdAt);
    });
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.read(() => {
      const row = this.stmt.settingsGet.get(tenantId) as { settings: string | null } | undefined;
      return row ? withDefaults(row.settings === null ? null : (JSON.parse(row.settings) as Partial<TenantSettings>)) : null;
    });
  }

  putTenantSettings(tenantId: string, settings: TenantSettings): Promise<void> {
    return this.writes.write(() => {
      this.stmt.settingsPut.run(JSON.stringify(settings), tenantId);
    });
  }

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    return this.writes.write(() => {
      this.stmt.setRate.run(pointsPerUnit, tenantId);
    });
  }

  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return this.writes.write(() => bookLedger(this.stmt, booking));
  }

  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    return this.read(() => (this.stmt.ledgerByKey.get(tenantId, customerId, uniqueKey) as LedgerEntry | undefined) ?? null);
  }

  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    // One read transaction: balance and entries from the same snapshot, whatever other nodes commit meanwhile.
    return this.read(() =>
      this.db.transaction(() => {
        const row = this.stmt.balanceGet.get(tenantId, customerId) as { balance: number } | undefined;
        return { balance: row?.balance ?? 0, entries: this.stmt.ledgerList.all(tenantId, customerId) as LedgerEntry[] };
      })(),
    );
  }

  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.writes.write(() => {
      const { total } = this.stmt.ledgerSum.get(tenantId, customerId) as { total: number | null };
      this.stmt.balancePut.run(tenantId, customerId, total ?? 0);
      return total ?? 0;
    });
  }

  listDeliveries(orderId: string): Promise<Delivery[]> {
    return this.read(() => this.stmt.deliveriesList.all(orderId) as Delivery[]);
  }

  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    return this.writes.write((): DeliveryClaim => {
      const existing = this.stmt.deliveryGet.get(orderId, seq, kind, channel) as Delivery | undefined;
      if (existing && existing.status !== 'retrying') return { claimed: false, delivery: existing };
      const attempts = (existing?.attempts ?? 0) + 1;
      this.stmt.deliveryPut.run({ order_id: orderId, seq, kind, channel, status: 'sending', attempts, at, reason: null, error: null, relay: null });
      return { claimed: true, attempts };
    });
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    return this.writes.write(() => {
      this.stmt.deliveryPut.run(completeDelivery(delivery));
    });
  }

  skipDelivery(delivery: Delivery): Promise<boolean> {
    return this.writes.write(() => this.stmt.deliverySkip.run(completeDelivery(delivery)).changes > 0);
  }

  createWebhook(webhook: StoredWebhook): Promise<void> {
    return this.writes.write(() => {
      this.stmt.webhookInsert.run(webhookToRow(webhook));
    });
  }

  getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    return this.read(() => {
      const row = this.stmt.webhookGet.get(tenantId, webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    return this.read(() => {
      const row = this.stmt.webhookLoad.get(webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.read(() => (this.stmt.webhookList.all(tenantId) as WebhookRow[]).map(rowToWebhook));
  }

  updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    // Read and written in one transaction (the write lock is held throughout): a change merges with the latest row.
    return this.writes.write(() => {
      const row = this.stmt.webhookGet.get(tenantId, webhookId) as WebhookRow | undefined;
      if (!row) return null;
      const merged: StoredWebhook = { ...rowToWebhook(row), ...definedFields(changes) };
      this.stmt.webhookPut.run(webhookToRow(merged));
      return merged;
    });
  }

  rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    return this.writes.write(() => {
      const row = this.stmt.webhookRotate.get(secret, previousExpiresAt, at, tenantId, webhookId) as WebhookRow | undefined;
      return row ? rowToWebhook(row) : null;
    });
  }

  disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    return this.writes.write(() => this.stmt.webhookDisable.run(reason, at, webhookId).changes > 0);
  }

  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    return this.writes.write(() => {
      if (!this.stmt.webhookGet.get(tenantId, webhookId)) return false;
      this.stmt.webhookAttemptsDelete.run(webhookId);
      this.stmt.webhookMessagesDelete.run(webhookId);
      this.stmt.webhookDelete.run(webhookId);
      return true;
    });
  }

  addWebhookMessages(messages: NewWebhookMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return this.writes.write(() => {
      for (const message of messages) this.stmt.messageInsert.run({ ...message, next_attempt_at: message.created_at });
    });
  }

  getWebhookMessage(messageId: string): Promise<StoredWebhookMessage | null> {
    return this.read(() => (this.stmt.messageGet.get(messageId) as StoredWebhookMessage | undefined) ?? null);
  }

  listWebhookMessages(webhookId: string, query: WebhookMessageQuery): Promise<WebhookMessagePage> {
    return this.read(() => {
      const where = ['webhook_id = ?'];
      const values: unknown[] = [webhookId];
      if (query.status) {
        where.push('status = ?');
        values.push(query.status);
      }
      if (query.orderId !== undefined) {
        where.push('order_id = ?');
        values.push(query.orderId);
      }
      if (query.after) {
        where.push('(created_at < ? OR (created_at = ? AND id < ?))');
        values.push(query.after.created_at, query.after.created_at, query.after.id);
      }
      const sql = `SELECT ${WEBHOOK_MESSAGE_COLUMNS} FROM webhook_messages WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT ?`;
      const rows = cachedStatement(this.db, sql).all(...values, query.limit + 1) as WebhookMessage[];
      const items = rows.slice(0, query.limit);
      const last = items[items.length - 1];
      return { items, next: rows.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
    });
  }

  listWebhookAttempts(messageId: string): Promise<WebhookAttempt[]> {
    return this.read(() => this.stmt.attemptsList.all(messageId) as WebhookAttempt[]);
  }

  recordWebhookAttempts(
    messageId: string,
    jobId: string,
    expectedAttempts: number,
    attempts: NewWebhookAttempt[],
    next: WebhookMessageNext,
  ): Promise<boolean> {
    const last = attempts[attempts.length - 1];
    if (!last) return Promise.resolve(false);
    return this.writes.write(() => {
      const written = this.stmt.messageRecord.run({
        id: messageId,
        job_id: jobId,
        expected: expectedAttempts,
        attempts: expectedAttempts + attempts.length,
        last_attempt_at: last.started_at,
        status_code: last.status_code,
        error: last.error,
        response: last.response,
        ...next,
      });
      if (written.changes === 0) return false;
      attempts.forEach((attempt, index) => this.stmt.attemptInsert.run({ message_id: messageId, attempt: expectedAttempts + index + 1, ...attempt }));
      return true;
    });
  }

  settleWebhookMessage(messageId: string, jobId: string, next: WebhookMessageNext & { last_error: string }): Promise<void> {
    return this.writes.write(() => {
      this.stmt.messageSettle.run({ id: messageId, job_id: jobId, ...next });
    });
  }

  requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<StoredWebhookMessage | null> {
    return this.writes.write(() => (this.stmt.messageRequeue.get(jobId, at, messageId) as StoredWebhookMessage | undefined) ?? null);
  }

  overdueWebhookMessages(before: string, after: OverdueCursor | null, limit: number): Promise<OverdueWebhookMessage[]> {
    return this.read(
      () => this.stmt.messagesOverdue.all(before, after?.next_attempt_at ?? '', after?.next_attempt_at ?? '', after?.id ?? '', limit) as OverdueWebhookMessage[],
    );
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

  // ---- privacy (PrivacyRecords, implemented in ./privacy.ts) ----

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

  private loadOrderSync(orderId: string): Order | null {
    const row = this.stmt.orderById.get(orderId) as OrderRow | undefined;
    return row ? rowToOrder(row) : null;
  }

  /** Runs a read, retrying it asynchronously while another process holds a lock it needs (rare in WAL mode). */
  private read<T>(run: () => T): Promise<T> {
    return this.whenFree(run);
  }

  /** Runs `run`, retrying on a busy lock with growing pauses; past the busy timeout it is `unavailable`. */
  private async whenFree<T>(run: () => T): Promise<T> {
    const deadline = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return run();
      } catch (error) {
        if (!isBusy(error)) throw error;
        if (Date.now() >= deadline) throw new UnavailableError('store', 1, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, busyPause(attempt)));
      }
    }
  }
}

/** The fields of a partial change that are set (undefined ones are left out rather than written). */
function definedFields<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function parseLocation(text: string | null | undefined): Location | null {
  return text ? (JSON.parse(text) as Location) : null;
}

/**
 * Books one ledger fact inside the current transaction (see LoyaltyLedger.bookLedger): reads the account, lets
 * the domain decide, writes what it decided.
 */
function bookLedger(stmt: ReturnType<typeof prepare>, booking: LedgerBooking): LedgerResult {
  const balanceRow = stmt.balanceGet.get(booking.tenantId, booking.customerId) as { balance: number } | undefined;
  const existing = stmt.ledgerByKey.get(booking.tenantId, booking.customerId, booking.uniqueKey) as LedgerEntry | undefined;
  const decision = decideBooking({ balance: balanceRow?.balance ?? 0, existing: existing ?? null }, booking);
  if (decision.kind !== 'book') return decision;
  stmt.ledgerInsert.run(decision.entry);
  stmt.balancePut.run(booking.tenantId, booking.customerId, decision.balance);
  return { kind: 'booked', entry: decision.entry, balance: decision.balance };
}

/** Every statement the store runs, prepared once. */
function prepare(db: Db) {
  return {
    ping: db.prepare('SELECT 1'),
    insertTenant: db.prepare(
      'INSERT INTO tenants (id, name, api_key_hash, points_per_unit, created_at) VALUES (@id, @name, @api_key_hash, @points_per_unit, @created_at)',
    ),
    tenantByKey: db.prepare('SELECT id, name, points_per_unit, created_at FROM tenants WHERE api_key_hash = ?'),
    tenantById: db.prepare('SELECT id, name, points_per_unit, created_at FROM tenants WHERE id = ?'),
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
         source, applied)
       VALUES (@order_id, @seq, @event_id, @type, @status, @scan_type, @occurred_at, @recorded_at, @location, @note,
         @source, @applied)`,
    ),
    orderById: db.prepare('SELECT * FROM orders WHERE id = ?'),
    orderByTenantAndId: db.prepare('SELECT * FROM orders WHERE tenant_id = ? AND id = ?'),
    heads: db.prepare('SELECT id, version, courier_id FROM orders WHERE id IN (SELECT value FROM json_each(?))'),
    locationOf: db.prepare('SELECT last_location FROM orders WHERE id = ?'),
    eventExists: db.prepare('SELECT 1 FROM events WHERE order_id = ? AND event_id = ?'),
    updateState: db.prepare(
      `UPDATE orders SET status = @status, version = @version, rev = rev + 1, updated_at = @updated_at,
         last_event_at = @last_event_at, held_at = @held_at, courier_id = @courier_id, delivered_at = @delivered_at,
         failed_attempts = @failed_attempts
       WHERE id = @id AND rev = @expected_rev RETURNING last_location`,
    ),
    assign: db.prepare(
      'UPDATE orders SET courier_id = ?, updated_at = ?, rev = rev + 1 WHERE id = ? AND rev = ? RETURNING last_location, tenant_id',
    ),
    eventById: db.prepare('SELECT * FROM events WHERE order_id = ? AND event_id = ?'),
    eventsSince: db.prepare('SELECT * FROM events WHERE order_id = ? AND seq > ? ORDER BY seq LIMIT ?'),
    history: db.prepare('SELECT * FROM events WHERE order_id = ? ORDER BY occurred_at, rowid'),
    // An erased order keeps no courier position (a flush may come after its erasure).
    setLocation: db.prepare('UPDATE orders SET last_location = ? WHERE id = ? AND erased_at IS NULL'),
    insertEffect: db.prepare(
      'INSERT OR IGNORE INTO effects (kind, order_id, seq, tenant_id, created_at) VALUES (?, ?, ?, ?, ?)',
    ),
    effectsPending: db.prepare(
      `SELECT order_id AS orderId, seq, tenant_id AS tenantId, created_at AS createdAt FROM effects WHERE kind = ? AND created_at < ?
       ORDER BY created_at LIMIT ?`,
    ),
    effectDelete: db.prepare('DELETE FROM effects WHERE kind = ? AND order_id = ? AND seq = ?'),
    setRate: db.prepare('UPDATE tenants SET points_per_unit = ? WHERE id = ?'),
    settingsGet: db.prepare('SELECT settings FROM tenants WHERE id = ?'),
    settingsPut: db.prepare('UPDATE tenants SET settings = ? WHERE id = ?'),
    ledgerByKey: db.prepare('SELECT * FROM ledger WHERE tenant_id = ? AND customer_id = ? AND unique_key = ?'),
    ledgerList: db.prepare('SELECT * FROM ledger WHERE tenant_id = ? AND customer_id = ? ORDER BY at, rowid'),
    ledgerSum: db.prepare('SELECT SUM(delta) AS total FROM ledger WHERE tenant_id = ? AND customer_id = ?'),
    ledgerInsert: db.prepare(
      `INSERT INTO ledger (id, tenant_id, customer_id, unique_key, delta, reason, order_id, kind, shortfall, request_hash, at)
       VALUES (@id, @tenant_id, @customer_id, @unique_key, @delta, @reason, @order_id, @kind, @shortfall, @request_hash, @at)`,
    ),
    balanceGet: db.prepare('SELECT balance FROM balances WHERE tenant_id = ? AND customer_id = ?'),
    balancePut: db.prepare(
      `INSERT INTO balances (tenant_id, customer_id, balance) VALUES (?, ?, ?)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET balance = excluded.balance`,
    ),
    preferencesGet: db.prepare(
      'SELECT email, sms, email_address, phone, updated_at FROM preferences WHERE tenant_id = ? AND customer_id = ?',
    ),
    preferencesPut: db.prepare(
      `INSERT INTO preferences (tenant_id, customer_id, email, sms, email_address, phone, updated_at)
       VALUES (@tenant_id, @customer_id, @email, @sms, @email_address, @phone, @updated_at)
       ON CONFLICT (tenant_id, customer_id) DO UPDATE SET email = excluded.email, sms = excluded.sms,
         email_address = excluded.email_address, phone = excluded.phone, updated_at = excluded.updated_at`,
    ),
    deliveriesList: db.prepare('SELECT * FROM deliveries WHERE order_id = ? ORDER BY at, seq, kind, channel'),
    deliveryGet: db.prepare('SELECT * FROM deliveries WHERE order_id = ? AND seq = ? AND kind = ? AND channel = ?'),
    deliveryPut: db.prepare(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
       VALUES (@order_id, @seq, @kind, @channel, @status, @attempts, @reason, @error, @relay, @at)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         reason = excluded.reason, error = excluded.error, relay = excluded.relay, at = excluded.at`,
    ),
    deliverySkip: db.prepare(
      `INSERT INTO deliveries (order_id, seq, kind, channel, status, attempts, reason, error, relay, at)
       VALUES (@order_id, @seq, @kind, @channel, @status, @attempts, @reason, @error, @relay, @at)
       ON CONFLICT (order_id, seq, kind, channel) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         reason = excluded.reason, error = excluded.error, relay = excluded.relay, at = excluded.at
       WHERE deliveries.status = 'retrying'`,
    ),
    webhookInsert: db.prepare(
      `INSERT INTO webhooks (id, tenant_id, url, events, description, enabled, disabled_reason, secret, previous_secret,
         previous_secret_expires_at, created_at, updated_at)
       VALUES (@id, @tenant_id, @url, @events, @description, @enabled, @disabled_reason, @secret, @previous_secret,
         @previous_secret_expires_at, @created_at, @updated_at)`,
    ),
    webhookPut: db.prepare(
      `UPDATE webhooks SET url = @url, events = @events, description = @description, enabled = @enabled,
         disabled_reason = @disabled_reason, updated_at = @updated_at
       WHERE id = @id`,
    ),
    webhookGet: db.prepare('SELECT * FROM webhooks WHERE tenant_id = ? AND id = ?'),
    webhookLoad: db.prepare('SELECT * FROM webhooks WHERE id = ?'),
    webhookList: db.prepare('SELECT * FROM webhooks WHERE tenant_id = ? ORDER BY created_at, id'),
    webhookRotate: db.prepare(
      `UPDATE webhooks SET previous_secret = secret, secret = ?, previous_secret_expires_at = ?, updated_at = ?
       WHERE tenant_id = ? AND id = ? RETURNING *`,
    ),
    webhookDisable: db.prepare('UPDATE webhooks SET enabled = 0, disabled_reason = ?, updated_at = ? WHERE id = ? AND enabled = 1'),
    webhookDelete: db.prepare('DELETE FROM webhooks WHERE id = ?'),
    webhookMessagesDelete: db.prepare('DELETE FROM webhook_messages WHERE webhook_id = ?'),
    webhookAttemptsDelete: db.prepare(
      'DELETE FROM webhook_attempts WHERE message_id IN (SELECT id FROM webhook_messages WHERE webhook_id = ?)',
    ),
    messageInsert: db.prepare(
      `INSERT OR IGNORE INTO webhook_messages (id, webhook_id, tenant_id, type, order_id, seq, payload, status, attempts,
         next_attempt_at, job_id, created_at)
       VALUES (@id, @webhook_id, @tenant_id, @type, @order_id, @seq, @payload, 'pending', 0, @next_attempt_at, @job_id,
         @created_at)`,
    ),
    messageGet: db.prepare(`SELECT ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id FROM webhook_messages WHERE id = ?`),
    messageRecord: db.prepare(
      `UPDATE webhook_messages SET attempts = @attempts, last_attempt_at = @last_attempt_at, status = @status,
         next_attempt_at = @next_attempt_at, last_status_code = @status_code, last_error = @error, last_response = @response
       WHERE id = @id AND job_id = @job_id AND status = 'pending' AND attempts = @expected`,
    ),
    messageSettle: db.prepare(
      `UPDATE webhook_messages SET status = @status, next_attempt_at = @next_attempt_at, last_error = @last_error
       WHERE id = @id AND job_id = @job_id AND status = 'pending'`,
    ),
    messageRequeue: db.prepare(
      `UPDATE webhook_messages SET status = 'pending', job_id = ?, next_attempt_at = ? WHERE id = ?
       RETURNING ${WEBHOOK_MESSAGE_COLUMNS}, tenant_id, payload, job_id`,
    ),
    messagesOverdue: db.prepare(
      `SELECT id, webhook_id, tenant_id, job_id, attempts, next_attempt_at FROM webhook_messages
       WHERE status = 'pending' AND next_attempt_at < ? AND (next_attempt_at > ? OR (next_attempt_at = ? AND id > ?))
       ORDER BY next_attempt_at, id LIMIT ?`,
    ),
    attemptsList: db.prepare(
      `SELECT attempt, started_at, finished_at, status_code, error, response, duration_ms FROM webhook_attempts
       WHERE message_id = ? ORDER BY attempt`,
    ),
    attemptInsert: db.prepare(
      `INSERT OR REPLACE INTO webhook_attempts (message_id, attempt, started_at, finished_at, status_code, error, response, duration_ms)
       VALUES (@message_id, @attempt, @started_at, @finished_at, @status_code, @error, @response, @duration_ms)`,
    ),
  };
}
