import type { SecretBox, SecretScope } from '../auth/secret-box';
import { LimitReachedError, NotFoundError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import { CREDENTIAL_SCHEMAS } from '../payments/credential-schemas';
import type { PaymentProviderName, ProviderCredentials } from '../payments/provider-event';
import type { PaymentProviderDirectory, StoredPaymentProvider } from '../store/payment-providers/port';

export interface PaymentProviderServiceOptions {
  store: { paymentProviders: PaymentProviderDirectory };
  /** Seals the credentials when `SECRETS_KEY` is set; opens what was kept either way. */
  secrets: SecretBox;
  /**
   * Providers one tenant may have.
   * @default 20
   */
  maxPerTenant?: number;
  /** @default the system clock */
  now?: () => Date;
}

/** A provider as the API shows it: never its credentials. `webhook_url` is added by the route (it knows the base). */
export type PaymentProviderView = Omit<StoredPaymentProvider, 'credentials' | 'tenant_id'>;

/** A provider's kind with its credentials, one type per kind. */
export type ProviderWithCredentials = { [P in PaymentProviderName]: { provider: P; credentials: ProviderCredentials[P] } }[PaymentProviderName];

export type NewPaymentProvider = ProviderWithCredentials & { name?: string };

export interface PaymentProviderUpdate {
  name?: string;
  /** Checked as the provider's credentials (its kind does not change). */
  credentials?: Record<string, unknown>;
  enabled?: boolean;
}

/** A provider a notification names, with what it is verified with. */
export interface NotifiedProvider {
  id: string;
  tenant_id: string;
  enabled: boolean;
  target: ProviderWithCredentials;
}

/** What a provider is called until the business names it. */
const DEFAULT_NAMES: Record<PaymentProviderName, string> = {
  stripe: 'Stripe',
  adyen: 'Adyen',
  checkout: 'Checkout.com',
  square: 'Square',
  razorpay: 'Razorpay',
  braintree: 'Braintree',
};

/**
 * Payment providers (API.md "Payments"): a business registers each with its credentials, which are kept sealed
 * (with `SECRETS_KEY`) and never shown again; a provider's notifications are verified with them. Every call but
 * {@link PaymentProviderService.forNotification} is scoped to the caller's tenant.
 */
export class PaymentProviderService {
  private readonly now: () => Date;
  private readonly maxPerTenant: number;

  constructor(private readonly options: PaymentProviderServiceOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxPerTenant = options.maxPerTenant ?? 20;
  }

  /** @throws LimitReachedError when the tenant has as many providers as it may */
  async create(tenantId: string, input: NewPaymentProvider): Promise<PaymentProviderView> {
    const { paymentProviders } = this.options.store;
    if ((await paymentProviders.listPaymentProviders(tenantId)).length >= this.maxPerTenant) {
      throw new LimitReachedError('payment providers', this.maxPerTenant);
    }
    const at = this.now().toISOString();
    const id = newId('pp', Date.parse(at));
    const stored: StoredPaymentProvider = {
      id,
      tenant_id: tenantId,
      provider: input.provider,
      name: input.name ?? DEFAULT_NAMES[input.provider],
      credentials: this.seal(tenantId, id, input.credentials),
      enabled: true,
      created_at: at,
      updated_at: at,
    };
    await paymentProviders.createPaymentProvider(stored);
    return view(stored);
  }

  async list(tenantId: string): Promise<PaymentProviderView[]> {
    return (await this.options.store.paymentProviders.listPaymentProviders(tenantId)).map(view);
  }

  /** @throws NotFoundError for no such provider of the tenant */
  async get(tenantId: string, providerId: string): Promise<PaymentProviderView> {
    const stored = await this.options.store.paymentProviders.getPaymentProvider(tenantId, providerId);
    if (!stored) throw new NotFoundError('payment provider');
    return view(stored);
  }

  /**
   * Renames, enables or disables a provider, or replaces its credentials (checked as its kind's, sealed afresh).
   * @throws NotFoundError for no such provider of the tenant; ValidationError for credentials not of its kind
   */
  async update(tenantId: string, providerId: string, update: PaymentProviderUpdate): Promise<PaymentProviderView> {
    const { paymentProviders } = this.options.store;
    let credentials: string | undefined;
    if (update.credentials !== undefined) {
      const current = await paymentProviders.getPaymentProvider(tenantId, providerId);
      if (!current) throw new NotFoundError('payment provider');
      credentials = this.seal(tenantId, providerId, checkedCredentials(current.provider, update.credentials));
    }
    const changed = await paymentProviders.updatePaymentProvider(tenantId, providerId, {
      name: update.name,
      credentials,
      enabled: update.enabled,
      updated_at: this.now().toISOString(),
    });
    if (!changed) throw new NotFoundError('payment provider');
    return view(changed);
  }

  /** @throws NotFoundError for no such provider of the tenant */
  async remove(tenantId: string, providerId: string): Promise<void> {
    if (!(await this.options.store.paymentProviders.deletePaymentProvider(tenantId, providerId))) throw new NotFoundError('payment provider');
  }

  /**
   * The provider a notification is posted to, with its credentials opened, by id alone (the notification names
   * nothing else).
   * @throws NotFoundError for no such provider (never was, or removed)
   */
  async forNotification(providerId: string): Promise<NotifiedProvider> {
    const stored = await this.options.store.paymentProviders.findPaymentProvider(providerId);
    if (!stored) throw new NotFoundError('payment provider');
    const opened = this.options.secrets.open(stored.credentials, scopeOf(stored.tenant_id, stored.id));
    return {
      id: stored.id,
      tenant_id: stored.tenant_id,
      enabled: stored.enabled,
      target: { provider: stored.provider, credentials: JSON.parse(opened) } as ProviderWithCredentials,
    };
  }

  private seal(tenantId: string, providerId: string, credentials: object): string {
    return this.options.secrets.seal(JSON.stringify(credentials), scopeOf(tenantId, providerId));
  }
}

function scopeOf(tenantId: string, providerId: string): SecretScope {
  return { tenantId, purpose: 'payment-provider-credentials', recordId: providerId };
}

function view(stored: StoredPaymentProvider): PaymentProviderView {
  const { credentials: _credentials, tenant_id: _tenant, ...shown } = stored;
  return shown;
}

/** @throws ValidationError naming each field under `credentials` */
function checkedCredentials(provider: PaymentProviderName, credentials: Record<string, unknown>): object {
  const checked = CREDENTIAL_SCHEMAS[provider].safeParse(credentials);
  if (checked.success) return checked.data;
  throw new ValidationError(
    'the request body is not valid',
    checked.error.issues.map((issue) => ({ path: ['credentials', ...issue.path].join('.'), message: issue.message, code: issue.code })),
  );
}
