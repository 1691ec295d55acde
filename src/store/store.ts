import type { AlertContexts } from './alert-context/port';
import type { ArrivalLog } from './arrival/port';
import type { AttachmentStore } from './attachments/port';
import type { BrandingBook } from './branding/port';
import type { CredentialRevocations } from './credentials/port';
import type { CourierRecords } from './couriers/port';
import type { ContactBook } from './contacts/port';
import type { CustomerDirectory } from './customers/port';
import type { DeliveryLog } from './deliveries/port';
import type { DeviceDirectory } from './devices/port';
import type { StoreLifecycle } from './lifecycle';
import type { LoyaltyLedger } from './loyalty/port';
import type { OrderLog } from './orders/port';
import type { PaymentLedger } from './payments/port';
import type { PaymentProviderDirectory } from './payment-providers/port';
import type { Outbox } from './outbox/port';
import type { PreferenceBook } from './preferences/port';
import type { PrivacyRecords } from './privacy/port';
import type { PushRegistry } from './push/port';
import type { OrderSearch } from './search/port';
import type { SourceDirectory } from './sources/port';
import type { TemplateBook } from './templates/port';
import type { TenantDirectory } from './tenants/port';
import type { WebhookLog } from './webhook-log/port';
import type { WebhookDirectory } from './webhooks/port';

export type * from './alert-context/port';
export type * from './arrival/port';
export type * from './attachments/port';
export type * from './branding/port';
export type * from './credentials/port';
export type * from './couriers/port';
export type * from './contacts/port';
export type * from './customers/port';
export type * from './deliveries/port';
export type * from './devices/port';
export type * from './lifecycle';
export type * from './loyalty/port';
export type * from './orders/port';
export type * from './payments/port';
export type * from './payment-providers/port';
export type * from './outbox/port';
export type * from './preferences/port';
export type * from './privacy/port';
export type * from './push/port';
export type * from './search/port';
export type * from './sources/port';
export type * from './templates/port';
export type * from './tenants/port';
export type * from './webhook-log/port';
export type * from './webhooks/port';

/**
 * A whole store: one repository per aggregate (`<aggregate>/port.ts`), built around one connection by
 * `createSqliteStore()`, `createPostgresStore()` or `createMongoStore()`. Only the composition root holds all of it;
 * every other part depends on the repositories it uses, narrowed to the methods it calls
 * (`{ orders: Pick<OrderLog, 'loadOrder'>; outbox: Outbox }`). Rules the store must keep are decided in
 * `src/domain/` (which status owes what, how a booking is decided, on time, terminal), so an adapter only stores and
 * guards: unique keys, the revision compare-and-set, atomic writes.
 */
export interface Store {
  lifecycle: StoreLifecycle;
  tenants: TenantDirectory;
  orders: OrderLog;
  arrival: ArrivalLog;
  search: OrderSearch;
  outbox: Outbox;
  loyalty: LoyaltyLedger;
  deliveries: DeliveryLog;
  preferences: PreferenceBook;
  privacy: PrivacyRecords;
  contacts: ContactBook;
  customers: CustomerDirectory;
  sources: SourceDirectory;
  webhooks: WebhookDirectory;
  webhookLog: WebhookLog;
  credentials: CredentialRevocations;
  couriers: CourierRecords;
  devices: DeviceDirectory;
  payments: PaymentLedger;
  paymentProviders: PaymentProviderDirectory;
  attachments: AttachmentStore;
  branding: BrandingBook;
  templates: TemplateBook;
  push: PushRegistry;
  /** What an alert is decided on, read together (the order and what the repositories above hold for it). */
  alerts: AlertContexts;
}

/** The repositories of a store (its lifecycle apart). */
export type Repositories = Omit<Store, 'lifecycle'>;

/** How a repository method answers: one promise (`call`), or pages of an async iterable read as pulled (`iterate`). */
export type MethodKind = 'call' | 'iterate';

/**
 * Every repository method and how it answers: what a store that runs elsewhere (the embedded store on its own
 * thread) builds its stand-in repositories from. The compiler checks it against the ports both ways, so a method
 * added to a port without a line here, or a line without its method, fails the build.
 */
