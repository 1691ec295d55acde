import type { TenantSettings } from '../../domain/tenant-settings';
import type { AlertKind, EffectKind } from '../../domain/effects';
import type { LedgerEntry } from '../../domain/loyalty';
import type { Order, OrderEvent } from '../../domain/order';
import type {
  Delivery,
  NewWebhookMessage,
  Preferences,
  StoredWebhook,
  StoredWebhookMessage,
  Tenant,
  WebhookAttempt,
  WebhookMessage,
} from '../store';
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
}

export interface EffectDocument {
  kind: EffectKind;
  seq: number;
  created_at: string;
}

/** What reading an order leaves out: the log, the outbox and the search terms are read on their own. */
export const ORDER_ONLY = { events: 0, effects: 0, terms: 0 } as const;

/** A new order's document, its first event logged and the effects that event owes (`owedEffects`) in its outbox. */
export function orderDocument(order: Order, firstEvent: OrderEvent, externalScope: string, effects: EffectDocument[]): OrderDocument {
  return {
    _id: order.id,
    tenant_id: order.tenant_id,
    external_id: order.external_id,
    external_scope: externalScope,
    status: order.status,
    version: order.version,
    rev: order.rev,
    customer: order.customer,
    customer_id: order.customer.id,
    destination: order.destination,
    amount: order.amount,
    items: order.items,
    notify: order.notify,
    metadata: order.metadata,
    courier_id: order.courier_id,
    created_at: order.created_at,
    updated_at: order.updated_at,
    eta: order.eta,
    promised_by: order.promised_by,
    last_location: order.last_location,
    last_event_at: order.last_event_at,
    held_at: order.held_at,
    delivered_at: order.delivered_at,
    failed_attempts: order.failed_attempts,
    terms: searchTerms(order),
    events: [eventDocument(firstEvent)],
    effects,
  };
}

export function documentToOrder(doc: Omit<OrderDocument, 'terms' | 'events' | 'effects'>): Order {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    external_id: doc.external_id,
    status: doc.status,
    version: doc.version,
    rev: doc.rev,
    customer: doc.customer,
    destination: doc.destination,
    amount: doc.amount,
    items: doc.items,
    notify: doc.notify,
    metadata: doc.metadata,
    courier_id: doc.courier_id,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
    eta: doc.eta,
    promised_by: doc.promised_by,
    last_location: doc.last_location,
    last_event_at: doc.last_event_at,
    held_at: doc.held_at,
    delivered_at: doc.delivered_at,
    failed_attempts: doc.failed_attempts,
    ...(doc.arriving_at ? { arriving_at: doc.arriving_at } : {}),
    ...(doc.erased_at ? { erased_at: doc.erased_at } : {}),
  };
}

/** The fields an applied event changes (as the other adapters' guarded UPDATE does); `rev` is incremented apart. */
export type OrderState = Pick<
  Order,
  'status' | 'version' | 'updated_at' | 'last_event_at' | 'held_at' | 'courier_id' | 'delivered_at' | 'failed_attempts'
>;

export function stateOf(next: Order): OrderState {
  return {
    status: next.status,
    version: next.version,
    updated_at: next.updated_at,
    last_event_at: next.last_event_at,
    held_at: next.held_at,
    courier_id: next.courier_id,
    delivered_at: next.delivered_at,
    failed_attempts: next.failed_attempts,
  };
}

export function eventDocument(event: OrderEvent): OrderEvent {
  return {
    seq: event.seq,
    order_id: event.order_id,
    type: event.type,
    status: event.status,
    scan_type: event.scan_type,
    event_id: event.event_id,
    occurred_at: event.occurred_at,
    recorded_at: event.recorded_at,
    location: event.location,
    note: event.note,
    source: event.source,
    applied: event.applied,
  };
}

/** A stored event as the domain's type (the same fields: the copy keeps anything else out). */
export const documentToEvent = eventDocument;

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

export function documentToPreferences(doc: Preferences): Preferences {
  return { email: doc.email, sms: doc.sms, email_address: doc.email_address, phone: doc.phone, updated_at: doc.updated_at };
}

/** An endpoint: `_id` is its id. */
export interface WebhookDocument extends Omit<StoredWebhook, 'id'> {
  _id: string;
}

export function webhookDocument(webhook: StoredWebhook): WebhookDocument {
  return {
    _id: webhook.id,
    tenant_id: webhook.tenant_id,
    url: webhook.url,
    events: webhook.events,
    description: webhook.description,
    enabled: webhook.enabled,
    disabled_reason: webhook.disabled_reason,
    secret: webhook.secret,
    previous_secret: webhook.previous_secret,
    previous_secret_expires_at: webhook.previous_secret_expires_at,
    created_at: webhook.created_at,
    updated_at: webhook.updated_at,
  };
}

export function documentToWebhook(doc: WebhookDocument): StoredWebhook {
  return {
    id: doc._id,
    tenant_id: doc.tenant_id,
    url: doc.url,
    events: doc.events,
    description: doc.description,
    enabled: doc.enabled,
    disabled_reason: doc.disabled_reason,
    secret: doc.secret,
    previous_secret: doc.previous_secret,
    previous_secret_expires_at: doc.previous_secret_expires_at,
    created_at: doc.created_at,
    updated_at: doc.updated_at,
  };
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

export function documentToWebhookMessage(doc: Omit<WebhookMessageDocument, 'payload' | 'attempt_log' | 'tenant_id' | 'job_id'>): WebhookMessage {
  return {
    id: doc._id,
    webhook_id: doc.webhook_id,
    type: doc.type,
    order_id: doc.order_id,
    seq: doc.seq,
    status: doc.status,
    attempts: doc.attempts,
    last_status_code: doc.last_status_code,
    last_error: doc.last_error,
    last_response: doc.last_response,
    last_attempt_at: doc.last_attempt_at,
    next_attempt_at: doc.next_attempt_at,
    created_at: doc.created_at,
  };
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
