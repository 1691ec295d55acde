/**
 * Adyen's standard webhook notifications (API.md "Payments"): a batch `{ live, notificationItems: [ {
 * NotificationRequestItem } ] }` whose items are each signed, in `additionalData.hmacSignature`, with the base64
 * HMAC-SHA256 (the hex HMAC key decoded to bytes) of
 * `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`, a field
 * that is absent taken as empty. The values are joined as they are, without escaping: that is how Adyen and its own
 * libraries sign a standard notification item (the `\` and `:` escaping of Adyen's HMAC page is for the
 * key-and-value form of its payment pages and other webhooks, which a standard notification does not use).
 *
 * The signature covers fields, not the body, so the body is read as JSON to check it; nothing in it is used until
 * every item has checked out, and one item that does not (or a body with no signed item) refuses the whole
 * notification.
 *
 * Events read: `AUTHORISATION` → authorization when `success` is `"true"`, failure when it is `"false"`; `CAPTURE`
 * → capture and `REFUND` → refund (the amount of that refund) when successful. A capture or refund that did not go
 * through moves no money (the authorization stands), nor do `CANCELLATION` and every other code: no events.
 * Adyen gives an event no id of its own; an item's is its `pspReference`, `eventCode` and `success` together, the
 * same however often Adyen resends it (a failed and a later successful attempt differ by `success`).
 * A signed item without a usable amount (a non-negative integer, a three-letter currency) answers no event.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { PaymentMethod } from '../domain/payment';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { asObject, isoDate, parseObject, type Json } from './reading';

/** What Adyen expects back, or it sends the batch again. */
export const ADYEN_ANSWER = { body: '[accepted]', contentType: 'text/plain' };


export const verifyAdyen: Verifier<'adyen'> = (notification, credentials) => {
  const key = hmacKey(credentials.hmac_key);
  const body = parseObject(notification.rawBody);
  const entries = body?.notificationItems;
  if (!Array.isArray(entries) || entries.length === 0) throw new SignatureError('no Adyen notification items to verify');
  const items = entries.map((entry) => asObject(asObject(entry)?.NotificationRequestItem));
  for (const item of items) {
    if (!item || !signatureMatches(item, key)) throw new SignatureError('Adyen notification item signature does not match');
  }
  const events = (items as Json[]).flatMap((item) => readEvent(item, notification.receivedAt));
  return { events, answer: ADYEN_ANSWER };
};

function hmacKey(hex: string): Buffer {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) throw new SignatureError('the Adyen HMAC key is not hex');
  return Buffer.from(hex, 'hex');
}

function signatureMatches(item: Json, key: Buffer): boolean {
  const given = asObject(item.additionalData)?.hmacSignature;
  if (typeof given !== 'string' || given === '') return false;
  const amount = asObject(item.amount);
  const fields = [item.pspReference, item.originalReference, item.merchantAccountCode, item.merchantReference, amount?.value, amount?.currency, item.eventCode, item.success];
  const signed: string[] = [];
  for (const field of fields) {
    const text = signedText(field);
    if (text === null) return false;
    signed.push(text);
  }
  const expected = Buffer.from(createHmac('sha256', key).update(signed.join(':'), 'utf8').digest('base64'), 'utf8');
  const received = Buffer.from(given, 'utf8');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

/** A field as it is signed: text as is, a number or boolean as written, nothing as empty; anything else cannot be. */
function signedText(value: unknown): string | null {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function readEvent(item: Json, receivedAt: Date): ProviderEvent[] {
  const success = String(item.success);
  const kind = kindOf(item.eventCode, success);
  const pspReference = item.pspReference;
  if (!kind || typeof pspReference !== 'string' || pspReference === '') return [];
  const amount = asObject(item.amount);
  const value = amount?.value;
  const currency = amount?.currency;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return [];
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/i.test(currency)) return [];
  const original = typeof item.originalReference === 'string' && item.originalReference !== '' ? item.originalReference : null;
  return [
    {
      provider: 'adyen',
      event_id: `${pspReference}:${String(item.eventCode)}:${success}`,
      kind,
      order_ref: typeof item.merchantReference === 'string' && item.merchantReference !== '' ? item.merchantReference : null,
      amount: { value, currency: currency.toUpperCase() },
      occurred_at: isoDate(item.eventDate) ?? receivedAt.toISOString(),
      method: methodOf(item.paymentMethod),
      // A capture's or refund's own PSP reference is the modification's; the payment's is the original one.
      reference: original ?? pspReference,
    },
  ];
}

function kindOf(eventCode: unknown, success: string): ProviderEventKind | null {
  switch (eventCode) {
    case 'AUTHORISATION':
      return success === 'true' ? 'authorization' : success === 'false' ? 'failure' : null;
    case 'CAPTURE':
      return success === 'true' ? 'capture' : null;
    case 'REFUND':
      return success === 'true' ? 'refund' : null;
    default:
      return null;
  }
}

const WALLETS = new Set(['applepay', 'googlepay', 'paywithgoogle', 'samsungpay', 'paypal', 'alipay', 'alipay_hk', 'wechatpay', 'wechatpayQR', 'grabpay', 'amazonpay', 'clicktopay']);
const BANKS = new Set(['ideal', 'sepadirectdebit', 'ach', 'directEbanking', 'giropay', 'eps', 'trustly', 'paybybank', 'onlineBanking_PL', 'bankTransfer_IBAN', 'fps']);
const CARDS = new Set(['visa', 'mc', 'amex', 'maestro', 'discover', 'diners', 'jcb', 'cup', 'cartebancaire', 'bcmc', 'dankort', 'elo', 'hipercard', 'mir', 'eftpos_australia', 'visadankort', 'card', 'scheme']);

function methodOf(paymentMethod: unknown): PaymentMethod | null {
  if (typeof paymentMethod !== 'string') return null;
  if (WALLETS.has(paymentMethod)) return 'wallet';
  if (BANKS.has(paymentMethod) || paymentMethod.startsWith('bankTransfer')) return 'bank_transfer';
  // Adyen names a card by its brand, with variants after an underscore (`visa_applepay` is a wallet's card).
  const [brand, variant] = paymentMethod.split('_', 2);
  if (variant && WALLETS.has(variant)) return 'wallet';
  return brand && CARDS.has(brand) ? 'card' : null;
}

