/**
 * Braintree's notifications (API.md "Payments"): a form post (application/x-www-form-urlencoded) of `bt_signature`
 * and `bt_payload`. `bt_payload` is base64 XML; `bt_signature` is `public_key|hex` pairs joined by `&`, the hex being
 * HMAC-SHA1 of the `bt_payload` text keyed with the raw SHA-1 digest of the private key. The pair for the business's
 * public key must match, over the payload as posted or with a trailing newline, as Braintree's own SDK accepts it
 * (developer.paypal.com/braintree/docs/guides/webhooks/parse; braintree-node `webhook_notification_gateway.js`).
 */
import { createHash, createHmac } from 'node:crypto';
import type { Money, PaymentMethod } from '../domain/payment';
import { minorDigits } from '../domain/loyalty';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { sameText } from './reading';

/** What the SDK lets through as a payload: base64 wrapped in lines. */
const PAYLOAD_CHARACTERS = /^[A-Za-z0-9+=/\n]+$/;

/** A subscription's charge is its newest transaction, the first of the subscription's `transactions`. */
const SUBSCRIPTION_CHARGES = new Set(['subscription_charged_successfully', 'subscription_charged_unsuccessfully']);

const SALE_KINDS: Record<string, ProviderEventKind> = {
  authorized: 'authorization',
  submitted_for_settlement: 'capture',
  settling: 'capture',
  settled: 'capture',
  settlement_declined: 'failure',
  processor_declined: 'failure',
  gateway_rejected: 'failure',
  failed: 'failure',
};

/** A credit (refund) moves money back once it is on its way; a declined one moved nothing. */
const CREDIT_SETTLING = new Set(['submitted_for_settlement', 'settling', 'settled']);

const METHODS: Record<string, PaymentMethod> = {
  credit_card: 'card',
  apple_pay_card: 'wallet',
  android_pay_card: 'wallet',
  google_pay_card: 'wallet',
  samsung_pay_card: 'wallet',
  visa_checkout_card: 'wallet',
  masterpass_card: 'wallet',
  paypal_account: 'wallet',
  paypal_here: 'wallet',
  venmo_account: 'wallet',
  us_bank_account: 'bank_transfer',
  sepa_debit_account: 'bank_transfer',
};

export const verifyBraintree: Verifier<'braintree'> = (notification, credentials) => {
  if (!credentials.public_key || !credentials.private_key) throw new SignatureError('the provider has no keys');
  // The form is read only to find the signed text: nothing in the payload is looked at before it checks out.
  const form = new URLSearchParams(notification.rawBody.toString('utf8'));
  const signatures = form.getAll('bt_signature');
  const payloads = form.getAll('bt_payload');
  if (signatures.length !== 1 || payloads.length !== 1) throw new SignatureError('bt_signature and bt_payload are each needed once');
  const signature = signatures[0] as string;
  const payload = payloads[0] as string;
  if (!PAYLOAD_CHARACTERS.test(payload)) throw new SignatureError('bt_payload is not base64');

  const given = signature
    .split('&')
    .map((pair) => pair.split('|'))
    .find((pair) => pair.length === 2 && pair[0] === credentials.public_key)?.[1];
  if (!given) throw new SignatureError('bt_signature has no signature for this public key');

  const key = createHash('sha1').update(credentials.private_key, 'latin1').digest();
  const matches = [payload, `${payload}\n`]
    .map((data) => sameText(given, createHmac('sha1', key).update(data, 'latin1').digest('hex')))
    .some(Boolean);
  if (!matches) throw new SignatureError('bt_signature does not match');
  return { events: readEvents(Buffer.from(payload, 'base64').toString('utf8'), notification.receivedAt) };
};

/**
 * The money movement a signed notification reports, or none. Braintree gives notifications no id, and one sale can
 * be reported by more than one kind (a subscription charge, then its settlement), so the event id is the transaction
 * and what it did: a redelivery, or a second report of the same movement, counts once.
 */