export const REPOSITORY_METHODS = {
  tenants: {
    createTenant: 'call',
    findTenantByApiKeyHash: 'call',
    getTenant: 'call',
    setPointsRate: 'call',
    getTenantSettings: 'call',
    putTenantSettings: 'call',
    replaceApiKey: 'call',
    findTenantIdBySlug: 'call',
  },
  orders: {
    createOrder: 'call',
    getOrder: 'call',
    loadOrder: 'call',
    orderHeads: 'call',
    commitEvent: 'call',
    assignCourier: 'call',
    setInstructions: 'call',
    renewTrackingLink: 'call',
    findEvent: 'call',
    listEvents: 'call',
    history: 'call',
    updateLastLocations: 'call',
  },
  arrival: { claimArrival: 'call', updateEtas: 'call' },
  search: { searchOrders: 'call', exportOrders: 'iterate', reportSummary: 'call' },
  outbox: { pendingEffects: 'call', clearEffect: 'call', oweEffect: 'call' },
  loyalty: { bookLedger: 'call', findLedgerEntry: 'call', getLoyalty: 'call', rebuildBalance: 'call' },
  deliveries: { listDeliveries: 'call', alertDeliveries: 'call', claimDelivery: 'call', recordDelivery: 'call', skipDelivery: 'call', recordHanded: 'call' },
  preferences: { getPreferences: 'call', putPreferences: 'call' },
  privacy: {
    customerOrdersPage: 'call',
    customerDeliveriesPage: 'call',
    customerKnown: 'call',
    eraseCustomerOrders: 'call',
    erasePreferences: 'call',
    eraseExpiredOrders: 'call',
    retentionTenants: 'call',
    purgeErased: 'call',
    recordPrivacyAudit: 'call',
    listPrivacyAudit: 'call',
  },
  contacts: {
    contactStanding: 'call',
    putSelfSet: 'call',
    issueCode: 'call',
    tryCode: 'call',
    confirmCode: 'call',
    trySignInCode: 'call',
    spendSignInCode: 'call',
    eraseContacts: 'call',
    pruneCodes: 'call',
    forgetOrderContacts: 'call',
    expireConfirmations: 'call',
  },
  customers: { addressHolders: 'call' },
  sources: {
    createSource: 'call',
    listSources: 'call',
    getSource: 'call',
    findSource: 'call',
    updateSource: 'call',
    deleteSource: 'call',
    claimMessage: 'call',
    answerMessage: 'call',
    releaseMessage: 'call',
    pruneMessages: 'call',
    orderIdsByExternalId: 'call',
  },
  webhooks: {
    createWebhook: 'call',
    getWebhook: 'call',
    loadWebhook: 'call',
    listWebhooks: 'call',
    updateWebhook: 'call',
    rotateWebhookSecret: 'call',
    disableWebhook: 'call',
    deleteWebhook: 'call',
  },
  webhookLog: {
    addWebhookMessages: 'call',
    getWebhookMessage: 'call',
    listWebhookMessages: 'call',
    listWebhookAttempts: 'call',
    recordWebhookAttempts: 'call',
    settleWebhookMessage: 'call',
    requeueWebhookMessage: 'call',
    overdueWebhookMessages: 'call',
  },
  credentials: { revokeSubject: 'call', listRevocations: 'call' },
  couriers: {
    createCourier: 'call',
    getCourier: 'call',
    listCouriers: 'call',
    updateCourier: 'call',
    listInactiveCouriers: 'call',
    recordSightings: 'call',
    activeOrderCounts: 'call',
    createInvite: 'call',
    consumeInvite: 'call',
  },
  devices: { createDevice: 'call', listDevices: 'call', findDeviceByKeyHash: 'call', deleteDevice: 'call' },
  payments: {
    recordPayment: 'call',
    findPayment: 'call',
    findPaymentAtRevision: 'call',
    paymentReport: 'call',
    orderTransactions: 'call',
    findProviderEvent: 'call',
    findTransaction: 'call',
    recordUnmatched: 'call',
    matchTransaction: 'call',
    listTransactions: 'call',
  },
  paymentProviders: {
    createPaymentProvider: 'call',
    listPaymentProviders: 'call',
    getPaymentProvider: 'call',
    findPaymentProvider: 'call',
    updatePaymentProvider: 'call',
    deletePaymentProvider: 'call',
  },
  attachments: {
    createAttachment: 'call',
    getAttachment: 'call',
    readAttachment: 'call',
    linkAttachments: 'call',
    eraseUnusedAttachments: 'call',
  },
  branding: { getBranding: 'call', putBranding: 'call' },
  templates: { putTemplate: 'call', getTemplate: 'call', listTemplates: 'call', deleteTemplate: 'call' },
  push: {
    claimVapidKeys: 'call',
    listPushSubscriptions: 'call',
    savePushSubscription: 'call',
    alertPushSubscriptions: 'call',
    deletePushSubscription: 'call',
    dropPushSubscriptions: 'call',
    erasePushSubscriptions: 'call',
    forgetOrderPushSubscriptions: 'call',
    expirePushSubscriptions: 'call',
  },
  alerts: { alertContext: 'call' },
} as const satisfies { [R in keyof Repositories]: { [M in keyof Repositories[R]]-?: KindOf<Repositories[R][M]> } };

/** `iterate` for a method that hands back an async iterable, `call` for one that hands back a promise. */
type KindOf<Method> = Method extends (...args: never[]) => AsyncIterable<unknown> ? 'iterate' : 'call';
