import { verifyAdyen } from './adyen';
import { verifyBraintree } from './braintree';
import { verifyCheckout } from './checkout';
import type { PaymentProviderName, Verifier } from './provider-event';
import { verifyRazorpay } from './razorpay';
import { verifySquare } from './square';
import { verifyStripe } from './stripe';

/** Each provider's verifier: what `POST /v1/payment-providers/:id/events` checks a notification with. */
export const VERIFIERS: { [P in PaymentProviderName]: Verifier<P> } = {
  stripe: verifyStripe,
  adyen: verifyAdyen,
  checkout: verifyCheckout,
  square: verifySquare,
  razorpay: verifyRazorpay,
  braintree: verifyBraintree,
};
