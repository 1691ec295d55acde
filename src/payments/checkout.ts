/**
 * Checkout.com's webhooks (API.md "Payments"), checked as Checkout.com documents: the `Cko-Signature` header is the
 * hex HMAC-SHA256 of the raw body with the webhook's signature key (the business's `webhook_secret`).
 *
 * Events read (others move no money here and answer no events): `payment_approved` → authorization,
 * `payment_captured` → capture, `payment_declined` and `payment_capture_declined` → failure, `payment_refunded`
 * → refund (its `data.amount` is that refund's). The event's `id` is its id, `data.reference` names the order,
 * `data.id` is the payment.
 *
 * A body that is signed but is not a Checkout.com event, or lacks what its type needs (an amount that is not a
 * non-negative integer, a currency that is not three letters), answers no events: the signature was good, so it is
 * not a 401.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaymentMethod } from '../domain/payment';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { asObject, isoDate, parseObject, type Json } from './reading';

const KINDS: Readonly<Record<string, ProviderEventKind>> = {
  payment_approved: 'authorization',
  payment_captured: 'capture',
  payment_declined: 'failure',
  payment_capture_declined: 'failure',
  payment_refunded: 'refund',
};


export const verifyCheckout: Verifier<'checkout'> = (notification, credentials) => {
  const header = notification.headers['cko-signature'];
  if (!header) throw new SignatureError('Cko-Signature header missing');
  if (!credentials.webhook_secret) throw new SignatureError('no Checkout.com signature key configured');
  const trimmed = header.trim();
  if (!/^[0-9a-f]{64}$/i.test(trimmed)) throw new SignatureError('Cko-Signature is not a hex HMAC-SHA256');
  const expected = createHmac('sha256', credentials.webhook_secret).update(notification.rawBody).digest();
  const given = Buffer.from(trimmed, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SignatureError('Checkout.com signature does not match');
  return { events: readEvents(notification.rawBody, notification.receivedAt) };
};

function readEvents(rawBody: Buffer, receivedAt: Date): ProviderEvent[] {
  const event = parseObject(rawBody);
  if (!event || typeof event.id !== 'string' || event.id === '' || typeof event.type !== 'string') return [];
  const kind = Object.hasOwn(KINDS, event.type) ? KINDS[event.type] : undefined;
  const data = asObject(event.data);
  if (!kind || !data) return [];
  const value = data.amount;
  const currency = typeof data.currency === 'string' ? data.currency.toUpperCase() : '';
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || !/^[A-Z]{3}$/.test(currency)) return [];
  return [
    {
      provider: 'checkout',
      event_id: event.id,
      kind,
      order_ref: typeof data.reference === 'string' && data.reference !== '' ? data.reference : null,
      amount: { value, currency },
      occurred_at: isoDate(event.created_on) ?? receivedAt.toISOString(),
      method: methodOf(data),
      reference: typeof data.id === 'string' && data.id !== '' ? data.id : null,
    },
  ];
}

function methodOf(data: Json): PaymentMethod | null {
  const source = asObject(data.source);
  const type = typeof source?.type === 'string' ? source.type.toLowerCase() : null;
  if (type === 'card') return 'card';
  if (type === 'applepay' || type === 'googlepay' || type === 'paypal' || type === 'alipay_hk' || type === 'alipay_cn' || type === 'wechatpay') return 'wallet';
  if (type === 'ach' || type === 'sepa' || type === 'ideal' || type === 'bancontact' || type === 'eps' || type === 'giropay' || type === 'sofort' || type === 'p24' || type === 'bank_account') return 'bank_transfer';
  return null;
}

