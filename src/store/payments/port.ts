import type { EffectKind } from '../../domain/effects';
import type { Payment, PaymentTransaction, TransactionKind } from '../../domain/payment';
import type { ReportRange } from '../search/port';

/**
 * Payment transactions and the payment state they leave on their order. A transaction posted on an order is unique by
 * `(tenant, order, event_id)`; one a provider reports (a later addition) by `(tenant, provider, provider_event_id)`, so
 * each counts once whatever the order of arrival. Recording one writes the order's `payment` in the same atomic write,
 * under the order's revision guard, so a payment and a delivery event on one order never overwrite each other.
 */
export interface PaymentLedger {
  /** Records a transaction on an order and the order's new payment, atomically (see {@link PaymentCommitResult}). */
  recordPayment(commit: PaymentCommit): Promise<PaymentCommitResult>;
  /** The transaction posted on an order under `eventId`, or null. */
  findPayment(tenantId: string, orderId: string, eventId: string): Promise<PaymentTransaction | null>;
  /**
   * The transaction whose record wrote the order's revision `rev` (what its outbox row is keyed by), or null (none
   * did, or it was recorded before transactions kept their revision).
   */
  findPaymentAtRevision(orderId: string, rev: number): Promise<PaymentTransaction | null>;
  /**
   * The figures of `GET /v1/reports/payments` (see {@link PaymentReport}), computed where the data is (aggregates, not
   * rows brought back). `range` bounds the transactions by `recorded_at`; the cash due is as of now.
   */
  paymentReport(tenantId: string, range: ReportRange): Promise<PaymentReport>;
  /** Every transaction recorded on an order, in the order they were recorded. */
  orderTransactions(tenantId: string, orderId: string): Promise<PaymentTransaction[]>;
  /** The transaction a provider's event made, matched to an order or not, or null. */
  findProviderEvent(tenantId: string, provider: string, providerEventId: string): Promise<PaymentTransaction | null>;
  /** One of the tenant's transactions by its id, or null. */
  findTransaction(tenantId: string, transactionId: string): Promise<PaymentTransaction | null>;
  /**
   * Keeps a provider's event that names no known order (`order_id` null), once per provider event id: the same event
   * again answers the first.
   */
  recordUnmatched(tenantId: string, transaction: PaymentTransaction): Promise<UnmatchedResult>;
  /**
   * Applies an unmatched transaction to an order: the transaction names the order from now on and the order's new
   * payment is written, atomically, under the order's revision guard (see {@link MatchCommit}).
   */
  matchTransaction(commit: MatchCommit): Promise<MatchResult>;
  /** A page of the tenant's transactions, newest recorded first (see {@link TransactionQuery}). */
  listTransactions(tenantId: string, query: TransactionQuery): Promise<TransactionPage>;
}

export type UnmatchedResult = { kind: 'ok' } | { kind: 'duplicate'; transaction: PaymentTransaction };

export interface MatchCommit {
  tenantId: string;
  transactionId: string;
  orderId: string;
  /** The order's revision the new payment was decided on; the write bumps it. */
  expectedRev: number;
  /** The transaction's id on the order (as {@link PaymentCommit.eventId}). */
  eventId: string;
  /** The order's payment with the transaction applied. */
  payment: Payment;
  /** Effects owed under the revision written, made at `at`. */
  effects?: EffectKind[];
  at: string;
}

export type MatchResult =
  | { kind: 'ok'; rev: number; transaction: PaymentTransaction }
  | { kind: 'rev_conflict' }
  /** No such transaction, or it names an order already. */
  | { kind: 'not_unmatched' };

/** Filters of `GET /v1/payments/transactions`; `from`/`to` bound `recorded_at` (`[from, to)`). */
export interface TransactionFilter {
  from?: string;
  to?: string;
  /** A provider's name, or null for the transactions no provider reported (posted by the business or a courier). */
  provider?: string | null;
  kind?: TransactionKind;
  match?: 'matched' | 'unmatched';
  orderId?: string;
}

export interface TransactionQuery extends TransactionFilter {
  limit: number;
  /** Position after which to continue (newest first), from a previous page. */
  after?: TransactionCursor;
}

export interface TransactionCursor {
  recorded_at: string;
  id: string;
}

export interface TransactionPage {
  items: PaymentTransaction[];
  /** Null on the last page. */
  next: TransactionCursor | null;
}

/** The id on its order (`PaymentCommit.eventId`) of the transaction a provider's event made. */
export function providerEventKey(provider: string, providerEventId: string): string {
  return `provider:${provider}:${providerEventId}`;
}

/**
 * Money across a tenant's payments (API.md "Payments"), amounts in minor units of their row's currency. Rows sort by
 * provider (or courier id), then currency, in byte order, the same in every store.
 */
export interface PaymentReport {
  /**
   * Per provider and currency, the transactions a provider reported that were recorded in the range: `paid` sums the
   * PAID_KINDS, `refunded` the REFUNDED_KINDS, `count` counts them all (every kind).
   */
  by_provider: Array<{ provider: string; currency: string; paid: number; refunded: number; count: number }>;
  /**
   * Per courier and currency: `due`, the cash still to collect now on the orders assigned to the courier whose payment
   * is `cod_due` (their `amount_due`), whenever they were placed, leaving out orders in an UNCOLLECTABLE_STATUSES
   * status; `collected`, the `cod_collected` transactions recorded in the range on the courier's name.
   */
  cash: Array<{ courier_id: string; currency: string; due: number; collected: number }>;
  /** Transactions recorded in the range that name no known order. */
  unmatched: number;
}

export interface PaymentCommit {
  tenantId: string;
  orderId: string;
  /** The order's revision the new payment was decided on; the write bumps it. */
  expectedRev: number;
  /** The poster's id for the transaction: the same id again is the same transaction. */
  eventId: string;
  transaction: PaymentTransaction;
  /** The order's payment after the transaction. */
  payment: Payment;
  /**
   * Effects the transaction owes (its webhook messages), recorded in the same write under the revision it writes
   * (`expectedRev + 1`), made at the transaction's `recorded_at`: stored if and only if the transaction is.
   */
  effects?: EffectKind[];
}

export type PaymentCommitResult =
  | { kind: 'ok'; rev: number }
  /** Another writer changed the order first: reload and decide again. */
  | { kind: 'rev_conflict' }
  /** The event id was recorded on this order before: the transaction it made. */
  | { kind: 'duplicate'; transaction: PaymentTransaction };
