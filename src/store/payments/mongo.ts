import type { Document } from 'mongodb';
import { PAID_KINDS, REFUNDED_KINDS, UNCOLLECTABLE_STATUSES, type PaymentTransaction } from '../../domain/payment';
import type { MongoContext } from '../mongo/context';
import type { PostedPaymentDocument } from '../mongo/documents';
import { owedEffects } from '../outbox/mongo';
import type { ReportRange } from '../search/port';
import type { PaymentCommit, PaymentCommitResult, PaymentLedger, PaymentReport } from './port';
import { paymentReportOf, type CourierSum, type ProviderSums } from './report-rows';

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

  /**
   * The report from two aggregations: the transactions' copies recorded in the range (one `$facet` over the
   * `payment_transactions_by_recorded` range), and the orders owing cash through `orders_cod_due`. Not a snapshot: a
   * collection recorded between the two reads may show as due and collected at once, until the next read.
   */
  paymentReport(tenantId: string, range: ReportRange): Promise<PaymentReport> {
    return this.db.run(async () => {
      const [recorded] = await this.db.paymentTransactions.aggregate<RecordedFacets>(recordedPipeline(tenantId, range)).toArray();
      const due = await this.db.orders.aggregate<GroupedSum>(cashDuePipeline(tenantId)).toArray();
      const bySum = (row: GroupedSum): CourierSum => ({ courier_id: row._id.courier_id, currency: row._id.currency, amount: row.amount });
      return paymentReportOf({
        byProvider: (recorded?.by_provider ?? []).map((row) => ({ ...row, provider: row._id.provider, currency: row._id.currency })),
        collected: (recorded?.collected ?? []).map(bySum),
        unmatched: recorded?.unmatched[0]?.n ?? 0,
        due: due.map(bySum),
      });
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

interface GroupedSum {
  _id: { courier_id: string; currency: string };
  amount: number;
}

interface RecordedFacets {
  by_provider: Array<Omit<ProviderSums, 'provider' | 'currency'> & { _id: { provider: string; currency: string } }>;
  collected: GroupedSum[];
  /** Empty when none is unmatched (`$group` over nothing yields no group). */
  unmatched: Array<{ n: number }>;
}

/** The sum of the amounts of the transactions whose kind is one of `kinds`. */
const sumOfKinds = (kinds: readonly string[]): Document => ({ $sum: { $cond: [{ $in: ['$kind', [...kinds]] }, '$amount.value', 0] } });

/** The transactions' side of the report (exported so its plan can be read with `explain`). */
export function recordedPipeline(tenantId: string, range: ReportRange): Document[] {
  return [
    { $match: { tenant_id: tenantId, recorded_at: { $gte: range.from, $lt: range.to } } },
    {
      $facet: {
        by_provider: [
          { $match: { provider: { $type: 'string' } } },
          {
            $group: {
              _id: { provider: '$provider', currency: '$amount.currency' },
              paid: sumOfKinds(PAID_KINDS),
              refunded: sumOfKinds(REFUNDED_KINDS),
              count: { $sum: 1 },
            },
          },
        ],
        collected: [
          { $match: { kind: 'cod_collected', courier_id: { $type: 'string' } } },
          { $group: { _id: { courier_id: '$courier_id', currency: '$amount.currency' }, amount: { $sum: '$amount.value' } } },
        ],
        unmatched: [{ $match: { order_id: null } }, { $group: { _id: null, n: { $sum: 1 } } }],
      },
    },
  ];
}

/**
 * The cash still to collect: orders assigned to a courier whose payment is `cod_due` (the condition of the partial
 * index `orders_cod_due`, repeated so the planner may use it), summed per courier and currency.
 */
export function cashDuePipeline(tenantId: string): Document[] {
  return [
    {
      $match: {
        tenant_id: tenantId,
        courier_id: { $type: 'string' },
        'payment.status': 'cod_due',
        'payment.amount_due.currency': { $type: 'string' },
        status: { $not: { $in: [...UNCOLLECTABLE_STATUSES] } },
      },
    },
    { $group: { _id: { courier_id: '$courier_id', currency: '$payment.amount_due.currency' }, amount: { $sum: '$payment.amount_due.value' } } },
  ];
}
