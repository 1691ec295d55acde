import type { ClaimResult, ExternalIdMatch, MessageClaim, Source, SourceChanges } from '../ports/source-directory';
import {
  MongoClient,
  MongoTopologyClosedError,
  type AnyBulkWriteOperation,
  type Collection,
  type Db,
  type Filter,
  type UpdateFilter,
} from 'mongodb';
import { UnavailableError } from '../../domain/errors';
import { decideBooking } from '../../domain/loyalty';
import { withDefaults, type TenantSettings } from '../../domain/tenant-settings';
import type { Location, Order, OrderEvent } from '../../domain/order';
import type {
  CommitResult,
  CreateOrderResult,
  Delivery,
  DeliveryChannel,
  DeliveryClaim,
  EffectKind,
  EventCommit,
  ExportedOrder,
  IdempotencyClaim,
  LedgerBooking,
  LedgerEntry,
  LedgerResult,
  LoyaltyAccount,
  NewOrder,
  OrderCursor,
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
  WebhookMessagePage,
  WebhookMessageNext,
  WebhookMessageQuery,
} from '../store';
import { COLLECTIONS, type CollectionRole } from './collections';
import {
  accountId,
  attemptEntry,
  documentToStoredWebhookMessage,
  documentToWebhook,
  documentToWebhookMessage,
  MESSAGE_LINE,
  webhookDocument,
  webhookMessageDocument,
  type WebhookDocument,
  type WebhookMessageDocument,
  deliveryDocument,
  deliveryId,
  documentToDelivery,
  documentToEvent,
  documentToOrder,
  documentToPreferences,
  documentToTenant,
  eventDocument,
  idempotencyKeyId,
  ledgerEntry,
  ORDER_ONLY,
  orderDocument,
  preferencesId,
  stateOf,
  type AccountDocument,
  type DeliveryDocument,
  type EffectDocument,
  type IdempotencyDocument,
  type OrderDocument,
  type PreferencesDocument,
  type TenantDocument,
} from './documents';
import { isDuplicateKey, onlyDuplicateKeys, translate } from './errors';
import { reportSummary } from './reports';
import { MongoSourceDirectory } from './sources';
import { MongoPrivacy } from './privacy';
import type { PrivacyAuditEntry } from '../../domain/privacy';
import type { CustomerDeliveriesPage, CustomerOrdersPage, PrivacyAuditCursor, PrivacyAuditPage } from '../ports/privacy';
import { MongoArrivalLog } from './arrival';
import type { ArrivalClaim } from '../ports/arrival-log';
import type { AlertKind } from '../../domain/effects';
import { exportPage, searchOrders } from './search';

export interface MongoStoreOptions {
  /** `mongodb://host:port/database` or `mongodb+srv://…`, with any of the driver's URI options (TLS, auth, pool size…). */
  uri: string;
  /**
   * The database holding the collections.
   * @default the URI's database (the driver's `test` when the URI names none)
   */
  database?: string;
  /**
   * Prepended to every collection name, so several clusters or test runs can share one database.
   * @default ''
   */
  collectionPrefix?: string;
  /**
   * How long an operation waits for a server it can use (the primary, for writes) before it fails as 503
   * `unavailable`: the time a request hangs while the database is down or electing a primary.
   * @default 5000
   */
  serverSelectionTimeoutMs?: number;
}

// Collection names: letters, digits, `_`, `-`, `.`; the server reserves `system.` and refuses `$` and NUL.
const PREFIX = /^(?!system\.)[A-Za-z0-9_.-]{0,64}$/;

// CSV export pages: large enough that a round trip per page costs little, small enough to keep memory flat.
const EXPORT_PAGE = 1000;

// A booking that loses the account's compare-and-set to another node reads again and decides again. Each loss
// means another booking of the same customer went through, so this many in a row is a pile-up worth a 503 (the
// client retries), not a reason to spin.
const BOOK_ATTEMPTS = 20;

// A create whose key or order lost a race reads the winner; a winner that is not there yet is read again.
const CREATE_ATTEMPTS = 3;

/**
 * The MongoDB store, for clusters across machines, without multi-document transactions (they need a replica set):
 * every guarantee is a single-document atomic operation or a unique index. An order is one document holding its
 * state, its event log and its owed effects, so a commit is one guarded update (revision and event id in the
 * filter); idempotency keys, external ids, delivery claims and tenants' key hashes are unique; a customer's ledger
 * and balance are one document written under its own version. An outage is `unavailable` (503).
 */
