import type { PaymentTransaction } from '../../domain/payment';
import type { MongoContext } from '../mongo/context';
import type { PostedPaymentDocument } from '../mongo/documents';
import { owedEffects } from '../outbox/mongo';
import type { PaymentCommit, PaymentCommitResult, PaymentLedger } from './port';

/**
 * Payment transactions on MongoDB, without multi-document transactions: the order's document holds each transaction
 * posted on it, so recording one, the payment it leaves and the effects it owes (the order's outbox) is one guarded
 * update (revision and event id in the filter). The `payment_transactions` collection keeps a copy for listings across orders, written after; a repeat of
 * the post writes it again, so a node that stopped between the two leaves no transaction uncopied for long.
 */
export class MongoPaymentLedger implements PaymentLedger {
  constructor(private readonly db: Pick<MongoContext, 'orders' | 'paymentTransactions' | 'run'>) {}

  recordPayment(commit: PaymentCommit): Promise<PaymentCommitResult> {
    return this.db.run(async () => {
      const { tenantId, orderId, expectedRev, eventId, transaction, payment, effects = [] } = commit;
      const rev = expectedRev + 1;
      const posted: PostedPaymentDocument = { ...transaction, event_id: eventId, order_rev: rev };
      const stored = await this.db.orders.updateOne(
        { _id: orderId, tenant_id: tenantId, rev: expectedRev, 'payments.event_id': { $ne: eventId } },
        {
          $set: { payment },
          $inc: { rev: 1 },
          $push: { payments: posted, effects: { $each: owedEffects(effects, rev, transaction.recorded_at) } },
        },
      );
      if (stored.matchedCount > 0) {
        await this.copy(tenantId, posted);
        return { kind: 'ok', rev };
      }
      const original = await this.posted(tenantId, orderId, eventId);
      if (!original) return { kind: 'rev_conflict' };
      await this.copy(tenantId, original);
      return { kind: 'duplicate', transaction: transactionOf(original) };
    });
  }

  findPayment(tenantId: string, orderId: string, eventId: string): Promise<PaymentTransaction | null> {
    return this.db.run(async () => {
      const original = await this.posted(tenantId, orderId, eventId);
      return original ? transactionOf(original) : null;
    });
  }

  findPaymentAtRevision(orderId: string, rev: number): Promise<PaymentTransaction | null> {
    return this.db.run(async () => {
      const doc = await this.db.orders.findOne<{ payments?: PostedPaymentDocument[] }>(
        { _id: orderId, 'payments.order_rev': rev },
        { projection: { payments: { $elemMatch: { order_rev: rev } } } },
      );
      const posted = doc?.payments?.[0];
      return posted ? transactionOf(posted) : null;
    });
  }

  private async posted(tenantId: string, orderId: string, eventId: string): Promise<PostedPaymentDocument | null> {
    const doc = await this.db.orders.findOne<{ payments?: PostedPaymentDocument[] }>(
      { _id: orderId, tenant_id: tenantId, 'payments.event_id': eventId },
      { projection: { payments: { $elemMatch: { event_id: eventId } } } },
    );
    return doc?.payments?.[0] ?? null;
  }

  private async copy(tenantId: string, posted: PostedPaymentDocument): Promise<void> {
    const { id, ...rest } = posted;
    await this.db.paymentTransactions.updateOne({ _id: id }, { $setOnInsert: { ...rest, tenant_id: tenantId } }, { upsert: true });
  }
}

function transactionOf(doc: PostedPaymentDocument): PaymentTransaction {
  return {
    id: doc.id,
    order_id: doc.order_id,
    provider: doc.provider,
    provider_event_id: doc.provider_event_id,
    kind: doc.kind,
    amount: doc.amount,
    occurred_at: doc.occurred_at,
    recorded_at: doc.recorded_at,
    courier_id: doc.courier_id,
  };
}
