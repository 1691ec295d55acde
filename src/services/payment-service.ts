import type { ActorSystem } from '../actors/actor-system';
import type { OrderMessage, OrderReply } from '../actors/order-actor';
import { NotFoundError, TransactionMatchedError } from '../domain/errors';
import { newId } from '../domain/ids';
import { isProviderMovement, type PaymentTransaction } from '../domain/payment';
import { externalIdScope } from '../domain/principal';
import type { PaymentProviderName, ProviderEvent, ProviderEventSink } from '../payments/provider-event';
import type { OrderLog } from '../store/orders/port';
import type { PaymentLedger, TransactionFilter, TransactionPage, TransactionQuery } from '../store/payments/port';
import type { SourceDirectory } from '../store/sources/port';

export interface PaymentServiceOptions {
  store: {
    payments: Pick<PaymentLedger, 'findProviderEvent' | 'findTransaction' | 'recordUnmatched' | 'listTransactions'>;
    orders: Pick<OrderLog, 'getOrder'>;
    /** How an `external_id` a provider carries finds the order (in the namespace of orders the business places). */
    sources: Pick<SourceDirectory, 'orderIdsByExternalId'>;
  };
  /** The order actors: every change to an order's payment goes through its actor, as its delivery events do. */
  orders: ActorSystem<string, OrderMessage, OrderReply>;
  now?: () => Date;
}

// A CSV export reads the store this many transactions at a time.
const EXPORT_PAGE = 500;

/**
 * Payments beyond what is posted on an order (API.md "Payments"): providers' verified events, each applied to the
 * order it names through the order's actor or kept as unmatched, and the transactions list.
 */
export class PaymentService implements ProviderEventSink {
  private readonly now: () => Date;

  constructor(private readonly options: PaymentServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * One after another, in the order the provider sent them, so two events of one order reach its actor in that order.
   * An event recorded before (same provider and event id, matched or not) changes nothing.
   */
  async applyProviderEvents(tenantId: string, provider: { id: string; name: PaymentProviderName }, events: ProviderEvent[]): Promise<void> {
    for (const event of events) await this.applyOne(tenantId, provider, event);
  }

  /**
   * Applies an unmatched transaction to one of the tenant's orders, as if its event had named it.
   * @throws NotFoundError for no such transaction or order (or another tenant's)
   * @throws TransactionMatchedError when the transaction names an order already
   */
  async match(tenantId: string, transactionId: string, orderId: string): Promise<PaymentTransaction> {
    const found = await this.options.store.payments.findTransaction(tenantId, transactionId);
    if (!found) throw new NotFoundError('transaction');
    if (found.order_id !== null || !isProviderMovement(found) || found.provider_event_id === null) throw new TransactionMatchedError();
    const event: ProviderEvent = {
      provider: found.provider as PaymentProviderName,
      event_id: found.provider_event_id,
      kind: found.kind,
      order_ref: orderId,
      amount: found.amount,
      occurred_at: found.occurred_at,
      method: null,
      reference: null,
    };
    const reply = await this.options.orders.ask(orderId, {
      kind: 'provider_event',
      tenantId,
      provider: { id: event.provider, name: event.provider },
      event,
      transactionId,
    });
    // The order holds this provider event already (under another transaction): this one stays unmatched.
    if (reply.outcome === 'duplicate') throw new TransactionMatchedError();
    return reply.transaction!;
  }

  /** A page of the tenant's transactions, newest recorded first. */
  list(tenantId: string, query: TransactionQuery): Promise<TransactionPage> {
    return this.options.store.payments.listTransactions(tenantId, query);
  }

  /** Every transaction matching `filter`, a store page at a time, newest recorded first. */
  async *export(tenantId: string, filter: TransactionFilter): AsyncGenerator<PaymentTransaction[]> {
    let after: TransactionQuery['after'];
    do {
      const page = await this.options.store.payments.listTransactions(tenantId, { ...filter, limit: EXPORT_PAGE, after });
      if (page.items.length > 0) yield page.items;
      after = page.next ?? undefined;
    } while (after);
  }

  private async applyOne(tenantId: string, provider: { id: string; name: PaymentProviderName }, event: ProviderEvent): Promise<void> {
    const { payments } = this.options.store;
    if (await payments.findProviderEvent(tenantId, provider.name, event.event_id)) return;
    const orderId = event.order_ref === null ? null : await this.orderIdOf(tenantId, event.order_ref);
    if (orderId !== null) {
      try {
        await this.options.orders.ask(orderId, { kind: 'provider_event', tenantId, provider, event });
        return;
      } catch (error) {
        // Erased between the lookup and the actor: the event names no known order after all.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const at = this.now().toISOString();
    await payments.recordUnmatched(tenantId, {
      id: newId('txn'),
      order_id: null,
      provider: provider.name,
      provider_event_id: event.event_id,
      kind: event.kind,
      amount: event.amount,
      occurred_at: event.occurred_at,
      recorded_at: at,
      courier_id: null,
    });
  }

  /** The order a provider names: our id first, else the tenant's `external_id`. */
  private async orderIdOf(tenantId: string, ref: string): Promise<string | null> {
    const { orders, sources } = this.options.store;
    if (await orders.getOrder(tenantId, ref)) return ref;
    const [match] = await sources.orderIdsByExternalId(tenantId, externalIdScope({ role: 'business', tenantId }), [ref]);
    return match?.order_id ?? null;
  }
}