export class MongoStore implements Store {
  private readonly client: MongoClient;
  private readonly db: Db;
  private readonly tenants: Collection<TenantDocument>;
  private readonly orders: Collection<OrderDocument>;
  private readonly keys: Collection<IdempotencyDocument>;
  private readonly accounts: Collection<AccountDocument>;
  private readonly deliveries: Collection<DeliveryDocument>;
  private readonly preferences: Collection<PreferencesDocument>;
  private readonly webhooks: Collection<WebhookDocument>;
  private readonly messages: Collection<WebhookMessageDocument>;
  private readonly prefix: string;
  private readonly sources: MongoSourceDirectory;
  private readonly privacy: MongoPrivacy;
  private readonly arrivals: MongoArrivalLog;
  /** Set when the client's topology was closed under us (see `run`): the next operation connects it again. */
  private reconnect = false;
  private closed = false;

  constructor(options: MongoStoreOptions) {
    this.prefix = options.collectionPrefix ?? '';
    if (!PREFIX.test(this.prefix)) throw new RangeError('MongoStore: collectionPrefix must be up to 64 of [A-Za-z0-9_.-], not system.*');
    const timeout = options.serverSelectionTimeoutMs ?? 5000;
    if (!Number.isInteger(timeout) || timeout <= 0) throw new RangeError('MongoStore: serverSelectionTimeoutMs must be a positive integer');
    // Parses the URI at once: a malformed one throws here (MongoParseError), not on the first request.
    this.client = new MongoClient(options.uri, {
      serverSelectionTimeoutMS: timeout,
      appName: 'order-tracking',
      // Optional fields left out (`customer.name` undefined) stay left out, rather than becoming null.
      ignoreUndefined: true,
      // A write resolves once it is on a majority of the replica set, or in the journal of a standalone server: an
      // acknowledged event survives the server's crash (or failover), as the embedded store's fsynced commit does.
      writeConcern: { w: 'majority' },
    });
    this.db = this.client.db(options.database);
    this.tenants = this.collection('tenants');
    this.orders = this.collection('orders');
    this.keys = this.collection('idempotencyKeys');
    this.accounts = this.collection('accounts');
    this.deliveries = this.collection('deliveries');
    this.preferences = this.collection('preferences');
    this.sources = new MongoSourceDirectory({
      sources: this.collection('sources'),
      messages: this.collection('sourceMessages'),
      orders: this.orders,
      run: (work) => this.run(work),
    });
    this.webhooks = this.collection('webhooks');
    this.messages = this.collection('webhookMessages');
    this.privacy = new MongoPrivacy({
      tenants: this.tenants,
      orders: this.orders,
      deliveries: this.deliveries,
      preferences: this.preferences,
      accounts: this.accounts,
      messages: this.messages,
      audit: this.collection('privacyAudit'),
      run: (work) => this.run(work),
    });
    this.arrivals = new MongoArrivalLog({ orders: this.orders, run: (work) => this.run(work) });
  }

  /**
   * Connects and creates the indexes. `createIndexes` with the same names, keys and options is a no-op, so nodes
   * starting at once (or again) all succeed.
   */
  init(): Promise<void> {
    return this.run(async () => {
      await this.connect();
      for (const { name, indexes } of Object.values(COLLECTIONS)) {
        if (indexes.length > 0) await this.db.collection(`${this.prefix}${name}`).createIndexes(indexes);
      }
    });
  }

  ping(): Promise<void> {
    return this.run(async () => {
      await this.db.command({ ping: 1 });
    });
  }

