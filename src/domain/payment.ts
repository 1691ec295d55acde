import { ValidationError } from './errors';
import type { OrderStatus } from './status';

/** An amount in minor units of its currency (12900 HKD is HK$129.00). */
export interface Money {
  value: number;
  currency: string;
}

/** Where an order's payment stands (API.md "Payments"); separate from its delivery status and never moving it. */
export type PaymentStatus =
  | 'none'
  | 'pending'
  | 'authorized'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'failed'
  | 'cod_due'
  | 'cod_collected';

export type PaymentMethod = 'card' | 'wallet' | 'bank_transfer' | 'cash';

/** An order's `payment`. */
export interface Payment {
  status: PaymentStatus;
  method: PaymentMethod | null;
  amount_due: Money | null;
  amount_paid: Money | null;
  amount_refunded: Money | null;
  provider: string | null;
  updated_at: string;
}

/** What a transaction records (API.md "Payments"); the kinds providers report come with the providers. */
export type TransactionKind = 'authorization' | 'capture' | 'refund' | 'failure' | 'cod_collected' | 'payment';

/** One money movement on an order, as `POST /v1/orders/:id/payments` answers it. */
export interface PaymentTransaction {
  id: string;
  order_id: string | null;
  provider: string | null;
  provider_event_id: string | null;
  kind: TransactionKind;
  amount: Money;
  occurred_at: string;
  recorded_at: string;
  courier_id: string | null;
}

/** Transaction kinds that count as money paid in a payment report (a provider's capture, a payment taken elsewhere). */
export const PAID_KINDS = ['capture', 'payment'] as const satisfies readonly TransactionKind[];

/** Transaction kinds that count as money refunded in a payment report. */
export const REFUNDED_KINDS = ['refund'] as const satisfies readonly TransactionKind[];

/**
 * Delivery statuses of an order whose cash on delivery is no longer to collect even while its payment still says
 * `cod_due`: the parcel never reached the customer, so no courier holds or will hold that cash.
 */
export const UNCOLLECTABLE_STATUSES = ['cancelled', 'returned'] as const satisfies readonly OrderStatus[];

/** A payment as placed without one: nothing owed through the product until a provider or a post says otherwise. */
export function noPayment(at: string): Payment {
  return { status: 'none', method: null, amount_due: null, amount_paid: null, amount_refunded: null, provider: null, updated_at: at };
}

/** A payment asked for at placement: cash on delivery, of `amount_due` or else the order's amount. */
export interface PaymentRequest {
  method: 'cash';
  amount_due?: Money;
}

/**
 * The payment an order is placed with.
 * @throws ValidationError for cash on delivery with neither an amount due nor an order amount
 */
export function placedPayment(request: PaymentRequest | undefined, orderAmount: Money | null, at: string): Payment {
  if (!request) return noPayment(at);
  const due = request.amount_due ?? orderAmount;
  if (!due) {
    throw new ValidationError('the request is not valid', [
      { path: 'payment.amount_due', message: 'cash on delivery needs an amount_due or an order amount' },
    ]);
  }
  return cashOnDelivery(due, at);
}

/** Cash on delivery of `amountDue`: the courier collects it. */
export function cashOnDelivery(amountDue: Money, at: string): Payment {
  return { ...noPayment(at), status: 'cod_due', method: 'cash', amount_due: amountDue };
}

/** The cash the courier is to collect on delivery, or null when nothing is (not cash, or collected already). */
export function collectOnDelivery(payment: Payment): Money | null {
  return payment.status === 'cod_due' ? payment.amount_due : null;
}

/** Why a cash collection cannot be recorded, or null when it can. */
export type CollectionRefusal = 'not_cash' | 'currency_mismatch';

/** Whether `amount` may be recorded as cash collected on an order with `payment`. */
export function collectionRefusal(payment: Payment, amount: Money): CollectionRefusal | null {
  if (payment.method !== 'cash' || !payment.amount_due) return 'not_cash';
  if (payment.amount_due.currency !== amount.currency) return 'currency_mismatch';
  return null;
}

/** The payment after `amount` was collected in cash: what was collected adds up. */
export function afterCollection(payment: Payment, amount: Money, at: string): Payment {
  const paid = payment.amount_paid?.value ?? 0;
  return { ...payment, status: 'cod_collected', amount_paid: { value: paid + amount.value, currency: amount.currency }, updated_at: at };
}

/** Copies a payment's fields by name (a stored document may carry more). */
export function paymentFrom(source: Payment): Payment {
  return {
    status: source.status,
    method: source.method,
    amount_due: source.amount_due,
    amount_paid: source.amount_paid,
    amount_refunded: source.amount_refunded,
    provider: source.provider,
    updated_at: source.updated_at,
  };
}
