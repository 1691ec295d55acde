import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { TokenService } from '../auth/token-service';
import type { Metrics } from '../metrics';
import type { AttachmentService } from '../services/attachment-service';
import type { BrandingService } from '../services/branding-service';
import type { ContactService } from '../services/contact-service';
import type { CourierRecordService } from '../services/courier-record-service';
import type { CourierService } from '../services/courier-service';
import type { CredentialService } from '../services/credential-service';
import type { CustomerSessionService } from '../services/customer-session-service';
import type { DeliveryLogService } from '../services/delivery-log-service';
import type { DeviceService } from '../services/device-service';
import type { ImportService } from '../services/import-service';
import type { LabelService } from '../services/label-service';
import type { LoyaltyService } from '../services/loyalty-service';
import type { OrderService } from '../services/order-service';
import type { PaymentProviderService } from '../services/payment-provider-service';
import type { PaymentProviderName, ProviderEventSink, Verifier } from '../payments/provider-event';
import type { PreferenceService } from '../services/preference-service';
import type { PrivacyService } from '../services/privacy-service';
import type { PushService } from '../services/push-service';
import type { PaymentService } from '../services/payment-service';
import type { ReportService } from '../services/report-service';
import type { SourceService } from '../services/source-service';
import type { TemplateService } from '../services/template-service';
import type { TenantService } from '../services/tenant-service';
import type { WebhookService } from '../services/webhook-service';
import type { ClientAddresses } from './client-address';
import type { RateLimit } from './rate-limit';

/** Everything the HTTP layer calls into: services only (routes never reach the store themselves). */
export interface HttpDeps {
  orders: Pick<OrderService, 'place' | 'get' | 'history' | 'events' | 'postStatus' | 'assign' | 'search' | 'scan' | 'renewTrackingLink' | 'recordPayment' | 'setInstructions'>;
  couriers: Pick<CourierService, 'record' | 'recordMany'>;
  courierRecords: Pick<CourierRecordService, 'create' | 'list' | 'get' | 'update' | 'requireAssignable' | 'invite' | 'startSession' | 'ownOrders'>;
  /** Couriers' devices, and the intake of their positions. */
  devices: Pick<DeviceService, 'create' | 'list' | 'remove' | 'identify' | 'take'>;
  /** `PUBLIC_URL`, the base of invite links; unset: the address the request came to. */
  publicUrl?: string;
  attachments: Pick<AttachmentService, 'upload' | 'read' | 'readSigned' | 'proofOf'>;
  loyalty: Pick<LoyaltyService, 'account' | 'redeem' | 'setPointsRate'>;
  tenants: Pick<TenantService, 'create' | 'settings' | 'changeSettings'>;
  /** The tenants' branding, read publicly too, and their logos. */
  branding: Pick<BrandingService, 'get' | 'put' | 'bySlug' | 'logo'>;
  /** The tenants' message templates. */
  templates: Pick<TemplateService, 'put' | 'get' | 'list' | 'remove' | 'preview'>;
  tokens: Pick<TokenService, 'authenticate' | 'mint' | 'mintTracking'>;
  credentials: Pick<CredentialService, 'revoke' | 'rotateApiKey'>;
  preferences: Pick<PreferenceService, 'get' | 'set'>;
  contacts: Pick<ContactService, 'me' | 'requestCode' | 'confirm'>;
  /** Customers signing in to the portal with a code. */
  customerSessions: Pick<CustomerSessionService, 'request' | 'signIn'>;
  privacy: Pick<PrivacyService, 'export' | 'erase' | 'auditTrail'>;
  /** Web Push: the VAPID key and the subscriptions of customers and tracking links. */
  push: Pick<PushService, 'publicKey' | 'subscribe' | 'unsubscribe'>;
  deliveries: Pick<DeliveryLogService, 'outcomes'>;
  reports: Pick<ReportService, 'summary' | 'exportOrders' | 'payments'>;
  /** Transactions across orders: listed, exported, and unmatched ones matched by hand. */
  payments: Pick<PaymentService, 'list' | 'export' | 'match'>;
  sources: Pick<SourceService, 'create' | 'list' | 'update' | 'remove' | 'authenticate' | 'receive'>;
  imports: Pick<ImportService, 'importOrders'>;
  /** The tenants' payment providers and their credentials. */
  paymentProviders: Pick<PaymentProviderService, 'create' | 'list' | 'get' | 'update' | 'remove' | 'forNotification'>;
  /** Where the events of a verified provider notification go. */
  providerEvents: ProviderEventSink;
  /** Each provider's verifier. @default VERIFIERS (src/payments/verifiers.ts) */
  verifiers?: ProviderVerifiers;
  labels: Pick<LabelService, 'render'>;
  webhooks: Pick<
    WebhookService,
    'create' | 'list' | 'get' | 'update' | 'remove' | 'rotateSecret' | 'sendTest' | 'deliveries' | 'delivery' | 'replay'
  >;
  /** Request budgets, spent by every authenticated route once its caller is known. */
  rateLimit: Pick<RateLimit, 'admit'>;
  metrics: Metrics;
  /** Who the client of a request is (its address, behind trusted proxies the one they report). */
  clients: ClientAddresses;
  /** `/metrics` wants this bearer token; unset: it answers loopback callers only. */
  metricsToken: string | undefined;
  logger: Logger;
  /**
   * Resolves when every dependency the node needs answers, with warnings about those it serves without (the MQTT
   * broker); rejects otherwise (`/readyz`).
   */
  readiness: () => Promise<readonly ReadinessWarning[]>;
  /** The pages (tracking page, dashboard, their assets and basemap), answered before the API routes. */
  pages?: Middleware;
}

/** A dependency the node is ready without, but not whole: `/readyz` answers 200 and says so. */
export interface ReadinessWarning {
  dependency: string;
  message: string;
}

/** A verifier per provider. */
export type ProviderVerifiers = { [P in PaymentProviderName]: Verifier<P> };