  /** Nothing is buffered (every write is acknowledged before it resolves): closing releases the connections. */
  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }

  // ---- tenants -------------------------------------------------------------------------------------------------

  createTenant(tenant: Tenant, apiKeyHash: string): Promise<void> {
    return this.run(async () => {
      await this.tenants.insertOne({
        _id: tenant.id,
        name: tenant.name,
        points_per_unit: tenant.points_per_unit,
        created_at: tenant.created_at,
        api_key_hash: apiKeyHash,
      });
    });
  }

  findTenantByApiKeyHash(apiKeyHash: string): Promise<Tenant | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ api_key_hash: apiKeyHash });
      return doc ? documentToTenant(doc) : null;
    });
  }

  getTenant(tenantId: string): Promise<Tenant | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ _id: tenantId });
      return doc ? documentToTenant(doc) : null;
    });
  }

  getTenantSettings(tenantId: string): Promise<TenantSettings | null> {
    return this.run(async () => {
      const doc = await this.tenants.findOne({ _id: tenantId }, { projection: { settings: 1 } });
      return doc ? withDefaults(doc.settings) : null;
    });
  }

  putTenantSettings(tenantId: string, settings: TenantSettings): Promise<void> {
    return this.run(async () => {
      await this.tenants.updateOne({ _id: tenantId }, { $set: { settings } });
    });
  }

  setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    return this.run(async () => {
      await this.tenants.updateOne({ _id: tenantId }, { $set: { points_per_unit: pointsPerUnit } });
    });
  }

  // ---- orders --------------------------------------------------------------------------------------------------

  /**
   * The idempotency key is claimed first (an insert: a duplicate key means it was seen), then the order is inserted
   * with its first event embedded (a duplicate key on `orders_external_id` means its external id was seen). A node
   * dying between the two leaves a key without its order; the next request under the key stores the order then,
   * under the id the key holds, so every request under one key ends with the one order.
   */
  createOrder(input: NewOrder): Promise<CreateOrderResult> {
    return this.run(async () => {
      const { order, idempotency } = input;
      if (!idempotency) return this.insertOrder(input, null);
      const keyId = idempotencyKeyId(order.tenant_id, idempotency.scope, idempotency.key);
      for (let attempt = 1; ; attempt++) {
        if (await this.claimKey(keyId, order, idempotency)) return this.insertOrder(input, keyId);
        const claimed = await this.keys.findOne({ _id: keyId });
        // Keys are never deleted, so a claimed key is there to read; should it not be, claim it again.
        if (!claimed) {
          if (attempt >= CREATE_ATTEMPTS) throw new UnavailableError('database', 1);
          continue;
        }
        if (claimed.request_hash !== idempotency.requestHash) return { kind: 'idempotency_conflict' };
        const existing = await this.loadOrderDocument(claimed.order_id);
        if (existing) return { kind: 'existing', order: existing };
        // The request that claimed the key stopped before its order was stored (or is storing it right now: then
        // one of the two inserts finds the other's order). The same body: this one's order, under the key's id.
        const result = await this.insertOrder(withOrderId(input, claimed.order_id), keyId);
        // The key was seen before: to this caller the order is the original one, not a new one.
        return result.kind === 'created' ? { kind: 'existing', order: result.order } : result;
      }
    });
  }

  /** Inserts the idempotency key naming this order; false when the key was claimed before (a duplicate key). */
  private async claimKey(keyId: string, order: Order, idempotency: IdempotencyClaim): Promise<boolean> {
    try {
      await this.keys.insertOne({
        _id: keyId,
        tenant_id: order.tenant_id,
        scope: idempotency.scope,
        key: idempotency.key,
        request_hash: idempotency.requestHash,
        order_id: order.id,
        created_at: order.created_at,
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Inserts the order document; a duplicate key is the order already stored under its id or its external id. */
  private async insertOrder({ order, firstEvent, externalScope, effects }: NewOrder, keyId: string | null): Promise<CreateOrderResult> {
    try {
      // The first event's owed effects are in the document it is inserted with: recorded in the same write.
      await this.orders.insertOne(orderDocument(order, firstEvent, externalScope, effects));
      return { kind: 'created', order };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const existing =
        (await this.loadOrderDocument(order.id)) ??
        (order.external_id === null ? null : await this.orderByExternalId(order.tenant_id, externalScope, order.external_id));
      if (!existing) throw error;
      // The key's order is the one its external id found: later requests under the key read that one at once.
      if (keyId && existing.id !== order.id) await this.keys.updateOne({ _id: keyId, order_id: order.id }, { $set: { order_id: existing.id } });
      return { kind: 'existing', order: existing };
    }
  }

  private async orderByExternalId(tenantId: string, externalScope: string, externalId: string): Promise<Order | null> {
    // `$type` repeats the unique index's partial filter, which is what lets the planner use that index.
    const doc = await this.orders.findOne(
      { tenant_id: tenantId, external_scope: externalScope, external_id: { $eq: externalId, $type: 'string' } },
      { projection: ORDER_ONLY },
    );
    return doc ? documentToOrder(doc) : null;
  }

  getOrder(tenantId: string, orderId: string): Promise<Order | null> {
    return this.run(async () => {
      const doc = await this.orders.findOne({ _id: orderId, tenant_id: tenantId }, { projection: ORDER_ONLY });
      return doc ? documentToOrder(doc) : null;
    });
  }

  loadOrder(orderId: string): Promise<Order | null> {
    return this.run(() => this.loadOrderDocument(orderId));
  }

  private async loadOrderDocument(orderId: string): Promise<Order | null> {
    const doc = await this.orders.findOne({ _id: orderId }, { projection: ORDER_ONLY });
    return doc ? documentToOrder(doc) : null;
  }

  orderHeads(orderIds: readonly string[]): Promise<OrderHead[]> {
    return this.run(async () => {
      if (orderIds.length === 0) return [];
      const docs = await this.orders
        .find<Pick<OrderDocument, '_id' | 'version' | 'courier_id'>>({ _id: { $in: [...orderIds] } }, { projection: { version: 1, courier_id: 1 } })
        .toArray();
      return docs.map((doc) => ({ id: doc._id, version: doc.version, courier_id: doc.courier_id }));
    });
  }

  /**
   * One atomic findAndModify on the order's document. Applied: matched only while the revision is `expectedRev`
   * and the event id is not in the log; it sets the new state, increments `rev`, pushes the event and its owed
   * effects, and answers with the stored position. Late (no `next`): the event is pushed unless its id is in the log.
   * When nothing matched, one read tells a duplicate event from a lost revision race.
   */
  commitEvent(commit: EventCommit): Promise<CommitResult> {
    return this.run(async () => {
      const { orderId, expectedRev, event, next } = commit;
      const notLogged = { 'events.event_id': { $ne: event.event_id } };
      let update: UpdateFilter<OrderDocument>;
      if (next) {
        const { seq } = event;
        // Effects are owed by applied events only (a late event that changes the order owes none).
        const effects: EffectDocument[] = seq === null ? [] : (commit.effects ?? []).map((kind) => ({ kind, seq, created_at: event.recorded_at }));
        // A change of courier owes its effects under the revision this commit writes.
        for (const kind of commit.revisionEffects ?? []) effects.push({ kind, seq: expectedRev + 1, created_at: event.recorded_at });
        update = {
          $set: stateOf(next),
          $inc: { rev: 1 },
          $push: effects.length > 0 ? { events: eventDocument(event), effects: { $each: effects } } : { events: eventDocument(event) },
        };
      } else {
        update = { $push: { events: eventDocument(event) } };
      }
      const filter = next ? { _id: orderId, rev: expectedRev, ...notLogged } : { _id: orderId, ...notLogged };
      const stored = await this.orders.findOneAndUpdate(filter, update, {
        projection: { last_location: 1 },
        returnDocument: 'after',
      });
      if (stored) return { kind: 'ok', rev: next ? expectedRev + 1 : expectedRev, lastLocation: stored.last_location ?? null };
      const logged = await this.orders.findOne({ _id: orderId, 'events.event_id': event.event_id }, { projection: { _id: 1 } });
      // Neither a duplicate nor a late event on a missing order can be applied: the caller reloads and decides again.
      return logged ? { kind: 'duplicate_event' } : { kind: 'rev_conflict' };
    });
  }

  assignCourier(orderId: string, expectedRev: number, courierId: string, updatedAt: string, effects: EffectKind[] = []): Promise<CommitResult> {
    return this.run(async () => {
      const owed: EffectDocument[] = effects.map((kind) => ({ kind, seq: expectedRev + 1, created_at: updatedAt }));
      const stored = await this.orders.findOneAndUpdate(
        { _id: orderId, rev: expectedRev },
        {
          $set: { courier_id: courierId, updated_at: updatedAt },
          $inc: { rev: 1 },
          ...(owed.length > 0 ? { $push: { effects: { $each: owed } } } : {}),
        },
        { projection: { last_location: 1 }, returnDocument: 'after' },
      );
      if (!stored) return { kind: 'rev_conflict' };
      return { kind: 'ok', rev: expectedRev + 1, lastLocation: stored.last_location ?? null };
    });
  }

  findEvent(orderId: string, eventId: string): Promise<OrderEvent | null> {
    return this.run(async () => {
      // `$elemMatch` in a projection returns the first matching element only.
      const doc = await this.orders.findOne({ _id: orderId }, { projection: { _id: 0, events: { $elemMatch: { event_id: eventId } } } });
      const event = doc?.events?.[0];
      return event ? documentToEvent(event) : null;
    });
  }

  listEvents(orderId: string, sinceSeq: number, limit: number): Promise<OrderEvent[]> {
    return this.run(async () => {
      // Applied events have unique seqs by construction: each is pushed by the commit that moved `version` to it.
      const events = await this.eventsOf(orderId);
      return events
        .filter((event): event is OrderEvent & { seq: number } => event.seq !== null && event.seq > sinceSeq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, Math.max(0, limit))
        .map(documentToEvent);
    });
  }

  history(orderId: string): Promise<OrderEvent[]> {
    return this.run(async () => {
      // Sorting is stable: events of the same instant stay in the order they were recorded.
      const events = await this.eventsOf(orderId);
      return events.sort((a, b) => (a.occurred_at < b.occurred_at ? -1 : a.occurred_at > b.occurred_at ? 1 : 0)).map(documentToEvent);
    });
  }

  /** The embedded log, as recorded (an order has tens of events: read whole, filtered here). */
  private async eventsOf(orderId: string): Promise<OrderEvent[]> {
    const doc = await this.orders.findOne<Pick<OrderDocument, 'events'>>({ _id: orderId }, { projection: { _id: 0, events: 1 } });
    return doc?.events ?? [];
  }

  // ---- arrival (ArrivalLog, implemented in ./arrival.ts) ----

  claimArrival(orderId: string, at: string): Promise<ArrivalClaim> {
    return this.arrivals.claimArrival(orderId, at);
  }

  updateEtas(updates: ReadonlyArray<{ orderId: string; eta: string }>): Promise<void> {
    return this.arrivals.updateEtas(updates);
  }

  /** Positions are written beside the state without touching `rev`; the last update of an order in a call wins. */
  updateLastLocations(updates: ReadonlyArray<{ orderId: string; location: Location }>): Promise<void> {
    return this.run(async () => {
      const latest = new Map(updates.map((update) => [update.orderId, update.location]));
      if (latest.size === 0) return;
      const operations: AnyBulkWriteOperation<OrderDocument>[] = [...latest].map(([orderId, location]) => ({
        // An erased order keeps no courier position (a flush may come after its erasure).
        updateOne: { filter: { _id: orderId, erased_at: { $exists: false } }, update: { $set: { last_location: location } } },
      }));
      // One round trip; unordered, as each order is written at most once here.
      await this.orders.bulkWrite(operations, { ordered: false });
    });
  }

  searchOrders(tenantId: string, query: OrderQuery): Promise<OrderPage> {
    return this.run(() => searchOrders(this.orders, tenantId, query));
  }

  async *exportOrders(tenantId: string, filter: OrderFilter): AsyncGenerator<ExportedOrder[]> {
    let after: OrderCursor | null | undefined;
    do {
      const cursor = after ?? undefined;
      const page = await this.run(() => exportPage(this.orders, tenantId, filter, cursor, EXPORT_PAGE));
      if (page.orders.length > 0) yield page.orders;
      after = page.next;
    } while (after);
  }

  reportSummary(tenantId: string, range: ReportRange, nowIso: string): Promise<ReportSummary> {
    return this.run(() => reportSummary(this.orders, tenantId, range, nowIso));
  }

  // ---- preferences ---------------------------------------------------------------------------------------------

  getPreferences(tenantId: string, customerId: string): Promise<Preferences | null> {
    return this.run(async () => {
      const doc = await this.preferences.findOne({ _id: preferencesId(tenantId, customerId) });
      return doc ? documentToPreferences(doc) : null;
    });
  }

  putPreferences(tenantId: string, customerId: string, preferences: Preferences): Promise<void> {
    return this.run(async () => {
      const fields = { tenant_id: tenantId, customer_id: customerId, ...documentToPreferences(preferences) };
      const _id = preferencesId(tenantId, customerId);
      await replaceOrCreate((upsert) => this.preferences.replaceOne({ _id }, fields, { upsert }));
    });
  }

  // ---- outbox --------------------------------------------------------------------------------------------------

  /** Owed effects of a kind recorded before `createdBefore`, oldest first, across orders (from `orders_by_effect`). */
  pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]> {
    return this.run(() =>
      this.orders
        .aggregate<PendingEffect>([
          // $elemMatch: both conditions on the same element, so the multikey index bounds both fields.
          { $match: { effects: { $elemMatch: { kind, created_at: { $lt: createdBefore } } } } },
          { $project: { _id: 1, tenant_id: 1, effects: 1 } },
          { $unwind: '$effects' },
          { $match: { 'effects.kind': kind, 'effects.created_at': { $lt: createdBefore } } },
          { $sort: { 'effects.created_at': 1 } },
          { $limit: limit },
          { $project: { _id: 0, orderId: '$_id', seq: '$effects.seq', tenantId: '$tenant_id', createdAt: '$effects.created_at' } },
        ])
        .toArray(),
    );
  }

  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void> {
    return this.run(async () => {
      await this.orders.updateOne({ _id: orderId }, { $pull: { effects: { kind, seq } } });
    });
  }

  /** Pushed onto the order's outbox unless an effect of that kind and key is there (one guarded update). */
  oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void> {
    return this.run(async () => {
      await this.orders.updateOne(
        { _id: effect.orderId, effects: { $not: { $elemMatch: { kind: effect.kind, seq: effect.seq } } } },
        { $push: { effects: { kind: effect.kind, seq: effect.seq, created_at: effect.createdAt } } },
      );
    });
  }

  // ---- webhooks ------------------------------------------------------------------------------------------------

  createWebhook(webhook: StoredWebhook): Promise<void> {
    return this.run(async () => {
      await this.webhooks.insertOne(webhookDocument(webhook));
    });
  }

  getWebhook(tenantId: string, webhookId: string): Promise<StoredWebhook | null> {
    return this.run(async () => {
      const doc = await this.webhooks.findOne({ _id: webhookId, tenant_id: tenantId });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  loadWebhook(webhookId: string): Promise<StoredWebhook | null> {
    return this.run(async () => {
      const doc = await this.webhooks.findOne({ _id: webhookId });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  listWebhooks(tenantId: string): Promise<StoredWebhook[]> {
    return this.run(async () => {
      const docs = await this.webhooks.find({ tenant_id: tenantId }, { sort: { created_at: 1, _id: 1 } }).toArray();
      return docs.map(documentToWebhook);
    });
  }

  updateWebhook(tenantId: string, webhookId: string, changes: WebhookChanges): Promise<StoredWebhook | null> {
    return this.run(async () => {
      const fields = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      const doc = await this.webhooks.findOneAndUpdate({ _id: webhookId, tenant_id: tenantId }, { $set: fields }, { returnDocument: 'after' });
      return doc ? documentToWebhook(doc) : null;
    });
  }

  /** An update pipeline, so `previous_secret` takes the secret the same atomic update replaces. */
  rotateWebhookSecret(tenantId: string, webhookId: string, secret: string, previousExpiresAt: string, at: string): Promise<StoredWebhook | null> {
    return this.run(async () => {
      const doc = await this.webhooks.findOneAndUpdate(
        { _id: webhookId, tenant_id: tenantId },
        [
          {
            $set: {
              previous_secret: '$secret',
              secret: { $literal: secret },
              previous_secret_expires_at: { $literal: previousExpiresAt },
              updated_at: { $literal: at },
            },
          },
        ],
        { returnDocument: 'after' },
      );
      return doc ? documentToWebhook(doc) : null;
    });
  }

  disableWebhook(webhookId: string, reason: string, at: string): Promise<boolean> {
    return this.run(async () => {
      const result = await this.webhooks.updateOne(
        { _id: webhookId, enabled: true },
        { $set: { enabled: false, disabled_reason: reason, updated_at: at } },
      );
      return result.modifiedCount > 0;
    });
  }

  /**
   * The endpoint first, then its messages (no transaction: messages left by a crash in between belong to no
   * endpoint, so no route reads them and a worker that meets one drops it).
   */
  deleteWebhook(tenantId: string, webhookId: string): Promise<boolean> {
    return this.run(async () => {
      const { deletedCount } = await this.webhooks.deleteOne({ _id: webhookId, tenant_id: tenantId });
      if (deletedCount === 0) return false;
      await this.messages.deleteMany({ webhook_id: webhookId });
      return true;
    });
  }

  addWebhookMessages(messages: NewWebhookMessage[]): Promise<void> {
    return this.run(async () => {
      if (messages.length === 0) return;
      try {
        // Unordered: every new message goes in; the ones already stored fail alone, on their `_id`.
        await this.messages.insertMany(messages.map(webhookMessageDocument), { ordered: false });
      } catch (error) {
        if (!onlyDuplicateKeys(error)) throw error;
      }
    });
  }

  getWebhookMessage(messageId: string): Promise<StoredWebhookMessage | null> {
    return this.run(async () => {
      const doc = await this.messages.findOne({ _id: messageId }, { projection: { attempt_log: 0 } });
      return doc ? documentToStoredWebhookMessage(doc) : null;
    });
  }

  listWebhookMessages(webhookId: string, query: WebhookMessageQuery): Promise<WebhookMessagePage> {
    return this.run(async () => {
      const filter: Filter<WebhookMessageDocument> = { webhook_id: webhookId };
      if (query.status) filter.status = query.status;
      if (query.orderId !== undefined) filter.order_id = query.orderId;
      if (query.after) {
        filter.$or = [{ created_at: { $lt: query.after.created_at } }, { created_at: query.after.created_at, _id: { $lt: query.after.id } }];
      }
      const docs = await this.messages
        .find(filter, { projection: MESSAGE_LINE, sort: { created_at: -1, _id: -1 }, limit: query.limit + 1 })
        .toArray();
      const items: WebhookMessage[] = docs.slice(0, query.limit).map(documentToWebhookMessage);
      const last = items[items.length - 1];
      return { items, next: docs.length > query.limit && last ? { created_at: last.created_at, id: last.id } : null };
    });
  }

  listWebhookAttempts(messageId: string): Promise<WebhookAttempt[]> {
    return this.run(async () => {
      const doc = await this.messages.findOne({ _id: messageId }, { projection: { _id: 0, attempt_log: 1 } });
      return (doc?.attempt_log ?? []).map(attemptEntry).sort((a, b) => a.attempt - b.attempt);
    });
  }

  /**
   * One update of the message, matched only while it is pending, carried by `jobId` and at the expected count: its
   * state and the attempts appended to its log, atomically.
   */
  recordWebhookAttempts(
    messageId: string,
    jobId: string,
    expectedAttempts: number,
    attempts: NewWebhookAttempt[],
    next: WebhookMessageNext,
  ): Promise<boolean> {
    return this.run(async () => {
      const last = attempts[attempts.length - 1];
      if (!last) return false;
      const entries = attempts.map((attempt, index) => attemptEntry({ ...attempt, attempt: expectedAttempts + index + 1 }));
      const result = await this.messages.updateOne(
        { _id: messageId, job_id: jobId, status: 'pending', attempts: expectedAttempts },
        {
          $set: {
            attempts: expectedAttempts + attempts.length,
            last_attempt_at: last.started_at,
            status: next.status,
            next_attempt_at: next.next_attempt_at,
            last_status_code: last.status_code,
            last_error: last.error,
            last_response: last.response,
          },
          $push: { attempt_log: { $each: entries } },
        },
      );
      return result.matchedCount > 0;
    });
  }

  settleWebhookMessage(messageId: string, jobId: string, next: WebhookMessageNext & { last_error: string }): Promise<void> {
    return this.run(async () => {
      await this.messages.updateOne(
        { _id: messageId, job_id: jobId, status: 'pending' },
        { $set: { status: next.status, next_attempt_at: next.next_attempt_at, last_error: next.last_error } },
      );
    });
  }

  requeueWebhookMessage(messageId: string, jobId: string, at: string): Promise<StoredWebhookMessage | null> {
    return this.run(async () => {
      const doc = await this.messages.findOneAndUpdate(
        { _id: messageId },
        { $set: { status: 'pending', job_id: jobId, next_attempt_at: at } },
        { projection: { attempt_log: 0 }, returnDocument: 'after' },
      );
      return doc ? documentToStoredWebhookMessage(doc) : null;
    });
  }

  overdueWebhookMessages(before: string, after: OverdueCursor | null, limit: number): Promise<OverdueWebhookMessage[]> {
    return this.run(async () => {
      // `status: 'pending'` repeats the partial index's filter, which is what lets the planner use it.
      const filter: Filter<WebhookMessageDocument> = { status: 'pending', next_attempt_at: { $lt: before } };
      if (after) {
        filter.$or = [
          { next_attempt_at: { $gt: after.next_attempt_at, $lt: before } },
          { next_attempt_at: after.next_attempt_at, _id: { $gt: after.id } },
        ];
      }
      const docs = await this.messages
        .find(filter, { projection: { webhook_id: 1, tenant_id: 1, job_id: 1, attempts: 1, next_attempt_at: 1 }, sort: { next_attempt_at: 1, _id: 1 }, limit })
        .toArray();
      return docs.map((doc) => ({
        id: doc._id,
        webhook_id: doc.webhook_id,
        tenant_id: doc.tenant_id,
        job_id: doc.job_id,
        attempts: doc.attempts,
        next_attempt_at: doc.next_attempt_at ?? before,
      }));
    });
  }

  // ---- loyalty -------------------------------------------------------------------------------------------------

  /**
   * Reads the account, lets the domain decide (`decideBooking`), and writes the decision in one update guarded by
   * the version read (and the key's absence): a booking that lost a race to another node writes nothing and decides
   * again on a fresh read, so a redemption never spends points another one spent. The first booking of a customer
   * creates the account (an upsert on version 0; two firsts at once: one gets a duplicate key and decides again).
   */
  bookLedger(booking: LedgerBooking): Promise<LedgerResult> {
    return this.run(async () => {
      const _id = accountId(booking.tenantId, booking.customerId);
      for (let attempt = 1; attempt <= BOOK_ATTEMPTS; attempt++) {
        const account = await this.accounts.findOne({ _id });
        const version = account?.version ?? 0;
        const existing = account?.entries.find((entry) => entry.unique_key === booking.uniqueKey) ?? null;
        const decision = decideBooking({ balance: account?.balance ?? 0, existing: existing && ledgerEntry(existing) }, booking);
        if (decision.kind !== 'book') return decision;
        try {
          const written = await this.accounts.updateOne(
            { _id, version, 'entries.unique_key': { $ne: booking.uniqueKey } },
            {
              $push: { entries: ledgerEntry(decision.entry) },
              $set: { balance: decision.balance },
              $inc: { version: 1 },
              $setOnInsert: { tenant_id: booking.tenantId, customer_id: booking.customerId },
            },
            { upsert: version === 0 },
          );
          if (written.matchedCount > 0 || written.upsertedCount > 0) {
            return { kind: 'booked', entry: decision.entry, balance: decision.balance };
          }
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
      }
      throw new UnavailableError('database', 1);
    });
  }

  findLedgerEntry(tenantId: string, customerId: string, uniqueKey: string): Promise<LedgerEntry | null> {
    return this.run(async () => {
      const doc = await this.accounts.findOne<Partial<Pick<AccountDocument, 'entries'>>>(
        { _id: accountId(tenantId, customerId) },
        { projection: { _id: 0, entries: { $elemMatch: { unique_key: uniqueKey } } } },
      );
      const entry = doc?.entries?.[0];
      return entry ? ledgerEntry(entry) : null;
    });
  }

  /** One document read: the balance and the entries as the same write left them. */
  getLoyalty(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    return this.run(async () => {
      const account = await this.accounts.findOne({ _id: accountId(tenantId, customerId) });
      if (!account) return { balance: 0, entries: [] };
      // Oldest first; a stable sort keeps entries of the same instant in the order they were booked.
      const entries = account.entries.map(ledgerEntry).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      return { balance: account.balance, entries };
    });
  }

  /** The sum of the entries' deltas, written under the same version guard as a booking. */
  rebuildBalance(tenantId: string, customerId: string): Promise<number> {
    return this.run(async () => {
      const _id = accountId(tenantId, customerId);
      for (let attempt = 1; attempt <= BOOK_ATTEMPTS; attempt++) {
        const account = await this.accounts.findOne({ _id });
        if (!account) return 0;
        const total = account.entries.reduce((sum, entry) => sum + entry.delta, 0);
        const written = await this.accounts.updateOne({ _id, version: account.version }, { $set: { balance: total }, $inc: { version: 1 } });
        if (written.matchedCount > 0) return total;
      }
      throw new UnavailableError('database', 1);
    });
  }

  // ---- delivery log --------------------------------------------------------------------------------------------

  listDeliveries(orderId: string): Promise<Delivery[]> {
    return this.run(async () => {
      const docs = await this.deliveries.find({ order_id: orderId }, { sort: { at: 1, seq: 1, kind: 1, channel: 1 } }).toArray();
      return docs.map(documentToDelivery);
    });
  }

  /**
   * An insert of a `sending` record claims a channel nobody has claimed (a duplicate key: somebody has); a
   * `retrying` record is claimed by one atomic update matched on that status, so of two claimers only one wins.
   */
  claimDelivery(orderId: string, seq: number, channel: DeliveryChannel, at: string, kind: AlertKind = 'status'): Promise<DeliveryClaim> {
    return this.run(async () => {
      const _id = deliveryId(orderId, seq, channel, kind);
      for (let attempt = 1; ; attempt++) {
        try {
          await this.deliveries.insertOne({ _id, order_id: orderId, seq, kind, channel, status: 'sending', attempts: 1, at, reason: null, error: null, relay: null });
          return { claimed: true, attempts: 1 };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const reclaimed = await this.deliveries.findOneAndUpdate(
          { _id, status: 'retrying' },
          { $set: { status: 'sending', at, reason: null, error: null }, $inc: { attempts: 1 } },
          { returnDocument: 'after' },
        );
        if (reclaimed) return { claimed: true, attempts: reclaimed.attempts };
        const current = await this.deliveries.findOne({ _id });
        if (current) return { claimed: false, delivery: documentToDelivery(current) };
        // Records are never deleted; should this one be gone, claim it again.
        if (attempt >= CREATE_ATTEMPTS) throw new UnavailableError('database', 1);
      }
    });
  }

  recordDelivery(delivery: Delivery): Promise<void> {
    return this.run(async () => {
      const { _id, ...fields } = deliveryDocument(delivery);
      await replaceOrCreate((upsert) => this.deliveries.replaceOne({ _id }, fields, { upsert }));
    });
  }

  /** An insert over nothing, or a replacement matched on `retrying` (atomic: a claim in between makes it miss). */
  skipDelivery(delivery: Delivery): Promise<boolean> {
    return this.run(async () => {
      const doc = deliveryDocument(delivery);
      try {
        await this.deliveries.insertOne(doc);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const { _id, ...fields } = doc;
      const replaced = await this.deliveries.replaceOne({ _id, status: 'retrying' }, fields);
      return replaced.matchedCount > 0;
    });
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

  /**
   * Runs one store operation; an outage becomes `unavailable`, anything else is passed on as it is.
   *
   * A connect that fails (the database down when the node starts) leaves the driver's client holding a closed
   * topology, and every operation after it fails with `MongoTopologyClosedError` until `connect()` is called again
   * (mongo_client.ts `_connect`, execute_operation.ts `autoConnect` in driver 7.x): so that error, unless this store
   * was closed, is an outage too, and the next operation connects again first. Once connected, the driver's own
   * monitoring rides out a server that goes away and comes back; operations meanwhile fail server selection.
   */
  private async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      if (this.reconnect && !this.closed) await this.connect();
      return await work();
    } catch (error) {
      if (error instanceof MongoTopologyClosedError && !this.closed) {
        this.reconnect = true;
        throw new UnavailableError('database', 1, { cause: error });
      }
      throw translate(error);
    }
  }

  /** Connects the client; a failure leaves its topology closed, so the next operation connects again. */
  private async connect(): Promise<void> {
    try {
      await this.client.connect();
      this.reconnect = false;
    } catch (error) {
      this.reconnect = true;
      throw error;
    }
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

  private collection<T extends { _id: string }>(role: CollectionRole): Collection<T> {
    return this.db.collection<T>(`${this.prefix}${COLLECTIONS[role].name}`);
  }
}

/** The same new order under another id (its first event and search terms follow). */
function withOrderId(input: NewOrder, orderId: string): NewOrder {
  return {
    ...input,
    order: { ...input.order, id: orderId },
    firstEvent: { ...input.firstEvent, order_id: orderId },
  };
}

/**
 * A replacement by `_id` that creates the document when missing (`replace(true)` is the upsert). Two upserts of one
 * new id at once: the server retries the loser itself when the filter is the `_id` alone (MongoDB 4.2+); should a
 * duplicate key still surface, the document exists now and the replacement is made over it.
 */
async function replaceOrCreate(replace: (upsert: boolean) => Promise<unknown>): Promise<void> {
  try {
    await replace(true);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    await replace(false);
  }
}
