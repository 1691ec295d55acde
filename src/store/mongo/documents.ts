import type { PaymentTransaction } from '../../domain/payment';
import type { TenantSettings } from '../../domain/tenant-settings';
import type { AlertKind, EffectKind } from '../../domain/effects';
import type { LedgerEntry } from '../../domain/loyalty';
import { eventFrom, orderFields, type Order, type OrderEvent } from '../../domain/order';
import { pick } from '../../domain/pick';
import type { PrivacyAuditEntry } from '../../domain/privacy';
import type { OrderStatus } from '../../domain/status';
import type {
  Delivery,
  RevocableRole,
  NewWebhookMessage,
  Preferences,
  Source,
  StoredWebhook,
  StoredWebhookMessage,
  Tenant,
  WebhookAttempt,
  WebhookMessage,
} from '../store';
import { STORED_WEBHOOK_FIELDS } from '../webhooks/port';
import { WEBHOOK_MESSAGE_FIELDS } from '../webhook-log/port';
import { searchTerms } from '../search-terms';

/**
 * The documents the MongoDB store keeps, and their conversion to and from the domain's types. Every field is copied
 * by name both ways, so nothing the store keeps for itself (`terms`, `events`, …) rides along into an `Order`, and
 * times stay the domain's ISO UTC strings (`…T…Z` with milliseconds), which compare correctly as strings.
 */

/**
 * An order with its event log and its owed effects embedded: everything one commit writes is in this one document,
 * so a single-document update makes the commit atomic without a transaction.
 */
export interface OrderDocument extends Omit<Order, 'id'> {
  _id: string;
  /** Namespace in which `external_id` is unique (see `NewOrder.externalScope`). */
  external_scope: string;
  /** `customer.id`, top level for its index. */
  customer_id: string;
  /** Search terms (`searchTerms`), matched by prefix against `q` through a multikey index. */
  terms: string[];
  /** Every recorded event, applied and late, in the order they were recorded. */
  events: OrderEvent[];
  /** The outbox: side effects owed by applied events and not yet done. */
  effects: EffectDocument[];
  /**
   * Payment transactions posted on the order, each with its poster's event id: recorded with the payment they leave in
   * one atomic update (see store/payments/mongo.ts). Absent until the first.
   */
  payments?: PostedPaymentDocument[];
}

/** A payment transaction as its order's document holds it, and as the `payment_transactions` collection does. */
export interface PostedPaymentDocument extends PaymentTransaction {
  event_id: string;
  /** The order revision its record wrote (what its owed effects are keyed by); absent on those recorded before. */
  order_rev?: number;
}

/** A payment transaction in `payment_transactions`, the copy listings read across orders. */
export interface PaymentTransactionDocument extends Omit<PostedPaymentDocument, 'id' | 'event_id'> {
  _id: string;
  /** Null on a provider's event that names no known order (until it is matched). */
  event_id: string | null;
  tenant_id: string;
}

export interface EffectDocument {
  kind: EffectKind;
  seq: number;
  created_at: string;
}

/** What reading an order leaves out: the log, the outbox and the search terms are read on their own. */
export const ORDER_ONLY = { events: 0, effects: 0, terms: 0, payments: 0 } as const;

/** A new order's document, its first event logged and the effects that event owes (`owedEffects`) in its outbox. */
export function orderDocument(order: Order, firstEvent: OrderEvent, externalScope: string, effects: EffectDocument[]): OrderDocument {
  return {
    _id: order.id,
    ...orderFields(order),
    external_scope: externalScope,
    customer_id: order.customer.id,
    terms: searchTerms(order),
    events: [eventFrom(firstEvent)],
    effects,
  };
}

/** The order a document holds (read without its log, outbox and terms). */
export function documentToOrder(doc: Omit<OrderDocument, 'terms' | 'events' | 'effects'>): Order {
  return { id: doc._id, ...orderFields(doc) };
}

