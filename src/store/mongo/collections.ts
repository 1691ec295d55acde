import type { IndexDescription } from 'mongodb';
import type {
  AccountDocument,
  DeliveryDocument,
  IdempotencyDocument,
  OrderDocument,
  PaymentTransactionDocument,
  PreferencesDocument,
  PrivacyAuditDocument,
  RevocationDocument,
  SourceDocument,
  SourceMessageDocument,
  TenantDocument,
  WebhookDocument,
  WebhookMessageDocument,
} from './documents';
import type { AttachmentDocument } from '../attachments/mongo-document';
import type { BrandingDocument } from '../branding/mongo-document';
import type { ContactCodeDocument, ContactSendsDocument, ContactsDocument } from '../contacts/mongo-documents';
import type { CourierDocument, CourierInviteDocument } from '../couriers/mongo-documents';
import type { DeviceDocument } from '../devices/mongo-document';
import type { PaymentProviderDocument } from '../payment-providers/mongo-document';
import type { TemplateDocument } from '../templates/mongo-document';
import type { PushKeysDocument, PushSubscriptionDocument } from '../push/mongo-document';

// Newest first, ties broken by id: the search order, so a page reads an index range and stops at its end.
const NEWEST = { created_at: -1, _id: -1 } as const;

interface CollectionSpec {
  /** Named `${collectionPrefix}${name}`. */
  name: string;
  /**
   * The indexes `init()` creates, beside the `_id` one (which carries the uniqueness of idempotency keys, loyalty
   * accounts, deliveries and preferences through the ids they are given). Named, so a node creating the same list
   * again is a no-op; changing an existing index's keys or options needs a new name (the server refuses to redefine one).
   */
  indexes: IndexDescription[];
}

/** The document type of each of the store's collections, by role. */
export interface CollectionDocuments {
  tenants: TenantDocument;
  orders: OrderDocument;
  idempotencyKeys: IdempotencyDocument;
  accounts: AccountDocument;
  deliveries: DeliveryDocument;
  preferences: PreferencesDocument;
  webhooks: WebhookDocument;
  webhookMessages: WebhookMessageDocument;
  privacyAudit: PrivacyAuditDocument;
  sources: SourceDocument;
  sourceMessages: SourceMessageDocument;
  revocations: RevocationDocument;
  contacts: ContactsDocument;
  contactCodes: ContactCodeDocument;
  contactSends: ContactSendsDocument;
  couriers: CourierDocument;
  courierInvites: CourierInviteDocument;
  devices: DeviceDocument;
  paymentProviders: PaymentProviderDocument;
  paymentTransactions: PaymentTransactionDocument;
  attachments: AttachmentDocument;
  branding: BrandingDocument;
  templates: TemplateDocument;
  pushKeys: PushKeysDocument;
  pushSubscriptions: PushSubscriptionDocument;
}

export type CollectionRole = keyof CollectionDocuments;

