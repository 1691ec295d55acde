/**
 * What every payment provider's notification comes to once verified (API.md "Payments"): the provider's own events,
 * each with its id, put in our terms. A verifier per provider (src/payments/<provider>.ts) checks the notification
 * with the provider's documented scheme, on the raw body as received and before anything in it is parsed into these
 * types; the payment state machine (src/domain/payment.ts) and the order's actor take it from there.
 */
import type { Money, PaymentMethod } from '../domain/payment';

export const PAYMENT_PROVIDERS = ['stripe', 'adyen', 'checkout', 'square', 'razorpay', 'braintree'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDERS)[number];

/** The money movements a provider reports, as transactions record them. */
export type ProviderEventKind = 'authorization' | 'capture' | 'refund' | 'failure';

/** One provider event, verified and read. */
export interface ProviderEvent {
  provider: PaymentProviderName;
  /** The provider's own id of this event (unique per provider): each counts once, whenever and however often it comes. */
  event_id: string;
  kind: ProviderEventKind;
  /**
   * The order the payment names, as the provider carries it (our id or `external_id`: Stripe `metadata.order_id`,
   * Adyen `merchantReference`, Checkout.com `reference`, Square `reference_id`, Razorpay `notes.order_id`, Braintree
   * `orderId`); null when it names none.
   */
  order_ref: string | null;
  /** In minor units of an ISO 4217 currency, upper case (a refund: the amount refunded by this event). */
  amount: Money;
  /** When the provider says it happened (ISO 8601); the time received when it does not say. */
  occurred_at: string;
  method: PaymentMethod | null;
  /** The provider's id of the payment (charge, PSP reference, …), for the transactions list. */
  reference: string | null;
}

/** The credentials a business gives for each provider (API.md "Payments"), never shown again. */
export interface ProviderCredentials {
  stripe: { webhook_secret: string };
  adyen: { hmac_key: string };
  checkout: { webhook_secret: string };
  square: { signature_key: string; notification_url: string };
  razorpay: { webhook_secret: string };
  braintree: { public_key: string; private_key: string; merchant_id: string };
}

/** A notification as it reached `POST /v1/payment-providers/:id/events`. */
export interface ProviderNotification {
  /** The body exactly as received. */
  rawBody: Buffer;
  /** Header names in lower case. */
  headers: Record<string, string | undefined>;
  /** The time it arrived (Stripe's tolerance is measured against it). */
  receivedAt: Date;
}

/**
 * What a verifier answers: the events the notification carries (a Stripe or Square notification carries one, an
 * Adyen batch several; an event of a type that moves no money: none) and the body the provider expects back
 * (Adyen: `[accepted]`; the others: an empty 200).
 */
export interface VerifiedNotification {
  events: ProviderEvent[];
  answer?: { body: string; contentType: string };
}

/** A notification whose signature does not check out (or is missing, or stale): 401, nothing kept. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

/** A provider's verifier: checks the notification with `credentials` and reads its events. @throws SignatureError */
export type Verifier<P extends PaymentProviderName> = (notification: ProviderNotification, credentials: ProviderCredentials[P]) => VerifiedNotification;

/**
 * Where verified provider events go (the payment service): each is applied to the order it names through the order's
 * actor, or kept as unmatched; an event already recorded (same provider and event id) changes nothing.
 */
export interface ProviderEventSink {
  applyProviderEvents(tenantId: string, provider: { id: string; name: PaymentProviderName }, events: ProviderEvent[]): Promise<void>;
}
