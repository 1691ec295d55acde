/**
 * Square's notifications (API.md "Payments"): one event per POST, signed in `x-square-hmacsha256-signature` with the
 * subscription's signature key as base64 HMAC-SHA256 over the notification URL exactly as registered followed by the
 * raw body (developer.squareup.com/docs/webhooks/step3validate).
 */
import { createHmac } from 'node:crypto';
import type { PaymentMethod } from '../domain/payment';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { sameText } from './reading';

const SIGNATURE_HEADER = 'x-square-hmacsha256-signature';

const PAYMENT_KINDS: Record<string, ProviderEventKind> = {
  APPROVED: 'authorization',
  COMPLETED: 'capture',
  FAILED: 'failure',
  CANCELED: 'failure',
};

const METHODS: Record<string, PaymentMethod> = {
  CARD: 'card',
  WALLET: 'wallet',
  BANK_ACCOUNT: 'bank_transfer',
  CASH: 'cash',
};

export const verifySquare: Verifier<'square'> = (notification, credentials) => {
  if (!credentials.signature_key || !credentials.notification_url) throw new SignatureError('the provider has no signature key');
  const given = notification.headers[SIGNATURE_HEADER];
  if (!given) throw new SignatureError(`${SIGNATURE_HEADER} is missing`);
  const expected = createHmac('sha256', credentials.signature_key)
    .update(Buffer.from(credentials.notification_url, 'utf8'))
    .update(notification.rawBody)
    .digest('base64');
  if (!sameText(given, expected)) throw new SignatureError(`${SIGNATURE_HEADER} does not match`);
  return { events: readEvents(notification.rawBody, notification.receivedAt) };
};

/**
 * The money movement a signed body reports, or none. A payment's `payment.updated` comes again whenever anything on
 * it changes (a refund adds `refunded_money`, fees are attached) with the same status and a new `event_id`, so the
 * event id is the movement itself: the payment or refund and what happened to it. A redelivery, or a second
 * notification of the same movement, counts once.
 */
function readEvents(rawBody: Buffer, receivedAt: Date): ProviderEvent[] {
  const body = parseObject(rawBody);
  if (!body) return [];
  const type = body.type;
  const object = record(record(body.data)?.object);
  if (!object) return [];
  const occurredAt = isoTime(body.created_at) ?? receivedAt.toISOString();

  if (type === 'payment.created' || type === 'payment.updated') {
    const payment = record(object.payment);
    const id = text(payment?.id);
    const kind = PAYMENT_KINDS[text(payment?.status) ?? ''];
    const amount = money(payment?.amount_money);
    if (!payment || !id || !kind || !amount) return [];
    return [
      {
        provider: 'square',
        event_id: `payment:${id}:${kind}`,
        kind,
        order_ref: text(payment.reference_id),
        amount,
        occurred_at: occurredAt,
        method: METHODS[text(payment.source_type) ?? ''] ?? null,
        reference: id,
      },
    ];
  }

  if (type === 'refund.created' || type === 'refund.updated') {
    // A refund names its payment (`payment_id`) but not the payment's `reference_id`: it is matched to the order
    // through the payment's earlier events, by `reference`.
    const refund = record(object.refund);
    const id = text(refund?.id);
    const amount = money(refund?.amount_money);
    if (!refund || !id || refund.status !== 'COMPLETED' || !amount) return [];
    return [
      {
        provider: 'square',
        event_id: `refund:${id}`,
        kind: 'refund',
        order_ref: text(refund.reference_id),
        amount,
        occurred_at: occurredAt,
        method: METHODS[text(refund.destination_type) ?? ''] ?? null,
        reference: text(refund.payment_id),
      },
    ];
  }

  return [];
}

function parseObject(rawBody: Buffer): Record<string, unknown> | null {
  try {
    return record(JSON.parse(rawBody.toString('utf8')));
  } catch {
    return null;
  }
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function money(value: unknown): ProviderEvent['amount'] | null {
  const m = record(value);
  if (!m || !Number.isSafeInteger(m.amount) || (m.amount as number) < 0) return null;
  if (typeof m.currency !== 'string' || !/^[A-Z]{3}$/.test(m.currency)) return null;
  return { value: m.amount as number, currency: m.currency };
}

function isoTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
