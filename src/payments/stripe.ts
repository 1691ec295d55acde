/**
 * Stripe's webhook notifications (API.md "Payments"), checked as Stripe documents: the `Stripe-Signature` header is
 * `t=<unix seconds>,v1=<hex>[,v1=<hex>…]`, each `v1` an HMAC-SHA256 of `<t>.<raw body>` with the endpoint's signing
 * secret; any `v1` that matches will do (Stripe sends several while a secret is being rolled), and `t` must be within
 * five minutes of when the notification arrived, either way.
 *
 * Events read (others move no money here and answer no events):
 * - `payment_intent.amount_capturable_updated`, `charge.succeeded` not yet captured → authorization;
 * - `payment_intent.succeeded`, `charge.captured`, `charge.succeeded` captured → capture;
 * - `payment_intent.payment_failed`, `charge.failed` → failure;
 * - `charge.refunded` → refund of the amount this refund adds: the charge's `amount_refunded` less the
 *   `data.previous_attributes.amount_refunded` the event carries. `refund.created` would give the refund object
 *   itself, but a refund carries its own (usually empty) metadata, not the payment's `order_id`, so the order it is
 *   for could not be named; `charge.refunded` carries the charge with the payment's metadata.
 * A payment intent's events and its charge's events share one `reference` (the payment intent's id), and an
 * authorization or a capture is known by that reference and its kind (`pi_…:capture`), not by the event's id: the
 * same money reported twice (a business subscribed to both `payment_intent.succeeded` and `charge.succeeded`) then
 * counts once. A failure or a refund is known by its event's id (each refund adds its own amount).
 *
 * A body that is signed but is not a Stripe event, or lacks what its type needs (an amount that is not a
 * non-negative integer, a currency that is not three letters), answers no events: the signature was good, so it is
 * Stripe's to resend, not a 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaymentMethod } from '../domain/payment';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { asObject, parseObject, type Json } from './reading';

/** Stripe's documented default tolerance between the signed timestamp and the time of receipt. */
export const STRIPE_TOLERANCE_SECONDS = 300;

const HEX_SHA256 = /^[0-9a-f]{64}$/i;

export const verifyStripe: Verifier<'stripe'> = (notification, credentials) => {
  const header = notification.headers['stripe-signature'];
  if (!header) throw new SignatureError('Stripe-Signature header missing');
  if (!credentials.webhook_secret) throw new SignatureError('no Stripe webhook secret configured');
  const { timestamp, signatures } = parseSignatureHeader(header);
  const expected = createHmac('sha256', credentials.webhook_secret).update(`${timestamp}.`, 'utf8').update(notification.rawBody).digest();
  // Every candidate is compared, whichever matches, so the time taken says nothing about which one did.
  let matched = false;
  for (const signature of signatures) {
    const given = Buffer.from(signature, 'hex');
    if (given.length === expected.length && timingSafeEqual(given, expected)) matched = true;
  }
  if (!matched) throw new SignatureError('Stripe signature does not match');
  const age = Math.floor(notification.receivedAt.getTime() / 1000) - timestamp;
  if (Math.abs(age) > STRIPE_TOLERANCE_SECONDS) throw new SignatureError('Stripe signature timestamp outside the tolerance');
  return { events: readEvents(notification.rawBody, notification.receivedAt) };
};

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const element of header.split(',')) {
    const at = element.indexOf('=');
    if (at < 0) continue;
    const key = element.slice(0, at).trim();
    const value = element.slice(at + 1).trim();
    if (key === 't' && timestamp === null && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && HEX_SHA256.test(value)) signatures.push(value);
  }
  if (timestamp === null) throw new SignatureError('Stripe-Signature header has no timestamp');
  if (signatures.length === 0) throw new SignatureError('Stripe-Signature header has no v1 signature');
  return { timestamp, signatures };
}


