import { z } from 'zod';
import type { PaymentProviderName, ProviderCredentials } from './provider-event';

// A key or secret as the provider's dashboard shows it: one token, no spaces.
const key = z.string().min(1).max(500).regex(/^\S+$/, 'must not contain spaces');
const httpsUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      return new URL(value).protocol === 'https:';
    } catch {
      return false;
    }
  }, 'must be an https URL')
  .describe('the notification URL exactly as set in Square (its signature covers it)');

/** Each provider's credentials (`ProviderCredentials`), checked as far as their form goes. */
export const CREDENTIAL_SCHEMAS = {
  stripe: z.strictObject({ webhook_secret: key.describe("the endpoint's signing secret (whsec_…)") }),
  adyen: z.strictObject({
    hmac_key: z
      .string()
      .regex(/^(?:[0-9a-fA-F]{2}){16,128}$/, 'must be the HMAC key in hex (an even number of hex digits, 32 to 256)')
      .describe('the HMAC key of the standard notification, in hex'),
  }),
  checkout: z.strictObject({ webhook_secret: key.describe("the webhook's signature key") }),
  square: z.strictObject({ signature_key: key.describe("the subscription's signature key"), notification_url: httpsUrl }),
  razorpay: z.strictObject({ webhook_secret: key.describe("the webhook's secret") }),
  braintree: z.strictObject({ public_key: key, private_key: key, merchant_id: key }),
} as const satisfies { [P in PaymentProviderName]: z.ZodType<ProviderCredentials[P]> };
