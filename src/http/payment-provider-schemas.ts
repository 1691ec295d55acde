/** Request and response shapes of the payment provider routes (API.md "Payments"): validation and the OpenAPI document. */
import { z } from 'zod';
import { CREDENTIAL_SCHEMAS } from '../payments/credential-schemas';
import { PAYMENT_PROVIDERS, type PaymentProviderName } from '../payments/provider-event';

const name = z.string().trim().min(1).max(200);

/** Registering a provider: its kind, an optional name, and its credentials as that provider has them. */
export const createPaymentProviderBody = z.discriminatedUnion('provider', [
  providerBody('stripe'),
  providerBody('adyen'),
  providerBody('checkout'),
  providerBody('square'),
  providerBody('razorpay'),
  providerBody('braintree'),
]);

function providerBody<P extends PaymentProviderName>(provider: P) {
  return z.strictObject({ provider: z.literal(provider), name: name.optional(), credentials: CREDENTIAL_SCHEMAS[provider] });
}

/** A change: the name, the credentials (replaced whole, checked as the provider's), whether it is enabled. */
export const updatePaymentProviderBody = z
  .strictObject({
    name: name.optional(),
    credentials: z.record(z.string(), z.unknown()).optional().describe("the provider's credentials, replaced whole (the same fields as when registering)"),
    enabled: z.boolean().optional(),
  })
  .refine((body) => Object.values(body).some((value) => value !== undefined), { message: 'must change at least one field' });

export const paymentProviderResponse = z.object({
  id: z.string(),
  provider: z.enum(PAYMENT_PROVIDERS),
  name: z.string(),
  enabled: z.boolean().describe("false: the provider's notifications are refused (409) and nothing is taken"),
  webhook_url: z.string().describe("where the provider posts its notifications: set it in the provider's dashboard"),
  created_at: z.string(),
  updated_at: z.string(),
});

export const paymentProviderListResponse = z.object({ items: z.array(paymentProviderResponse) });

// Documented only: a notification is read as the provider sends it, and its verifier alone reads it.
export const providerNotificationBody = z.unknown().describe("the provider's own notification, exactly as the provider sends it");
export const providerNotificationAnswer = z.unknown().describe('`{}`, or the body the provider expects (Adyen: `[accepted]`)');
