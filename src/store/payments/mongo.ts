import type { Document } from 'mongodb';
import { PAID_KINDS, REFUNDED_KINDS, UNCOLLECTABLE_STATUSES, type PaymentTransaction } from '../../domain/payment';
import type { MongoContext } from '../mongo/context';
import type { PaymentTransactionDocument, PostedPaymentDocument } from '../mongo/documents';
import { isDuplicateKey } from '../mongo/errors';
import { owedEffects } from '../outbox/mongo';
import type { ReportRange } from '../search/port';
import type {
  MatchCommit,
  MatchResult,
  PaymentCommit,
  PaymentCommitResult,
  PaymentLedger,
  PaymentReport,
  TransactionPage,
  TransactionQuery,
  UnmatchedResult,
} from './port';
import { pageOf } from './transaction-row';
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

  orderTransactions(tenantId: string, orderId: string): Promise<PaymentTransaction[]> {
    return this.db.run(async () => {
      const doc = await this.db.orders.findOne<{ payments?: PostedPaymentDocument[] }>({ _id: orderId, tenant_id: tenantId }, { projection: { payments: 1 } });
      return (doc?.payments ?? []).map(transactionOf);
    });
  }

  findProviderEvent(tenantId: string, provider: string, providerEventId: string): Promise<PaymentTransaction | null> {
    return this.db.run(async () => {
      const doc = await this.db.paymentTransactions.findOne({ tenant_id: tenantId, provider, provider_event_id: providerEventId });
      return doc ? copyToTransaction(doc) : null;
    });
  }

  findTransaction(tenantId: string, transactionId: string): Promise<PaymentTransaction | null> {
    return this.db.run(async () => {
      const doc = await this.db.paymentTransactions.findOne({ _id: transactionId, tenant_id: tenantId });
      return doc ? copyToTransaction(doc) : null;
    });
  }

  /** Unmatched, the `payment_transactions` document is the only record; its unique index keeps one per provider event. */
  recordUnmatched(tenantId: string, transaction: PaymentTransaction): Promise<UnmatchedResult> {
    return this.db.run(async () => {
      const { id, ...rest } = transaction;
      try {
        await this.db.paymentTransactions.insertOne({ _id: id, ...rest, order_id: null, event_id: null, tenant_id: tenantId });
        return { kind: 'ok' };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const first = await this.db.paymentTransactions.findOne({
        tenant_id: tenantId, provider: transaction.provider, provider_event_id: transaction.provider_event_id,
      });
      if (!first) throw new Error(`transaction ${id} neither recorded nor found`);
      return { kind: 'duplicate', transaction: copyToTransaction(first) };
    });
  }

  /**
   * The order's document takes the transaction first (guarded by revision and by its id not being there yet), then the
   * copy is marked matched. A node stopping between the two leaves the copy unmatched while the order holds it: a
   * second match finds it on the order, completes the copy and answers `not_unmatched`.
   */
  matchTransaction(commit: MatchCommit): Promise<MatchResult> {
    const { tenantId, transactionId, orderId, expectedRev, eventId, payment, effects = [], at } = commit;
    return this.db.run(async (): Promise<MatchResult> => {
      const copy = await this.db.paymentTransactions.findOne({ _id: transactionId, tenant_id: tenantId, order_id: null });
      if (!copy) return { kind: 'not_unmatched' };
      const rev = expectedRev + 1;
      const transaction = { ...copyToTransaction(copy), order_id: orderId };
      const posted: PostedPaymentDocument = { ...transaction, event_id: eventId, order_rev: rev };
      const stored = await this.db.orders.updateOne(
        { _id: orderId, tenant_id: tenantId, rev: expectedRev, 'payments.id': { $ne: transactionId } },
        { $set: { payment }, $inc: { rev: 1 }, $push: { payments: posted, effects: { $each: owedEffects(effects, rev, at) } } },
      );
      if (stored.matchedCount === 0) {
        const holder = await this.db.orders.findOne<{ _id: string; payments?: PostedPaymentDocument[] }>(
          { tenant_id: tenantId, 'payments.id': transactionId },
          { projection: { payments: { $elemMatch: { id: transactionId } } } },
        );
        const held = holder?.payments?.[0];
        if (!held) return { kind: 'rev_conflict' };
        await this.markMatched(transactionId, held);
        return { kind: 'not_unmatched' };
      }
      await this.markMatched(transactionId, posted);
      return { kind: 'ok', rev, transaction };
    });
  }

  listTransactions(tenantId: string, query: TransactionQuery): Promise<TransactionPage> {
    return this.db.run(async () => {
      const filter: Document = { tenant_id: tenantId };
      const recorded: Document = {};
      if (query.from !== undefined) recorded.$gte = query.from;
      if (query.to !== undefined) recorded.$lt = query.to;
      if (Object.keys(recorded).length > 0) filter.recorded_at = recorded;
      if (query.provider !== undefined) filter.provider = query.provider;
      if (query.kind !== undefined) filter.kind = query.kind;
      if (query.orderId !== undefined) filter.order_id = query.orderId;
      else if (query.match === 'matched') filter.order_id = { $type: 'string' };
      else if (query.match === 'unmatched') filter.order_id = null;
      if (query.orderId !== undefined && query.match === 'unmatched') return { items: [], next: null };
      const conditions: Document[] = [filter];
      if (query.after) {
        conditions.push({
          $or: [{ recorded_at: { $lt: query.after.recorded_at } }, { recorded_at: query.after.recorded_at, _id: { $lt: query.after.id } }],
        });
      }
      const docs = await this.db.paymentTransactions
        .find(conditions.length > 1 ? { $and: conditions } : filter)
        .sort({ recorded_at: -1, _id: -1 })
        .limit(query.limit + 1)
        .toArray();
      return pageOf(docs.map(copyToTransaction), query.limit);
    });
  }

  private async markMatched(transactionId: string, posted: PostedPaymentDocument): Promise<void> {
    await this.db.paymentTransactions.updateOne(
      { _id: transactionId },
      { $set: { order_id: posted.order_id, event_id: posted.event_id, ...(posted.order_rev !== undefined ? { order_rev: posted.order_rev } : {}) } },
    );
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

function copyToTransaction(doc: PaymentTransactionDocument): PaymentTransaction {
  return transactionOf({ ...doc, id: doc._id, event_id: doc.event_id ?? '' });
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
