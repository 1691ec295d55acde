/**
 * Razorpay's notifications (API.md "Payments"): one event per POST, signed in `X-Razorpay-Signature` as hex
 * HMAC-SHA256 of the raw body with the webhook secret (razorpay.com/docs/webhooks/validate-test).
 */
import { createHmac } from 'node:crypto';
import type { PaymentMethod } from '../domain/payment';
import { SignatureError, type ProviderEvent, type ProviderEventKind, type Verifier } from './provider-event';
import { sameText } from './reading';

const SIGNATURE_HEADER = 'x-razorpay-signature';

const PAYMENT_KINDS: Record<string, ProviderEventKind> = {
  'payment.authorized': 'authorization',
  'payment.captured': 'capture',
  'payment.failed': 'failure',
};

/**
 * `refund.processed` is the refund that went through; `refund.created` only announces one that may still fail
 * (`refund.failed`), so it moves no money here.
 */
const REFUND_EVENT = 'refund.processed';

const METHODS: Record<string, PaymentMethod> = {
  card: 'card',
  emi: 'card',
  wallet: 'wallet',
  upi: 'bank_transfer',
  netbanking: 'bank_transfer',
  bank_transfer: 'bank_transfer',
};

export const verifyRazorpay: Verifier<'razorpay'> = (notification, credentials) => {
  if (!credentials.webhook_secret) throw new SignatureError('the provider has no webhook secret');
  const given = notification.headers[SIGNATURE_HEADER];
  if (!given) throw new SignatureError(`${SIGNATURE_HEADER} is missing`);
  const expected = createHmac('sha256', credentials.webhook_secret).update(notification.rawBody).digest('hex');
  if (!sameText(given, expected)) throw new SignatureError(`${SIGNATURE_HEADER} does not match`);
  return { events: readEvents(notification.rawBody, notification.receivedAt) };
};

/**
 * The money movement a signed body reports, or none. The event id is the payment's or refund's id with the event
 * name, both inside the signed body: Razorpay's `x-razorpay-event-id` header is outside the signature, so a replayed
 * body under a new header would otherwise count twice. Each payment is authorized, captured or failed once and each
 * refund processed once, so a redelivery gives the same id.
 */
function readEvents(rawBody: Buffer, receivedAt: Date): ProviderEvent[] {
  const body = parseObject(rawBody);
  if (!body || typeof body.event !== 'string') return [];
  const event = body.event;
  const payload = record(body.payload);
  const payment = record(record(payload?.payment)?.entity);
  const occurredAt = epochTime(body.created_at) ?? receivedAt.toISOString();

  const kind = PAYMENT_KINDS[event];
  if (kind) {
    const id = text(payment?.id);
    const amount = money(payment);
    if (!payment || !id || !amount) return [];
    return [
      {
        provider: 'razorpay',
        event_id: `${id}:${event}`,
        kind,
        order_ref: text(record(payment.notes)?.order_id),
        amount,
        occurred_at: occurredAt,
        method: METHODS[text(payment.method) ?? ''] ?? null,
        reference: id,
      },
    ];
  }

  if (event === REFUND_EVENT) {
    const refund = record(record(payload?.refund)?.entity);
    const id = text(refund?.id);
    const amount = money(refund);
    if (!refund || !id || !amount) return [];
    return [
      {
        provider: 'razorpay',
        event_id: `${id}:${event}`,
        kind: 'refund',
        order_ref: text(record(payment?.notes)?.order_id),
        amount,
        occurred_at: occurredAt,
        method: METHODS[text(payment?.method) ?? ''] ?? null,
        reference: text(refund.payment_id) ?? text(payment?.id),
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

/** Razorpay gives amounts in the currency's smallest unit already (paise for INR). */
function money(entity: Record<string, unknown> | null): ProviderEvent['amount'] | null {
  if (!entity || !Number.isSafeInteger(entity.amount) || (entity.amount as number) < 0) return null;
  if (typeof entity.currency !== 'string' || !/^[A-Z]{3}$/.test(entity.currency)) return null;
  return { value: entity.amount as number, currency: entity.currency };
}

/** Razorpay's times are Unix seconds. */
function epochTime(value: unknown): string | null {
  if (!Number.isSafeInteger(value) || (value as number) < 0) return null;
  const date = new Date((value as number) * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}