/** The store's collections by role, and their indexes. */
export const COLLECTIONS: Record<CollectionRole, CollectionSpec> = {
  tenants: {
    name: 'tenants',
    indexes: [
      { name: 'tenants_by_api_key', key: { api_key_hash: 1 }, unique: true },
      // A portal address is one tenant's: of two tenants taking it at once, the second's update is a duplicate key.
      { name: 'tenants_by_slug', key: { 'settings.slug': 1 }, unique: true, partialFilterExpression: { 'settings.slug': { $type: 'string' } } },
    ],
  },
  orders: {
    name: 'orders',
    indexes: [
      // A repeated external id within its namespace is a duplicate-key error; orders without one are not indexed.
      {
        name: 'orders_external_id',
        key: { tenant_id: 1, external_scope: 1, external_id: 1 },
        unique: true,
        partialFilterExpression: { external_id: { $type: 'string' } },
      },
      // Search and export, one per equality filter (as the embedded store's `orders_by_*`).
      { name: 'orders_by_created', key: { tenant_id: 1, ...NEWEST } },
      { name: 'orders_by_status', key: { tenant_id: 1, status: 1, ...NEWEST } },
      { name: 'orders_by_customer', key: { tenant_id: 1, customer_id: 1, ...NEWEST } },
      { name: 'orders_by_courier', key: { tenant_id: 1, courier_id: 1, ...NEWEST } },
      { name: 'orders_by_updated', key: { tenant_id: 1, updated_at: -1 } },
      // Not partial: a range on promised_by never matches null (comparisons bracket by type), and a partial index
      // would be used only by queries that repeat its filter.
      { name: 'orders_by_promised', key: { tenant_id: 1, promised_by: 1 } },
      { name: 'orders_by_status_promised', key: { tenant_id: 1, status: 1, promised_by: 1 } },
      // `q`: an anchored prefix regex on the terms array is a range scan of this multikey index.
      { name: 'orders_by_terms', key: { tenant_id: 1, terms: 1 } },
      // Reports read their created range through orders_by_created, not through a covering index of the fields they
      // count: a read is not a snapshot here, and an index whose key holds a field a commit changes (status,
      // delivered_at) may hand a moving order to a running scan twice, or not at all. Keys that never change
      // (tenant, created_at, _id) hand each order over exactly once.
      // The outbox sweep: owed effects of a kind, oldest first, across orders (multikey on the embedded array).
      { name: 'orders_by_effect', key: { 'effects.kind': 1, 'effects.created_at': 1 } },
      // The payment report's cash due: the few orders owing cash on delivery to a courier (store/payments/mongo.ts).
      {
        name: 'orders_cod_due',
        key: { tenant_id: 1, courier_id: 1 },
        partialFilterExpression: { 'payment.status': 'cod_due', courier_id: { $type: 'string' } },
      },
      // The retention sweep: a tenant's terminal orders by when they last changed.
      { name: 'orders_by_status_updated', key: { tenant_id: 1, status: 1, updated_at: 1 } },
    ],
  },
  idempotencyKeys: { name: 'idempotency_keys', indexes: [] },
  accounts: { name: 'loyalty_accounts', indexes: [] },
  deliveries: { name: 'deliveries', indexes: [{ name: 'deliveries_by_order', key: { order_id: 1, at: 1, seq: 1, channel: 1 } }] },
  // Signing in by address: the customers whose preferences hold an email or a phone.
  preferences: {
    name: 'preferences',
    indexes: [
      { name: 'preferences_by_email', key: { tenant_id: 1, email_address: 1 } },
      { name: 'preferences_by_phone', key: { tenant_id: 1, phone: 1 } },
    ],
  },
  sources: { name: 'sources', indexes: [{ name: 'sources_by_tenant', key: { tenant_id: 1, created_at: 1, _id: 1 } }] },
  // A message record's `_id` is (source, webhook id), which carries its uniqueness: of two deliveries at once, one
  // insert wins.
  sourceMessages: {
    name: 'source_messages',
    indexes: [
      { name: 'source_messages_by_claimed', key: { claimed_at: 1 } },
      { name: 'source_messages_by_source', key: { source_id: 1 } },
    ],
  },
  // A revoked subject's `_id` is (tenant, role, subject): one document per subject, all read at once.
  revocations: { name: 'token_revocations', indexes: [] },
  // A customer's own addresses; the retention sweep finds erased orders' and old confirmations' entries by these.
  contacts: {
    name: 'contacts',
    indexes: [
      { name: 'contacts_by_scope', key: { tenant_id: 1, 'self_set.scope': 1 } },
      { name: 'contacts_by_confirmed', key: { tenant_id: 1, 'confirmed.confirmed_at': 1 } },
    ],
  },
  contactCodes: {
    name: 'contact_codes',
    indexes: [
      { name: 'contact_codes_by_customer', key: { tenant_id: 1, customer_id: 1, kind: 1, address: 1, issued_at: -1 } },
      // The latest sign-in code of an address, whoever it went to.
      { name: 'contact_codes_by_address', key: { tenant_id: 1, kind: 1, address: 1, purpose: 1, issued_at: -1 } },
      { name: 'contact_codes_by_issue', key: { issued_at: 1 } },
    ],
  },
  attachments: {
    name: 'attachments',
    indexes: [
      // A repeated upload under the same key is a duplicate-key error; uploads without one are not indexed.
      {
        name: 'attachments_by_key',
        key: { tenant_id: 1, uploader: 1, idempotency_key: 1 },
        unique: true,
        partialFilterExpression: { idempotency_key: { $type: 'string' } },
      },
      { name: 'attachments_by_order', key: { order_id: 1 } },
    ],
  },
  // A branding's `_id` is its tenant's id; the sweep of unused uploads reads which uploads are logos.
  branding: {
    name: 'tenant_branding',
    indexes: [{ name: 'tenant_branding_by_logo', key: { logo: 1 }, partialFilterExpression: { logo: { $type: 'string' } } }],
  },
  // A template's `_id` is (tenant, locale, subject); a tenant's are listed by language and subject.
  templates: { name: 'message_templates', indexes: [{ name: 'message_templates_by_tenant', key: { tenant_id: 1, locale: 1, subject: 1 } }] },
  contactSends: { name: 'contact_sends', indexes: [{ name: 'contact_sends_by_last', key: { last: 1 } }] },
  // A courier's `_id` is (tenant, id); pages read by tenant and id, the credential refresh reads the inactive ones.
  couriers: {
    name: 'couriers',
    indexes: [
      { name: 'couriers_by_tenant', key: { tenant_id: 1, id: 1 } },
      { name: 'couriers_inactive', key: { active: 1 }, partialFilterExpression: { active: false } },
    ],
  },
  // An invite's `_id` is its code's hash; expired ones are dropped by time.
  courierInvites: { name: 'courier_invites', indexes: [{ name: 'courier_invites_by_expiry', key: { expires_at: 1 } }] },
  // A device's `_id` is its id; a position finds it by its key's hash (unique), the API lists a courier's by age.
  devices: {
    name: 'courier_devices',
    indexes: [
      { name: 'courier_devices_by_key', key: { key_hash: 1 }, unique: true },
      { name: 'courier_devices_by_courier', key: { tenant_id: 1, courier_id: 1, created_at: 1, _id: 1 } },
    ],
  },
  // A provider's `_id` is its id; the API lists a tenant's by age.
  paymentProviders: { name: 'payment_providers', indexes: [{ name: 'payment_providers_by_tenant', key: { tenant_id: 1, created_at: 1, _id: 1 } }] },
  privacyAudit: { name: 'privacy_audit', indexes: [{ name: 'privacy_audit_by_tenant', key: { tenant_id: 1, at: -1, _id: -1 } }] },
  // The copies listings read; each order's document holds the authoritative record (store/payments/mongo.ts). A
  // provider's event is unique per provider where it names one.
  paymentTransactions: {
    name: 'payment_transactions',
    indexes: [
      { name: 'payment_transactions_by_recorded', key: { tenant_id: 1, recorded_at: 1, _id: 1 } },
      {
        name: 'payment_transactions_by_provider_event',
        key: { tenant_id: 1, provider: 1, provider_event_id: 1 },
        unique: true,
        partialFilterExpression: { provider_event_id: { $type: 'string' } },
      },
    ],
  },
  // The cluster's VAPID key pair: one document, `_id` 'vapid', which carries the first node's insert against the others.
  pushKeys: { name: 'push_keys', indexes: [] },
  // A subscription's `_id` is its id; a holder has one per endpoint (a customer's own have order_id null, which a
  // unique index counts as one value). Alerts read a customer's by (customer, order); erasure and the sweep by order
  // and by age.
  pushSubscriptions: {
    name: 'push_subscriptions',
    indexes: [
      { name: 'push_subscriptions_by_holder', key: { tenant_id: 1, customer_id: 1, order_id: 1, endpoint_key: 1 }, unique: true },
      { name: 'push_subscriptions_by_order', key: { tenant_id: 1, order_id: 1, updated_at: 1 } },
    ],
  },
  webhooks: { name: 'webhooks', indexes: [{ name: 'webhooks_by_tenant', key: { tenant_id: 1, created_at: 1, _id: 1 } }] },
  // A message holds its attempts (one document: an attempt and the message's state change in one atomic update).
  webhookMessages: {
    name: 'webhook_messages',
    indexes: [
      { name: 'webhook_messages_by_webhook', key: { webhook_id: 1, ...NEWEST } },
      { name: 'webhook_messages_by_status', key: { webhook_id: 1, status: 1, ...NEWEST } },
      { name: 'webhook_messages_by_order', key: { webhook_id: 1, order_id: 1, ...NEWEST } },
      // An erasure finds an order's messages (their bodies carry the order).
      { name: 'webhook_messages_of_order', key: { order_id: 1 } },
      // The sweep for messages whose job Redis lost: pending ones by due time.
      { name: 'webhook_messages_due', key: { next_attempt_at: 1, _id: 1 }, partialFilterExpression: { status: 'pending' } },
    ],
  },
};

/** Every collection name under `prefix` (tests drop them). */
export function collectionNames(prefix: string): string[] {
  return Object.values(COLLECTIONS).map((collection) => `${prefix}${collection.name}`);
}