function readEvents(rawBody: Buffer, receivedAt: Date): ProviderEvent[] {
  const event = parseObject(rawBody);
  if (!event || typeof event.id !== 'string' || !event.id || typeof event.type !== 'string') return [];
  const data = asObject(event.data);
  const object = asObject(data?.object);
  if (!object) return [];
  const read = readObject(event.type, object, asObject(data?.previous_attributes));
  if (!read) return [];
  const currency = typeof object.currency === 'string' ? object.currency.toUpperCase() : '';
  if (!isMinorAmount(read.amount) || !/^[A-Z]{3}$/.test(currency)) return [];
  const metadata = asObject(object.metadata);
  const orderId = metadata?.order_id;
  return [
    {
      provider: 'stripe',
      event_id: (read.kind === 'authorization' || read.kind === 'capture') && read.reference !== null ? `${read.reference}:${read.kind}` : event.id,
      kind: read.kind,
      order_ref: typeof orderId === 'string' && orderId !== '' ? orderId : null,
      amount: { value: read.amount, currency },
      occurred_at: secondsToIso(event.created) ?? receivedAt.toISOString(),
      method: read.method,
      reference: read.reference,
    },
  ];
}

interface ReadObject {
  kind: ProviderEventKind;
  amount: unknown;
  method: PaymentMethod | null;
  reference: string | null;
}

function readObject(type: string, object: Json, previous: Json | undefined): ReadObject | null {
  if (type.startsWith('payment_intent.')) {
    const intent = { method: intentMethod(object), reference: stringOrNull(object.id) };
    switch (type) {
      case 'payment_intent.amount_capturable_updated':
        return { kind: 'authorization', amount: object.amount_capturable, ...intent };
      case 'payment_intent.succeeded':
        return { kind: 'capture', amount: object.amount_received, ...intent };
      case 'payment_intent.payment_failed':
        return { kind: 'failure', amount: object.amount, ...intent };
      default:
        return null;
    }
  }
  const charge = { method: chargeMethod(object), reference: stringOrNull(object.payment_intent) ?? stringOrNull(object.id) };
  switch (type) {
    case 'charge.succeeded':
      return object.captured === false
        ? { kind: 'authorization', amount: object.amount, ...charge }
        : { kind: 'capture', amount: object.amount_captured ?? object.amount, ...charge };
    case 'charge.captured':
      return { kind: 'capture', amount: object.amount_captured, ...charge };
    case 'charge.failed':
      return { kind: 'failure', amount: object.amount, ...charge };
    case 'charge.refunded': {
      const before = previous?.amount_refunded;
      const after = object.amount_refunded;
      if (!isMinorAmount(before) || !isMinorAmount(after) || after <= before) return null;
      return { kind: 'refund', amount: after - before, ...charge };
    }
    default:
      return null;
  }
}

const BANK_METHODS = new Set(['ach_debit', 'ach_credit_transfer', 'us_bank_account', 'sepa_debit', 'bacs_debit', 'au_becs_debit', 'acss_debit', 'customer_balance', 'ideal', 'sofort', 'bancontact', 'eps', 'giropay', 'p24', 'fpx']);
const WALLET_METHODS = new Set(['alipay', 'wechat_pay', 'grabpay', 'link', 'cashapp', 'paypal', 'amazon_pay', 'revolut_pay', 'mobilepay']);

function methodOf(type: unknown): PaymentMethod | null {
  if (type === 'card' || type === 'card_present' || type === 'interac_present') return 'card';
  if (typeof type !== 'string') return null;
  if (WALLET_METHODS.has(type)) return 'wallet';
  if (BANK_METHODS.has(type)) return 'bank_transfer';
  return null;
}

function chargeMethod(charge: Json): PaymentMethod | null {
  const details = asObject(charge.payment_method_details);
  const method = methodOf(details?.type);
  // A card charged through Apple Pay, Google Pay and the like is a wallet payment to the business.
  if (method === 'card' && asObject(asObject(details?.card)?.wallet)) return 'wallet';
  return method;
}

function intentMethod(intent: Json): PaymentMethod | null {
  const types = intent.payment_method_types;
  return Array.isArray(types) && types.length === 1 ? methodOf(types[0]) : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isMinorAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function secondsToIso(value: unknown): string | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return null;
  const at = new Date(value * 1000);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}