export interface TenantDocument extends Omit<Tenant, 'id'> {
  _id: string;
  /** Unique (index `tenants_by_api_key`): the key itself is never stored. */
  api_key_hash: string;
  /** The tenant's settings; absent: the defaults (see `withDefaults`). */
  settings?: Partial<TenantSettings>;
}

export function documentToTenant(doc: TenantDocument): Tenant {
  return { id: doc._id, name: doc.name, points_per_unit: doc.points_per_unit, created_at: doc.created_at };
}

/** An idempotency key as claimed: `_id` is {@link idempotencyKeyId}, so a second claim is a duplicate-key error. */
export interface IdempotencyDocument {
  _id: string;
  tenant_id: string;
  scope: string;
  key: string;
  request_hash: string;
  /** The order the first request under the key creates (it may not be stored yet: see `MongoOrderLog.createOrder`). */
  order_id: string;
  created_at: string;
}

/** A record's field names but `id`, which a document holds as `_id`. */
function withoutId<Field extends string>(fields: readonly Field[]): Array<Exclude<Field, 'id'>> {
  return fields.filter((field): field is Exclude<Field, 'id'> => field !== 'id');
}

/** The id of a document per tuple of strings: a JSON array, so no choice of separator can make two tuples meet. */
export function tupleId(...parts: string[]): string {
  return JSON.stringify(parts);
}

export const idempotencyKeyId = (tenantId: string, scope: string, key: string): string => tupleId(tenantId, scope, key);
export const accountId = (tenantId: string, customerId: string): string => tupleId(tenantId, customerId);
export const preferencesId = (tenantId: string, customerId: string): string => tupleId(tenantId, customerId);

/**
 * A customer's points account: the balance and the ledger in one document, so a booking checks the balance, the
 * unique key and writes both in one guarded update, and a read sees both from the same write.
 */
export interface AccountDocument {
  _id: string;
  tenant_id: string;
  customer_id: string;
  balance: number;
  /** Booked facts in the order they were booked. A customer has at most thousands: well inside a document. */
  entries: LedgerEntry[];
  /** Grows on every write; the compare-and-set that serialises bookings across nodes. */
  version: number;
}

export function ledgerEntry(entry: LedgerEntry): LedgerEntry {
  return {
    id: entry.id,
    tenant_id: entry.tenant_id,
    customer_id: entry.customer_id,
    unique_key: entry.unique_key,
    delta: entry.delta,
    reason: entry.reason,
    order_id: entry.order_id,
    kind: entry.kind,
    shortfall: entry.shortfall,
    request_hash: entry.request_hash,
    at: entry.at,
  };
}

/** One alert on one channel; `_id` is {@link deliveryId}, so a second claim is a duplicate-key error. */
export interface DeliveryDocument extends Delivery {
  _id: string;
}

/**
 * `order:seq:channel` (a status alert) or `order:seq:kind:channel`: unambiguous read from the right, as neither a
 * seq, a kind nor a channel name holds a colon, and a kind is never a number.
 */
export function deliveryId(orderId: string, seq: number, channel: string, kind: AlertKind = 'status'): string {
  return kind === 'status' ? `${orderId}:${seq}:${channel}` : `${orderId}:${seq}:${kind}:${channel}`;
}

export function deliveryDocument(delivery: Delivery): DeliveryDocument {
  return { _id: deliveryId(delivery.order_id, delivery.seq, delivery.channel, delivery.kind), ...documentToDelivery(delivery) };
}

export function documentToDelivery(doc: Delivery): Delivery {
  return {
    order_id: doc.order_id,
    seq: doc.seq,
    channel: doc.channel,
    status: doc.status,
    attempts: doc.attempts,
    at: doc.at,
    reason: doc.reason,
    error: doc.error,
    kind: doc.kind ?? 'status',
    relay: doc.relay ?? null,
  };
}

export interface PreferencesDocument extends Preferences {
  _id: string;
  tenant_id: string;
  customer_id: string;
}

/** A stored document's preferences; one written before `push` and `locale` existed has push on and no language. */
export function documentToPreferences(doc: Preferences): Preferences {
  return {
    email: doc.email,
    sms: doc.sms,
    push: doc.push ?? true,
    email_address: doc.email_address,
    phone: doc.phone,
    locale: doc.locale ?? null,
    updated_at: doc.updated_at,
  };
}

