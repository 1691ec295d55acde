import type { EffectKind } from '../../domain/effects';
import type { Payment, PaymentTransaction } from '../../domain/payment';

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
