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

/** The kinds a payment provider reports (API.md "Payments"). */
export const PROVIDER_KINDS = ['authorization', 'capture', 'refund', 'failure'] as const satisfies readonly TransactionKind[];
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** A provider's money movement as the payment state machine reads it (a recorded transaction, or the one arriving). */
export interface ProviderMovement {
  kind: ProviderKind;
  amount: Money;
  occurred_at: string;
}

/**
 * Why a provider event was kept (recorded as a transaction) without moving the payment, or only in part:
 * - `cash`: the order is paid in cash on delivery, which only its courier's collection moves;
 * - `currency_mismatch`: the event is in another currency than the order's payment (see {@link paymentCurrency});
 * - `over_refund`: the refunds would exceed what was paid; the excess is not applied (it counts once a later
 *   capture covers it).
 */
export type ProviderEventRefusal = 'cash' | 'currency_mismatch' | 'over_refund';

export interface ProviderEventDecision {
  /** The order's payment with the event: the same as before when nothing of it applied. */
  payment: Payment;
  refusal: ProviderEventRefusal | null;
}

/**
 * The currency an order's payment is in: the amount due's, else the order's amount's, else that of the earliest
 * provider movement recorded on it (the first one sets it), else null.
 */
export function paymentCurrency(payment: Payment, orderAmount: Money | null, recorded: readonly ProviderMovement[]): string | null {
  const known = payment.amount_due?.currency ?? orderAmount?.currency;
  if (known) return known;
  return [...recorded].sort(byOccurrence)[0]?.amount.currency ?? null;
}

/**
 * The order's payment once a provider event is added to those recorded on it. The payment is a function of the set of
 * movements, not of their order of arrival, so a repeat or a late event never undoes a later state:
 * - paid = the captures; refunded = the refunds, never more than paid (the excess waits for a capture to cover it);
 * - with a refund applied: `refunded` when it covers what was paid, else `partially_refunded`; else with something
 *   paid, `paid` (a late authorization or failure leaves it paid);
 * - else the latest (by `occurred_at`) of the authorizations and failures: `authorized` or `failed`.
 * An event in another currency than the payment's is kept but moves nothing (it sums with no other); an order paid in
 * cash on delivery is left to its courier.
 */
export function decideProviderEvent(input: {
  payment: Payment;
  orderAmount: Money | null;
  recorded: readonly ProviderMovement[];
  event: ProviderMovement & { method: PaymentMethod | null };
  /** The provider that reported it; null for a payment the business posted (the payment's provider stays). */
  provider: string | null;
  at: string;
}): ProviderEventDecision {
  const { payment, orderAmount, recorded, event, provider, at } = input;
  if (payment.method === 'cash' || payment.status === 'cod_due' || payment.status === 'cod_collected') return { payment, refusal: 'cash' };
  const currency = paymentCurrency(payment, orderAmount, recorded) ?? event.amount.currency;
  if (event.amount.currency !== currency) return { payment, refusal: 'currency_mismatch' };
  const movements = [...recorded, event].filter((movement) => movement.amount.currency === currency);
  const before = foldMovements(recorded.filter((movement) => movement.amount.currency === currency));
  const after = foldMovements(movements);
  const next: Payment = {
    ...payment,
    status: after.status ?? payment.status,
    method: event.method ?? payment.method,
    amount_paid: after.paid > 0 ? { value: after.paid, currency } : payment.amount_paid,
    amount_refunded: after.refunded > 0 ? { value: after.refunded, currency } : payment.amount_refunded,
    provider: provider ?? payment.provider,
    updated_at: at,
  };
  const overRefund = event.kind === 'refund' && after.refunded - before.refunded < event.amount.value;
  return { payment: next, refusal: overRefund ? 'over_refund' : null };
}

interface Folded {
  status: PaymentStatus | null;
  paid: number;
  refunded: number;
}

/** What a set of provider movements in one currency comes to (see {@link decideProviderEvent}). */
function foldMovements(movements: readonly ProviderMovement[]): Folded {
  let paid = 0;
  let refunds = 0;
  let latest: ProviderMovement | null = null;
  for (const movement of movements) {
    if (movement.kind === 'capture') paid += movement.amount.value;
    else if (movement.kind === 'refund') refunds += movement.amount.value;
    else if (!latest || byOccurrence(latest, movement) <= 0) latest = movement;
  }
  const refunded = Math.min(refunds, paid);
  if (refunded > 0) return { status: refunded >= paid ? 'refunded' : 'partially_refunded', paid, refunded };
  if (paid > 0) return { status: 'paid', paid, refunded };
  if (latest) return { status: latest.kind === 'authorization' ? 'authorized' : 'failed', paid, refunded };
  return { status: null, paid, refunded };
}

function byOccurrence(a: ProviderMovement, b: ProviderMovement): number {
  return Date.parse(a.occurred_at) - Date.parse(b.occurred_at);
}

/**
 * The money movement a recorded transaction is, as the state machine reads it: a provider's as it is; a payment or a
 * refund the business posted (money taken elsewhere) as a capture or a refund; null for the others (cash collected
 * on delivery has its own course).
 */
export function movementOf(transaction: PaymentTransaction): ProviderMovement | null {
  if (isProviderMovement(transaction)) return transaction;
  if (transaction.provider !== null) return null;
  if (transaction.kind === 'payment') return { kind: 'capture', amount: transaction.amount, occurred_at: transaction.occurred_at };
  if (transaction.kind === 'refund') return { kind: 'refund', amount: transaction.amount, occurred_at: transaction.occurred_at };
  return null;
}

/** Whether a transaction is a provider's movement (and so counts in {@link decideProviderEvent}). */
export function isProviderMovement(transaction: PaymentTransaction): transaction is PaymentTransaction & { kind: ProviderKind } {
  return transaction.provider !== null && (PROVIDER_KINDS as readonly string[]).includes(transaction.kind);
}

/** What was paid less what was refunded, or null when nothing was paid (what `loyalty_basis: paid` earns points on). */
export function paidLessRefunds(payment: Payment): Money | null {
  if (!payment.amount_paid) return null;
  const refunded = payment.amount_refunded?.currency === payment.amount_paid.currency ? payment.amount_refunded.value : 0;
  return { value: Math.max(0, payment.amount_paid.value - refunded), currency: payment.amount_paid.currency };
}
