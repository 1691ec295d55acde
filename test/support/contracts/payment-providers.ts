import type { Store, StoredPaymentProvider } from '../../../src/store/store';
import { at, freshStore, uniqueId, type StoreFactory } from './fixtures';

/**
 * PaymentProviderDirectory: a tenant's providers listed oldest first and only its own, found by id alone for a
 * notification, changed field by field (the others kept), and removed once, only by their tenant.
 */
export function describePaymentProvidersContract(factory: StoreFactory): void {
  const store: Pick<Store, 'paymentProviders'> = freshStore(factory);
  const provider = (tenantId: string, minute: number, overrides: Partial<StoredPaymentProvider> = {}): StoredPaymentProvider => ({
    id: uniqueId('pp'),
    tenant_id: tenantId,
    provider: 'stripe',
    name: 'Stripe',
    credentials: 'v1:sealed-credentials',
    enabled: true,
    created_at: at(minute),
    updated_at: at(minute),
    ...overrides,
  });

  it("lists a tenant's providers oldest first, and no one else's", async () => {
    const tenant = uniqueId('ten');
    const second = provider(tenant, 2, { provider: 'adyen', name: 'Adyen EU', enabled: false });
    const first = provider(tenant, 1, { provider: 'braintree', credentials: '{"public_key":"p"}' });
    const third = provider(tenant, 3, { provider: 'square' });
    for (const each of [second, first, third, provider(uniqueId('ten'), 0)]) await store.paymentProviders.createPaymentProvider(each);
    expect(await store.paymentProviders.listPaymentProviders(tenant)).toEqual([first, second, third]);
    expect(await store.paymentProviders.listPaymentProviders(uniqueId('ten'))).toEqual([]);
  });

  it('reads a provider for its tenant only, and by id alone', async () => {
    const tenant = uniqueId('ten');
    const stored = provider(tenant, 0, { provider: 'razorpay' });
    await store.paymentProviders.createPaymentProvider(stored);
    expect(await store.paymentProviders.getPaymentProvider(tenant, stored.id)).toEqual(stored);
    expect(await store.paymentProviders.getPaymentProvider(uniqueId('ten'), stored.id)).toBeNull();
    expect(await store.paymentProviders.findPaymentProvider(stored.id)).toEqual(stored);
    expect(await store.paymentProviders.findPaymentProvider(uniqueId('pp'))).toBeNull();
  });

  it('changes only the fields named, for its tenant only', async () => {
    const tenant = uniqueId('ten');
    const stored = provider(tenant, 0);
    await store.paymentProviders.createPaymentProvider(stored);
    expect(await store.paymentProviders.updatePaymentProvider(uniqueId('ten'), stored.id, { name: 'Other', updated_at: at(5) })).toBeNull();
    const renamed = await store.paymentProviders.updatePaymentProvider(tenant, stored.id, { name: 'Stripe HK', updated_at: at(5) });
    expect(renamed).toEqual({ ...stored, name: 'Stripe HK', updated_at: at(5) });
    const disabled = await store.paymentProviders.updatePaymentProvider(tenant, stored.id, { enabled: false, credentials: 'v1:other', updated_at: at(6) });
    expect(disabled).toEqual({ ...stored, name: 'Stripe HK', enabled: false, credentials: 'v1:other', updated_at: at(6) });
    expect(await store.paymentProviders.findPaymentProvider(stored.id)).toEqual(disabled);
    const enabled = await store.paymentProviders.updatePaymentProvider(tenant, stored.id, { enabled: true, updated_at: at(7) });
    expect(enabled).toEqual({ ...disabled, enabled: true, updated_at: at(7) });
  });

  it('removes a provider only for its tenant, once', async () => {
    const tenant = uniqueId('ten');
    const stored = provider(tenant, 0);
    const kept = provider(tenant, 1);
    await store.paymentProviders.createPaymentProvider(stored);
    await store.paymentProviders.createPaymentProvider(kept);
    expect(await store.paymentProviders.deletePaymentProvider(uniqueId('ten'), stored.id)).toBe(false);
    const removals = await Promise.all([
      store.paymentProviders.deletePaymentProvider(tenant, stored.id),
      store.paymentProviders.deletePaymentProvider(tenant, stored.id),
    ]);
    expect(removals.filter(Boolean)).toEqual([true]);
    expect(await store.paymentProviders.findPaymentProvider(stored.id)).toBeNull();
    expect(await store.paymentProviders.listPaymentProviders(tenant)).toEqual([kept]);
  });
}
