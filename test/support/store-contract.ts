import { describeAlertContextContract } from './contracts/alert-context';
import { describeArrivalContract } from './contracts/arrival';
import { describeAttachmentsContract } from './contracts/attachments';
import { describeBrandingContract } from './contracts/branding';
import { describeCredentialsContract } from './contracts/credentials';
import { describeCouriersContract } from './contracts/couriers';
import { describeContactsContract } from './contracts/contacts';
import { describeCustomersContract } from './contracts/customers';
import { describeDeliveriesContract } from './contracts/deliveries';
import { describeDevicesContract } from './contracts/devices';
import type { StoreFactory } from './contracts/fixtures';
import { describeLoyaltyContract } from './contracts/loyalty';
import { describeOrdersContract } from './contracts/orders';
import { describeOutboxContract } from './contracts/outbox';
import { describePaymentsContract } from './contracts/payments';
import { describePaymentProvidersContract } from './contracts/payment-providers';
import { describePreferencesContract } from './contracts/preferences';
import { describePrivacyContract as describePrivacyRecordsContract } from './contracts/privacy';
import { describePushContract } from './contracts/push';
import { describeSearchContract } from './contracts/search';
import { describeTemplatesContract } from './contracts/templates';
import { describeTenantsContract } from './contracts/tenants';
import { describeWebhookLogContract } from './contracts/webhook-log';
import { describeWebhooksContract } from './contracts/webhooks';

export { at, buildEvent, buildOrder, buildTenant, moved, placedEvent, uniqueId, type StoreFactory } from './contracts/fixtures';

/**
 * The store's contract, run against any adapter: each aggregate's contract (`contracts/<aggregate>.ts`) in a
 * `describe` of its own; every test gets a fresh, initialised store from `factory` and releases it with `cleanup`.
 * The privacy records run apart (`describePrivacyContract`), the sources with a factory of their own
 * (`source-contract.ts`).
 */
export function describeStoreContract(name: string, factory: StoreFactory): void {
  describe(name, () => {
    describe('tenants', () => describeTenantsContract(factory));
    describe('credentials', () => describeCredentialsContract(factory));
    describe('couriers', () => describeCouriersContract(factory));
    describe('devices', () => describeDevicesContract(factory));
    describe('attachments', () => describeAttachmentsContract(factory));
    describe('branding', () => describeBrandingContract(factory));
    describe('templates', () => describeTemplatesContract(factory));
    describe('orders', () => describeOrdersContract(factory));
    describe('deliveries', () => describeDeliveriesContract(factory));
    describe('arrival', () => describeArrivalContract(factory));
    describe('outbox', () => describeOutboxContract(factory));
    describe('loyalty', () => describeLoyaltyContract(factory));
    describe('preferences', () => describePreferencesContract(factory));
    describe('contacts', () => describeContactsContract(factory));
    describe('customers', () => describeCustomersContract(factory));
    describe('webhooks', () => describeWebhooksContract(factory));
    describe('webhookLog', () => describeWebhookLogContract(factory));
    describe('search', () => describeSearchContract(factory));
    describe('payments', () => describePaymentsContract(factory));
    describe('paymentProviders', () => describePaymentProvidersContract(factory));
    describe('push', () => describePushContract(factory));
    describe('alerts', () => describeAlertContextContract(factory));
  });
}

/**
 * The privacy records' contract (`contracts/privacy.ts`) for any adapter: export pages, erasure in batches, the
 * retention sweep's selection with an injected clock, and the audit trail.
 */
export function describePrivacyContract(name: string, factory: StoreFactory): void {
  describe(`${name} privacy`, () => describePrivacyRecordsContract(factory));
}