function readEvents(xml: string, receivedAt: Date): ProviderEvent[] {
  const root = readXml(xml);
  if (!root || root.name !== 'notification') return [];
  const kind = childText(root, 'kind');
  const subject = child(root, 'subject');
  if (!kind || !subject) return [];
  const transaction = SUBSCRIPTION_CHARGES.has(kind)
    ? child(child(child(subject, 'subscription'), 'transactions'), 'transaction')
    : child(subject, 'transaction');
  if (!transaction) return [];

  const id = childText(transaction, 'id');
  const status = childText(transaction, 'status') ?? '';
  const type = childText(transaction, 'type') ?? 'sale';
  const movement: ProviderEventKind | undefined =
    type === 'credit' ? (CREDIT_SETTLING.has(status) ? 'refund' : undefined) : type === 'sale' ? SALE_KINDS[status] : undefined;
  const amount = money(childText(transaction, 'amount'), childText(transaction, 'currency-iso-code'));
  if (!id || !movement || !amount) return [];
  return [
    {
      provider: 'braintree',
      event_id: `${id}:${movement}`,
      kind: movement,
      order_ref: childText(transaction, 'order-id'),
      amount,
      occurred_at: isoTime(childText(root, 'timestamp')) ?? receivedAt.toISOString(),
      method: METHODS[childText(transaction, 'payment-instrument-type') ?? ''] ?? null,
      // A refund is its own transaction; the payment it belongs to is the sale it refunds.
      reference: (type === 'credit' ? childText(transaction, 'refunded-transaction-id') : null) ?? id,
    },
  ];
}

/** Braintree's decimal amount ("10.00", "100") in minor units of `currency`; null when it is not exactly one. */
function money(amount: string | null, currency: string | null): Money | null {
  if (!amount || !currency || !/^[A-Z]{3}$/.test(currency)) return null;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(amount);
  if (!match) return null;
  const digits = minorDigits(currency);
  const fraction = match[2] ?? '';
  if (/[^0]/.test(fraction.slice(digits))) return null;
  const value = Number(`${match[1]}${fraction.slice(0, digits).padEnd(digits, '0')}`);
  return Number.isSafeInteger(value) ? { value, currency } : null;
}

function isoTime(value: string | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** An XML element as far as a notification needs it: its name, child elements and text. */
interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

function child(element: XmlElement | null | undefined, name: string): XmlElement | null {
  return element?.children.find((c) => c.name === name) ?? null;
}

function childText(element: XmlElement, name: string): string | null {
  const found = child(element, name);
  if (!found || found.children.length > 0) return null;
  const value = found.text.trim();
  return value.length > 0 ? value : null;
}

const MAX_DEPTH = 32;
const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const OPEN_TAG = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
const CLOSE_TAG = new RegExp(`^</(${NAME})\\s*>`);
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * A strict reader of the XML Braintree sends: an optional declaration, then elements, attributes and text with the
 * five named and numeric character references. Anything else (a DOCTYPE, comments, CDATA, unbalanced tags) is not
 * a notification, and the answer is null.
 */
function readXml(xml: string): XmlElement | null {
  let rest = xml.replace(/^\uFEFF?\s*(<\?xml[^?]*\?>)?\s*/, '');
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (rest.length > 0) {
    if (root) return rest.trim().length === 0 ? root : null;
    if (rest.startsWith('</')) {
      const close = CLOSE_TAG.exec(rest);
      const open = stack.pop();
      if (!close || !open || close[1] !== open.name) return null;
      rest = rest.slice(close[0].length);
      if (stack.length === 0) root = open;
    } else if (rest.startsWith('<')) {
      const tag = OPEN_TAG.exec(rest);
      if (!tag || stack.length >= MAX_DEPTH) return null;
      const element: XmlElement = { name: tag[1] as string, children: [], text: '' };
      stack.at(-1)?.children.push(element);
      rest = rest.slice(tag[0].length);
      if (tag[3] === '/') {
        if (stack.length === 0) root = element;
      } else {
        stack.push(element);
      }
    } else {
      const end = rest.indexOf('<');
      const raw = end === -1 ? rest : rest.slice(0, end);
      const parent = stack.at(-1);
      const decoded = decodeText(raw);
      if (!parent || decoded === null) return null;
      parent.text += decoded;
      rest = rest.slice(raw.length);
    }
  }
  return root;
}

function decodeText(raw: string): string | null {
  let invalid = false;
  const decoded = raw.replace(/&([^;&\s]{1,10});|&/g, (whole, ref: string | undefined) => {
    if (ref === undefined) {
      invalid = true;
      return whole;
    }
    if (Object.hasOwn(ENTITIES, ref)) return ENTITIES[ref] as string;
    const code = /^#x([0-9a-fA-F]+)$/.exec(ref)?.[1] ?? /^#([0-9]+)$/.exec(ref)?.[1];
    const point = code === undefined ? NaN : ref.startsWith('#x') ? parseInt(code, 16) : parseInt(code, 10);
    if (!Number.isInteger(point) || point <= 0 || point > 0x10ffff) {
      invalid = true;
      return whole;
    }
    return String.fromCodePoint(point);
  });
  return invalid ? null : decoded;
}
