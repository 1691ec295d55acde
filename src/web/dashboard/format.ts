/** How the dashboard writes statuses, times, money and API errors for people. */
import type { Money } from '../../domain/order';
import type { Payment, PaymentMethod, PaymentStatus, TransactionKind } from '../../domain/payment';
import type { FailReason } from '../../domain/proof';
import type { OrderStatus } from '../../domain/status';
import { ApiError } from '../shared/api';

/** A status in words, lower case ("out for delivery"), for sentences. */
export function statusWords(status: string): string {
  return status.replace(/_/g, ' ');
}

/** A status as a label ("Out for delivery"). */
export function statusLabel(status: string): string {
  const words = statusWords(status);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const shortDateTime = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** An instant in the viewer's time zone ("12 Mar 2025, 14:05"). */
export function formatDateTime(iso: string | null | undefined): string {
  return iso ? dateTime.format(new Date(iso)) : '—';
}

/** A compact instant: the time alone when it is today, else day and time. */
export function formatShort(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return new Date(now).toDateString() === date.toDateString() ? timeOnly.format(date) : shortDateTime.format(date);
}

/** How long ago (or from now) an instant is, roughly ("5 min. ago", "in 2 hr."). */
export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relative.format(Math.round(seconds / 3600), 'hour');
  return relative.format(Math.round(seconds / 86_400), 'day');
}

/** A duration in seconds in words ("1 h 25 min"). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return '< 1 min';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** Minor units in the currency's own format ("HK$129.00"). */
export function formatMoney(money: Money | null | undefined): string {
  if (!money) return '—';
  let format = moneyFormats.get(money.currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency: money.currency });
    } catch {
      format = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2 });
    }
    moneyFormats.set(money.currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.value / 10 ** digits);
}

const FAIL_REASON_LABELS: Record<FailReason, string> = {
  not_home: 'Nobody was home',
  refused: 'Refused by the recipient',
  address_not_found: 'Address not found',
  access_denied: 'Could not get access',
  damaged: 'Parcel damaged',
  other: 'Another reason',
};

/** Why a delivery attempt failed, in words ("Nobody was home"); a reason newer than this page as it comes. */
export function failReasonLabel(reason: string): string {
  return FAIL_REASON_LABELS[reason as FailReason] ?? statusLabel(reason);
}

const PAYMENT_STATUS_LABELS: Record<PaymentStatus, string> = {
  none: 'No payment recorded',
  pending: 'Pending',
  authorized: 'Authorized',
  paid: 'Paid',
  partially_refunded: 'Partly refunded',
  refunded: 'Refunded',
  failed: 'Failed',
  cod_due: 'Cash to collect on delivery',
  cod_collected: 'Cash collected',
};

const PAYMENT_METHOD_LABELS: Record<PaymentMethod, string> = { card: 'Card', wallet: 'Wallet', bank_transfer: 'Bank transfer', cash: 'Cash' };

/** Where an order's payment stands, in words ("Cash to collect on delivery"). */
export function paymentStatusLabel(payment: Pick<Payment, 'status'>): string {
  return PAYMENT_STATUS_LABELS[payment.status] ?? statusLabel(payment.status);
}

/** How an order is paid, in words ("Bank transfer"), or null when no method is known. */
export function paymentMethodLabel(payment: Pick<Payment, 'method'>): string | null {
  return payment.method ? (PAYMENT_METHOD_LABELS[payment.method] ?? statusLabel(payment.method)) : null;
}

const PAYMENT_BADGE_LABELS: Record<PaymentStatus, string | null> = {
  none: null,
  pending: 'Pending',
  authorized: 'Authorized',
  paid: 'Paid',
  partially_refunded: 'Part refunded',
  refunded: 'Refunded',
  failed: 'Failed',
  cod_due: 'Cash due',
  cod_collected: 'Cash collected',
};

/** An order's payment as a short label for a badge ("Cash due"), or null when there is nothing to show (`none`). */
export function paymentBadgeLabel(status: string): string | null {
  return status in PAYMENT_BADGE_LABELS ? PAYMENT_BADGE_LABELS[status as PaymentStatus] : statusLabel(status);
}

const TRANSACTION_KIND_LABELS: Record<TransactionKind, string> = {
  authorization: 'Authorization',
  capture: 'Capture',
  refund: 'Refund',
  failure: 'Failure',
  cod_collected: 'Cash collected',
  payment: 'Payment',
};

/** A transaction's kind in words ("Cash collected"). */
export function transactionKindLabel(kind: string): string {
  return TRANSACTION_KIND_LABELS[kind as TransactionKind] ?? statusLabel(kind);
}

const PROVIDER_LABELS: Record<string, string> = {
  stripe: 'Stripe',
  adyen: 'Adyen',
  checkout: 'Checkout.com',
  square: 'Square',
  razorpay: 'Razorpay',
  braintree: 'Braintree',
};

/** A payment provider by its name ("Checkout.com"); a transaction without one was posted by hand or by a courier. */
export function providerLabel(provider: string | null): string {
  return provider === null ? 'Posted' : (PROVIDER_LABELS[provider] ?? provider);
}

/** A rate in [0, 1] as a percentage with one decimal ("92.5%"). */
export function formatPercent(rate: number | null | undefined): string {
  return rate == null ? '—' : `${Math.round(rate * 1000) / 10}%`;
}

/** What went wrong with an API call, in words a member of staff can act on. */
export function errorWords(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof TypeError
      ? 'The server cannot be reached. Check the connection and try again.'
      : 'Something went wrong. Try again.';
  }
  switch (error.code) {
    case 'illegal_transition': {
      const details = error.details as { from?: OrderStatus; to?: OrderStatus } | undefined;
      if (details?.from && details.to) {
        return `An order that is ${statusWords(details.from)} cannot move to ${statusWords(details.to)}.`;
      }
      return 'The order cannot move to that status from where it is now.';
    }
    case 'validation_failed': {
      const issues = Array.isArray(error.details) ? (error.details as Array<{ path?: string; message?: string }>) : [];
      const listed = issues
        .map((issue) => [issue.path, issue.message].filter(Boolean).join(': '))
        .filter(Boolean)
        .join('; ');
      return listed ? `Check the form: ${listed}.` : 'Check the form: some values are not valid.';
    }
    case 'not_found':
      return 'That order does not exist, or it belongs to another tenant.';
    case 'forbidden':
      return 'Your sign-in may not do this.';
    case 'unauthorized':
      return 'Your session has ended. Sign in again.';
    case 'rate_limited':
      return 'Too many requests just now. Wait a moment and try again.';
    case 'unavailable':
      return 'The server cannot reach its store right now. Try again in a moment.';
    case 'idempotency_conflict':
      return 'This change conflicts with an earlier one using the same key.';
    default:
      return error.message ? `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.` : 'The request failed.';
  }
}
