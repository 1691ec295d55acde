import type { PaymentProviderName } from '../../payments/provider-event';

export type { PaymentProviderName };

/**
 * A tenant's payment provider (API.md "Payments"): where its notifications come in and the credentials they are
 * verified with. The credentials are kept as one text (their JSON, sealed with `SECRETS_KEY` where it is set) and
 * leave the store only towards the verifier.
 */
export interface StoredPaymentProvider {
  /** `pp_…`; the notification URL names it. */
  id: string;
  tenant_id: string;
  provider: PaymentProviderName;
  name: string;
  /** The provider's credentials as JSON text, sealed (`v1:…`) or plain. */
  credentials: string;
  /** A disabled provider's notifications are refused (nothing is taken) until it is enabled again. */
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

/** What `PATCH /v1/payment-providers/:id` changes (the credentials are replaced whole). */
export interface PaymentProviderChanges {
  name?: string;
  credentials?: string;
  enabled?: boolean;
  updated_at: string;
}

/** Tenants' payment providers. */
export interface PaymentProviderDirectory {
  createPaymentProvider(provider: StoredPaymentProvider): Promise<void>;
  /** The tenant's providers, oldest first. */
  listPaymentProviders(tenantId: string): Promise<StoredPaymentProvider[]>;
  /** A provider of the tenant; another tenant's is simply absent. */
  getPaymentProvider(tenantId: string, providerId: string): Promise<StoredPaymentProvider | null>;
  /** A provider by id alone: a notification names nothing else. */
  findPaymentProvider(providerId: string): Promise<StoredPaymentProvider | null>;
  /** Writes the given fields; null when the tenant has no such provider. */
  updatePaymentProvider(tenantId: string, providerId: string, changes: PaymentProviderChanges): Promise<StoredPaymentProvider | null>;
  /** Removes a provider; false when the tenant has no such provider. */
  deletePaymentProvider(tenantId: string, providerId: string): Promise<boolean>;
}