/** An endpoint: `_id` is its id. */
export interface WebhookDocument extends Omit<StoredWebhook, 'id'> {
  _id: string;
}

// What a document holds of an endpoint besides its id.
const WEBHOOK_DOCUMENT_FIELDS = withoutId(STORED_WEBHOOK_FIELDS);

export function webhookDocument(webhook: StoredWebhook): WebhookDocument {
  return Object.assign(pick(webhook, WEBHOOK_DOCUMENT_FIELDS), { _id: webhook.id });
}

export function documentToWebhook(doc: WebhookDocument): StoredWebhook {
  return Object.assign(pick(doc, WEBHOOK_DOCUMENT_FIELDS), { id: doc._id });
}

/** A message with its attempts embedded, so an attempt and the message's new state are one document's update. */
export interface WebhookMessageDocument extends Omit<StoredWebhookMessage, 'id'> {
  _id: string;
  attempt_log: WebhookAttempt[];
}

export function webhookMessageDocument(message: NewWebhookMessage): WebhookMessageDocument {
  return {
    _id: message.id,
    webhook_id: message.webhook_id,
    tenant_id: message.tenant_id,
    type: message.type,
    order_id: message.order_id,
    seq: message.seq,
    payload: message.payload,
    status: 'pending',
    attempts: 0,
    last_status_code: null,
    last_error: null,
    last_response: null,
    last_attempt_at: null,
    next_attempt_at: message.created_at,
    job_id: message.job_id,
    created_at: message.created_at,
    attempt_log: [],
  };
}

/** What a delivery log line reads of a message (not its body or attempts). */
export const MESSAGE_LINE = { payload: 0, attempt_log: 0, tenant_id: 0, job_id: 0 } as const;

// What a document holds of a delivery log line besides its id.
const MESSAGE_DOCUMENT_FIELDS = withoutId(WEBHOOK_MESSAGE_FIELDS);

export function documentToWebhookMessage(doc: Omit<WebhookMessageDocument, 'payload' | 'attempt_log' | 'tenant_id' | 'job_id'>): WebhookMessage {
  return Object.assign(pick(doc, MESSAGE_DOCUMENT_FIELDS), { id: doc._id });
}

export function documentToStoredWebhookMessage(doc: WebhookMessageDocument): StoredWebhookMessage {
  return { ...documentToWebhookMessage(doc), tenant_id: doc.tenant_id, payload: doc.payload, job_id: doc.job_id };
}

export function attemptEntry(attempt: WebhookAttempt): WebhookAttempt {
  return {
    attempt: attempt.attempt,
    started_at: attempt.started_at,
    finished_at: attempt.finished_at,
    status_code: attempt.status_code,
    error: attempt.error,
    response: attempt.response,
    duration_ms: attempt.duration_ms,
  };
}

/** A line of the privacy audit trail. */
export interface PrivacyAuditDocument extends Omit<PrivacyAuditEntry, 'id'> {
  _id: string;
}

/**
 * A source. The status map is a list of pairs, not a sub-document: a code is the source's own string, and a field
 * name may not hold a `.` or start with `$`.
 */
export interface SourceDocument extends Omit<Source, 'id' | 'status_map'> {
  _id: string;
  status_map: Array<{ code: string; status: OrderStatus }>;
}

/** A delivery of a source's webhook, claimed to be handled once; `_id` carries its uniqueness (of two, one insert wins). */
export interface SourceMessageDocument {
  /** `tupleId(source_id, webhook_id)`. */
  _id: string;
  source_id: string;
  webhook_id: string;
  token: string;
  claimed_at: string;
  answer: string | null;
  answered_at: string | null;
}

/** A revoked subject: `_id` is (tenant, role, subject), so each subject has one document. */
export interface RevocationDocument {
  _id: string;
  tenant_id: string;
  role: RevocableRole;
  subject: string;
  before: string;
}
