/**
 * Payment providers' notifications for tests, shaped as each provider's documented example events and signed the
 * way the provider signs them: Stripe with its own SDK (`stripe.webhooks.generateTestHeaderString`), Adyen items with
 * its own library (`hmacValidator.calculateHmac`). Checkout.com publishes no Node SDK that signs, so its
 * `Cko-Signature` is computed here as its documentation says (hex HMAC-SHA256 of the raw body with the signature
 * key). Each builder answers the body exactly as it is to be sent and the headers that go with it.
 */
import { createHmac } from 'node:crypto';
import { hmacValidator } from '@adyen/api-library';
import Stripe from 'stripe';
import type { ProviderNotification } from '../../src/payments/provider-event';

/** A notification as a provider sends it: the raw body and its headers (names in lower case). */
export interface SignedNotification {
  body: string;
  headers: Record<string, string>;
}

/** The notification as the verifiers take it, received at `receivedAt` (now by default). */
export function providerNotification(notification: SignedNotification, receivedAt: Date = new Date()): ProviderNotification {
  return { rawBody: Buffer.from(notification.body, 'utf8'), headers: { ...notification.headers }, receivedAt };
}

let serial = 0;
/** An id in a provider's style (`evt_…`, `pi_…`), different each call. */
export function providerId(prefix: string): string {
  serial += 1;
  return `${prefix}_${Date.now().toString(36)}${serial.toString(36).padStart(6, '0')}${Math.random().toString(36).slice(2, 10)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Stripe

export const STRIPE_TEST_SECRET = 'whsec_test_5f0c6e1a9b2d4c7e8f1a3b5c7d9e0f2a';

export type StripeEventType =
  | 'payment_intent.amount_capturable_updated'
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'charge.succeeded'
  | 'charge.captured'
  | 'charge.failed'
  | 'charge.refunded'
  | 'customer.created';

export interface StripeEventOptions {
  type: StripeEventType;
  /** `metadata.order_id` of the payment (none when null). */
  orderId: string | null;
  /** The payment's amount in minor units. */
  amount: number;
  /** As Stripe writes it (lower case); `hkd` by default. */
  currency?: string;
  secret?: string;
  eventId?: string;
  paymentIntentId?: string;
  chargeId?: string;
  /** The event's `created` (unix seconds); now by default. */
  created?: number;
  /** The `t` the header is signed with (unix seconds); `created` by default. */
  timestamp?: number;
  /** `charge.succeeded`: captured at once (true by default) or only authorised. */
  captured?: boolean;
  /** `charge.refunded`: what the charge has refunded in all, and had refunded before this refund. */
  refunded?: { total: number; before: number };
  /** The card was paid through a wallet (Apple Pay). */
  wallet?: boolean;
}

export interface StripeNotification extends SignedNotification {
  eventId: string;
  /** The parsed event, for assertions. */
  event: Record<string, any>;
}

/** A Stripe event of `type` for one payment, as Stripe's examples show it, signed with Stripe's SDK. */
export function stripeEvent(options: StripeEventOptions): StripeNotification {
  const created = options.created ?? Math.floor(Date.now() / 1000);
  const currency = options.currency ?? 'hkd';
  const paymentIntentId = options.paymentIntentId ?? providerId('pi');
  const chargeId = options.chargeId ?? providerId('ch');
  const metadata = options.orderId === null ? {} : { order_id: options.orderId };
  const eventId = options.eventId ?? providerId('evt');
  let object: Record<string, unknown>;
  let previousAttributes: Record<string, unknown> | undefined;
  if (options.type.startsWith('payment_intent.')) {
    object = stripePaymentIntent(options, paymentIntentId, chargeId, currency, metadata, created);
  } else if (options.type === 'customer.created') {
    object = { id: providerId('cus'), object: 'customer', created, email: null, metadata, name: null };
  } else {
    object = stripeCharge(options, paymentIntentId, chargeId, currency, metadata, created);
    if (options.type === 'charge.refunded') {
      previousAttributes = { amount_refunded: options.refunded?.before ?? 0, ...(options.refunded && options.refunded.before > 0 ? {} : { refunded: false }) };
    }
  }
  const event = {
    id: eventId,
    object: 'event',
    api_version: '2025-08-27.basil',
    created,
    data: previousAttributes ? { object, previous_attributes: previousAttributes } : { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: providerId('req'), idempotency_key: providerId('idem') },
    type: options.type,
  };
  const body = JSON.stringify(event, null, 2);
  const header = Stripe.webhooks.generateTestHeaderString({ payload: body, secret: options.secret ?? STRIPE_TEST_SECRET, timestamp: options.timestamp ?? created });
  return { body, headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, eventId, event };
}

function stripePaymentIntent(options: StripeEventOptions, id: string, chargeId: string, currency: string, metadata: object, created: number): Record<string, unknown> {
  const status = {
    'payment_intent.amount_capturable_updated': 'requires_capture',
    'payment_intent.succeeded': 'succeeded',
    'payment_intent.payment_failed': 'requires_payment_method',
  }[options.type as string];
  const failed = options.type === 'payment_intent.payment_failed';
  return {
    id,
    object: 'payment_intent',
    amount: options.amount,
    amount_capturable: status === 'requires_capture' ? options.amount : 0,
    amount_received: status === 'succeeded' ? options.amount : 0,
    capture_method: status === 'requires_capture' ? 'manual' : 'automatic_async',
    client_secret: `${id}_secret_${providerId('s')}`,
    confirmation_method: 'automatic',
    created,
    currency,
    customer: null,
    description: null,
    last_payment_error: failed
      ? { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', type: 'card_error' }
      : null,
    latest_charge: chargeId,
    livemode: false,
    metadata,
    payment_method: providerId('pm'),
    payment_method_types: ['card'],
    status,
  };
}

function stripeCharge(options: StripeEventOptions, paymentIntentId: string, id: string, currency: string, metadata: object, created: number): Record<string, unknown> {
  const failed = options.type === 'charge.failed';
  const captured = !failed && (options.type === 'charge.succeeded' ? options.captured !== false : true);
  const refundedTotal = options.type === 'charge.refunded' ? (options.refunded?.total ?? options.amount) : 0;
  return {
    id,
    object: 'charge',
    amount: options.amount,
    amount_captured: captured ? options.amount : 0,
    amount_refunded: refundedTotal,
    balance_transaction: failed ? null : providerId('txn'),
    billing_details: { address: null, email: null, name: null, phone: null },
    captured,
    created,
    currency,
    customer: null,
    description: null,
    failure_code: failed ? 'card_declined' : null,
    failure_message: failed ? 'Your card was declined.' : null,
    livemode: false,
    metadata,
    outcome: failed
      ? { network_status: 'declined_by_network', reason: 'generic_decline', risk_level: 'normal', seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' }
      : { network_status: 'approved_by_network', reason: null, risk_level: 'normal', seller_message: 'Payment complete.', type: 'authorized' },
    paid: !failed,
    payment_intent: paymentIntentId,
    payment_method: providerId('pm'),
    payment_method_details: {
      card: { brand: 'visa', country: 'HK', exp_month: 12, exp_year: 2030, funding: 'credit', last4: '4242', network: 'visa', wallet: options.wallet ? { apple_pay: {}, type: 'apple_pay' } : null },
      type: 'card',
    },
    receipt_url: null,
    refunded: refundedTotal > 0 && refundedTotal === options.amount,
    status: failed ? 'failed' : 'succeeded',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Adyen

/** A 32-byte HMAC key in hex, as the Customer Area gives one. */
export const ADYEN_TEST_HMAC_KEY = '44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056';

export type AdyenEventCode = 'AUTHORISATION' | 'CAPTURE' | 'REFUND' | 'CANCELLATION' | 'REPORT_AVAILABLE';

export interface AdyenItemOptions {
  eventCode: AdyenEventCode;
  success?: boolean;
  /** `merchantReference`: the order. */
  orderId: string;
  /** Minor units. */
  amount: number;
  currency?: string;
  /** This item's PSP reference (a modification's own, for a capture or refund). */
  pspReference?: string;
  /** The payment's PSP reference, on a capture, refund or cancellation. */
  originalReference?: string;
  merchantAccountCode?: string;
  paymentMethod?: string;
  eventDate?: string;
}

export type AdyenNotificationRequestItem = Record<string, any> & { additionalData: Record<string, string> };

/** One unsigned `NotificationRequestItem` as Adyen's example notifications show it. */
export function adyenItem(options: AdyenItemOptions): AdyenNotificationRequestItem {
  const item: AdyenNotificationRequestItem = {
    additionalData: options.eventCode === 'AUTHORISATION' ? { authCode: '058158', cardSummary: '0010', expiryDate: '03/2030', 'checkout.cardAddedBrand': 'visa' } : {},
    amount: { currency: options.currency ?? 'HKD', value: options.amount },
    eventCode: options.eventCode,
    eventDate: options.eventDate ?? new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    merchantAccountCode: options.merchantAccountCode ?? 'TrackerShopECOM',
    merchantReference: options.orderId,
    operations: options.eventCode === 'AUTHORISATION' ? ['CANCEL', 'CAPTURE', 'REFUND'] : undefined,
    paymentMethod: options.paymentMethod ?? 'visa',
    pspReference: options.pspReference ?? adyenPspReference(),
    reason: options.eventCode === 'AUTHORISATION' ? (options.success === false ? 'Refused' : '058158:0010:03/2030') : '',
    success: options.success === false ? 'false' : 'true',
  };
  if (options.originalReference !== undefined) item.originalReference = options.originalReference;
  return item;
}

/** A PSP reference in Adyen's form (16 characters). */
export function adyenPspReference(): string {
  serial += 1;
  return `${(Date.now() % 1e9).toString().padStart(9, '0')}${(serial % 1e7).toString().padStart(7, '0')}`.slice(0, 16).toUpperCase();
}

/** `item` with its `additionalData.hmacSignature`, as Adyen's library computes it with `hmacKey`. */
export function signAdyenItem(item: AdyenNotificationRequestItem, hmacKey: string = ADYEN_TEST_HMAC_KEY): AdyenNotificationRequestItem {
  const { hmacSignature: _previous, ...additionalData } = item.additionalData;
  const unsigned = { ...item, additionalData };
  const hmacSignature = new hmacValidator().calculateHmac(unsigned as never, hmacKey);
  return { ...unsigned, additionalData: { ...additionalData, hmacSignature } };
}

/**
 * An Adyen standard notification carrying `items`: each item without a signature is signed with `hmacKey`, one that
 * has one (signed, then perhaps altered, by the test) goes as it is.
 */
export function adyenNotification(options: { items: AdyenNotificationRequestItem[]; hmacKey?: string; live?: boolean }): SignedNotification {
  const notificationItems = options.items.map((item) => ({
    NotificationRequestItem: item.additionalData.hmacSignature ? item : signAdyenItem(item, options.hmacKey),
  }));
  const body = JSON.stringify({ live: options.live ? 'true' : 'false', notificationItems });
  return { body, headers: { 'content-type': 'application/json' } };
}

// ---------------------------------------------------------------------------------------------------------------
// Checkout.com

export const CHECKOUT_TEST_SECRET = 'cko_whsk_0c7a4b2e9f614d3b8a5e7c1d2f3a4b5c';

export type CheckoutEventType = 'payment_approved' | 'payment_captured' | 'payment_declined' | 'payment_capture_declined' | 'payment_refunded' | 'payment_pending';

export interface CheckoutEventOptions {
  type: CheckoutEventType;
  /** `data.reference`: the order (none when null). */
  orderId: string | null;
  /** `data.amount`: the payment's, or this capture's or refund's, in minor units. */
  amount: number;
  currency?: string;
  secret?: string;
  eventId?: string;
  paymentId?: string;
  createdOn?: string;
}

export interface CheckoutNotification extends SignedNotification {
  eventId: string;
}

/** A Checkout.com webhook of `type`, as its example payment events show it, signed as its documentation says. */
export function checkoutEvent(options: CheckoutEventOptions): CheckoutNotification {
  const eventId = options.eventId ?? providerId('evt');
  const paymentId = options.paymentId ?? providerId('pay');
  const createdOn = options.createdOn ?? new Date().toISOString();
  const declined = options.type === 'payment_declined' || options.type === 'payment_capture_declined';
  const data: Record<string, unknown> = {
    id: paymentId,
    action_id: providerId('act'),
    amount: options.amount,
    currency: options.currency ?? 'HKD',
    ...(options.orderId === null ? {} : { reference: options.orderId }),
    processed_on: createdOn,
    response_code: declined ? '20051' : '10000',
    response_summary: declined ? 'Insufficient Funds' : 'Approved',
    metadata: {},
    ...(options.type === 'payment_approved' || options.type === 'payment_declined'
      ? {
          auth_code: declined ? undefined : '770687',
          payment_type: 'Regular',
          risk: { flagged: false },
          source: { id: providerId('src'), type: 'card', billing_address: {}, expiry_month: 6, expiry_year: 2030, name: 'Card Holder', scheme: 'Visa', last_4: '4242', fingerprint: 'F31828E2BDABAE63EB694903825CDD36041CC6ED461440B81415895855502832', bin: '424242', card_type: 'Credit', issuer_country: 'HK' },
          customer: { id: providerId('cus') },
        }
      : {}),
  };
  const event = {
    id: eventId,
    type: options.type,
    version: '1.0.33',
    created_on: createdOn,
    data,
    _links: {
      self: { href: `https://api.sandbox.checkout.com/workflows/events/${eventId}` },
      payment: { href: `https://api.sandbox.checkout.com/payments/${paymentId}` },
    },
  };
  const body = JSON.stringify(event);
  return { body, headers: { 'content-type': 'application/json', 'cko-signature': checkoutSignature(body, options.secret ?? CHECKOUT_TEST_SECRET) }, eventId };
}

/** `Cko-Signature` as Checkout.com documents it: the hex HMAC-SHA256 of the raw body with the signature key. */
export function checkoutSignature(body: string, secret: string = CHECKOUT_TEST_SECRET): string {
  return createHmac('sha256', secret).update(body, 'utf8').digest('hex');
}
