import { decideEvent, type EventInput } from '../domain/apply-event';
import { IllegalTransitionError, NotFoundError, TransactionMatchedError, UnavailableError, ValidationError } from '../domain/errors';
import { newId } from '../domain/ids';
import {
  afterCollection,
  collectionRefusal,
  decideProviderEvent,
  movementOf,
  type Money,
  type Payment,
  type PaymentMethod,
  type PaymentTransaction,
  type ProviderEventRefusal,
} from '../domain/payment';
import type { PaymentProviderName, ProviderEvent } from '../payments/provider-event';
import { ALWAYS_OWES_WEBHOOKS, effectsOf, effectsOfCourierChange, effectsOfPayment, type OwesWebhooks, type WebhookEffectKind } from '../domain/effects';
import { orderState, type Order, type OrderEvent } from '../domain/order';
import { TERMINAL_STATUSES, type OrderStatus } from '../domain/status';
import { keepAtMost } from '../kept';
import type { OrderLog } from '../store/orders/port';
import { providerEventKey, type PaymentLedger } from '../store/payments/port';
import type { Actor } from './actor-system';
import type { EventBus } from './event-bus';

export type OrderMessage =
  | {
      kind: 'event';
      tenantId: string;
      input: EventInput;
      /** Set for a courier's scan: the order must be assigned to it (or be unassigned, for a pickup). */
      courierId?: string;
    }
  | { kind: 'assign'; tenantId: string; courierId: string }
  | {
      kind: 'payment';
      tenantId: string;
      input: PaymentInput;
      /** Set when the order's courier posts it: the order must be assigned to it and be out for delivery or delivered. */
      courierId?: string;
    }
  /**
   * A payment provider's verified event naming this order; with `transactionId`, the unmatched transaction it was kept
   * as, matched to this order by hand.
   */
  | {
      kind: 'provider_event';
      tenantId: string;
      provider: { id: string; name: PaymentProviderName };
      event: ProviderEvent;
      transactionId?: string;
    }
  /** Sets the order's instructions while it is not terminal. */
  | { kind: 'instructions'; tenantId: string; instructions: string | null };

/**
 * What `POST /v1/orders/:id/payments` posts: cash collected on delivery, or a payment or a refund the business took
 * elsewhere (a bank transfer, a card terminal).
 */
export type PaymentInput =
  | { event_id: string; kind: 'cod_collected'; amount: Money }
  | { event_id: string; kind: 'payment' | 'refund'; amount: Money; method: PaymentMethod; reference?: string };

export type EventOutcomeKind = 'applied' | 'duplicate' | 'late';

export interface OrderReply {
  order: Order;
  /** Absent for `assign`; for a payment, `applied` or `duplicate`. */
  outcome?: EventOutcomeKind;
  event?: OrderEvent;
  /** For a payment: the transaction it made (a duplicate: the first one). */
  transaction?: PaymentTransaction;
  /** For a provider event kept without moving the payment, or only in part: why (see ProviderEventRefusal). */
  refusal?: ProviderEventRefusal | null;
}

/** What an order's actor needs of the store: its order, its log and the guarded writes. */
export interface OrderActorStore {
  orders: Pick<OrderLog, 'loadOrder' | 'findEvent' | 'commitEvent' | 'assignCourier' | 'setInstructions'>;
  payments: Pick<PaymentLedger, 'recordPayment' | 'findPayment' | 'orderTransactions' | 'matchTransaction'>;
}

export interface OrderActorDeps {
  store: OrderActorStore;
  bus: EventBus;
  now: () => Date;
  /**
   * The order as this node has just placed it, taken once by its actor instead of a load (a change another node
   * made meanwhile is caught by the revision guard, as with any state an actor holds).
   */
  placed?: (orderId: string) => Order | undefined;
  /**
   * Work owed by an applied event that must finish before the order's next message (loyalty bookings). It runs
   * after the event is durable; a failure leaves the effect in the store's outbox for a later sweep.
   */
  afterApplied?: (order: Order, event: OrderEvent) => Promise<void>;
  /**
   * Work owed by a payment a provider's event changed (loyalty on what was paid), run inside the same message once the
   * change is durable; a failure is reported to `onEffectError`.
   */
  afterPayment?: (order: Order, previous: Payment) => Promise<void>;
  onEffectError?: (error: unknown) => void;
  /**
   * Whether a change about to be recorded owes webhook messages (see `OwesWebhooks`), asked just before each write.
   * @default always
   */
  owesWebhooks?: OwesWebhooks;
  /** Waits between attempts after a lost compare-and-set. @default a timer */
  pause?: (ms: number) => Promise<void>;
}

// A lost compare-and-set means another node wrote the same order first. Retries back off with random jitter
// (up to 64 ms) so two nodes hammering one order take turns instead of one starving; this many in a row
// (several seconds) means something is wrong.
const MAX_ATTEMPTS = 100;
// What a caller is told when that happens: the order is busy, not broken; retrying later is right (503).
const CONTENDED = 'order (too many concurrent writers)';

const timerPause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
// Recent event ids answered from memory (a retried request comes soon); older duplicates are found by the
// store's unique index. Kept small: 100,000 live actors each hold this many events.
const RECENT_EVENTS = 16;

/**
 * One order's actor: serialises its status changes, scans and assignments. The in-memory state is a
 * cache; every write is guarded by the stored revision, so a stale cache (another node wrote) costs a
 * reload and a retry, never a wrong result.
 */
export class OrderActor implements Actor<OrderMessage, OrderReply> {
  private state: Order | null = null;
  private readonly recent = new Map<string, OrderEvent>();

  constructor(
    private readonly orderId: string,
    private readonly deps: OrderActorDeps,
  ) {}

  activate(): Promise<void> | void {
    const placed = this.deps.placed?.(this.orderId);
    if (placed) this.state = placed;
    else return this.load();
  }

  private async load(): Promise<void> {
    this.state = await this.deps.store.orders.loadOrder(this.orderId);
  }

  reset(): void {
    this.state = null;
    this.recent.clear();
  }

  receive(message: OrderMessage): Promise<OrderReply> {
    if (message.kind === 'event') return this.applyEvent(message);
    if (message.kind === 'payment') return this.recordPayment(message);
    if (message.kind === 'provider_event') return this.applyProviderEvent(message);
    if (message.kind === 'assign') return this.assign(message.tenantId, message.courierId);
    return this.instruct(message.tenantId, message.instructions);
  }

  /**
   * Records a payment transaction on the order, in the same mailbox as its delivery events, so the two never
   * interleave; the write is guarded by the order's revision like theirs.
   */
  private async recordPayment(message: Extract<OrderMessage, { kind: 'payment' }>): Promise<OrderReply> {
    const { tenantId, input, courierId } = message;
    let verified = false;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.current(tenantId, verified);
      // A courier learns nothing of an order that is not its own.
      if (courierId !== undefined && order.courier_id !== courierId) {
        if (verified) throw new NotFoundError('order');
        verified = true;
        continue;
      }
      const seen = await this.deps.store.payments.findPayment(tenantId, this.orderId, input.event_id);
      if (seen) return { order, outcome: 'duplicate', transaction: seen };
      // The courier hands the cash over at the door: only then, or after the delivery is recorded.
      if (courierId !== undefined && order.status !== 'out_for_delivery' && order.status !== 'delivered') {
        if (verified) throw new IllegalTransitionError(order.status, input.kind);
        verified = true;
        continue;
      }
      if (input.kind !== 'cod_collected') {
        const taken = await this.recordTaken(tenantId, order, input);
        if (taken !== 'conflict') return taken;
        this.state = null;
        await this.backoff(attempt);
        continue;
      }
      const refusal = collectionRefusal(order.payment, input.amount);
      if (refusal === 'not_cash') throw new IllegalTransitionError(order.payment.status, input.kind);
      if (refusal === 'currency_mismatch') {
        throw new ValidationError('the request is not valid', [
          { path: 'amount.currency', message: `must be the currency of the amount due (${order.payment.amount_due?.currency})` },
        ]);
      }
      const at = this.deps.now().toISOString();
      const collected = await this.commitPosted(tenantId, order, input, courierId ?? order.courier_id, afterCollection(order.payment, input.amount, at), at, false);
      if (collected !== 'conflict') return collected;
      this.state = null;
      await this.backoff(attempt);
    }
    throw new UnavailableError(CONTENDED);
  }

  /**
   * A payment or a refund the business took elsewhere: a movement like a provider's (domain/payment.ts), recorded with
   * no provider. A cash-on-delivery order takes only its cash; another currency, or a refund beyond what was paid less
   * refunds, is refused and records nothing. `conflict`: the order moved meanwhile; decide again.
   */
  private async recordTaken(
    tenantId: string,
    order: Order,
    input: Extract<PaymentInput, { kind: 'payment' | 'refund' }>,
  ): Promise<OrderReply | 'conflict'> {
    const recorded = await this.deps.store.payments.orderTransactions(tenantId, this.orderId);
    const at = this.deps.now().toISOString();
    const decision = decideProviderEvent({
      payment: order.payment,
      orderAmount: order.amount,
      recorded: recorded.flatMap((transaction) => movementOf(transaction) ?? []),
      event: { kind: input.kind === 'payment' ? 'capture' : 'refund', amount: input.amount, occurred_at: at, method: input.method },
      provider: null,
      at,
    });
    if (decision.refusal === 'cash') throw new IllegalTransitionError(order.payment.status, input.kind);
    if (decision.refusal === 'currency_mismatch') {
      throw new ValidationError('the request is not valid', [{ path: 'amount.currency', message: "must be the currency of the order's payment" }]);
    }
    if (decision.refusal === 'over_refund') {
      throw new ValidationError('the request is not valid', [{ path: 'amount.value', message: 'must be at most what was paid less what was refunded' }]);
    }
    return this.commitPosted(tenantId, order, input, null, decision.payment, at, true);
  }

  /**
   * Records a transaction posted on the order (cash collected, a payment or refund taken elsewhere) with the payment it
   * leaves, and its `payment.updated` owed in the same write (a crash after it loses none); tells the watchers and,
   * with `settle`, the loyalty account. `conflict`: the order moved meanwhile; decide again.
   */
  private async commitPosted(
    tenantId: string,
    order: Order,
    input: PaymentInput,
    courierId: string | null,
    payment: Payment,
    at: string,
    settle: boolean,
  ): Promise<OrderReply | 'conflict'> {
    const transaction: PaymentTransaction = {
      id: newId('txn'),
      order_id: this.orderId,
      provider: null,
      provider_event_id: null,
      kind: input.kind,
      amount: input.amount,
      occurred_at: at,
      recorded_at: at,
      courier_id: courierId,
    };
    const webhooks = await this.owesWebhooks(tenantId, 'webhook_payment');
    const result = await this.deps.store.payments.recordPayment({
      tenantId,
      orderId: this.orderId,
      expectedRev: order.rev,
      eventId: input.event_id,
      transaction,
      payment,
      effects: effectsOfPayment(webhooks),
    });
    if (result.kind === 'duplicate') {
      this.state = null;
      return { order: await this.current(tenantId, true), outcome: 'duplicate', transaction: result.transaction };
    }
    if (result.kind === 'rev_conflict') return 'conflict';
    this.state = { ...order, payment, rev: result.rev };
    this.deps.bus.emit('payment', { order: this.state, transaction, webhooks });
    if (settle) {
      try {
        await this.deps.afterPayment?.(this.state, order.payment);
      } catch (error) {
        this.deps.onEffectError?.(error);
      }
    }
    return { order: this.state, outcome: 'applied', transaction };
  }

  /**
   * Applies a provider's event to the order's payment, in the same mailbox as its delivery events. The payment is
   * decided from every provider movement recorded on the order with this one (domain/payment.ts), so repeats and late
   * arrivals change nothing they should not. A transaction that leaves the payment as it was (cash on delivery, another
   * currency) is recorded but owes no `payment.updated` and tells no watcher.
   * @throws TransactionMatchedError when matching a transaction that names an order already
   */
  private async applyProviderEvent(message: Extract<OrderMessage, { kind: 'provider_event' }>): Promise<OrderReply> {
    const { tenantId, provider, event, transactionId } = message;
    const eventId = providerEventKey(provider.name, event.event_id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.current(tenantId, attempt > 0);
      const recorded = await this.deps.store.payments.orderTransactions(tenantId, this.orderId);
      const seen = recorded.find((transaction) => transaction.provider === provider.name && transaction.provider_event_id === event.event_id);
      if (seen) return { order, outcome: 'duplicate', transaction: seen };
      const at = this.deps.now().toISOString();
      const decision = decideProviderEvent({
        payment: order.payment,
        orderAmount: order.amount,
        recorded: recorded.flatMap((transaction) => movementOf(transaction) ?? []),
        event: { kind: event.kind, amount: event.amount, occurred_at: event.occurred_at, method: event.method },
        provider: provider.name,
        at,
      });
      const changed = decision.payment !== order.payment;
      const webhooks = changed && (await this.owesWebhooks(tenantId, 'webhook_payment'));
      const effects = changed ? effectsOfPayment(webhooks) : [];
      let transaction: PaymentTransaction;
      let rev: number;
      if (transactionId !== undefined) {
        const matched = await this.deps.store.payments.matchTransaction({
          tenantId, transactionId, orderId: this.orderId, expectedRev: order.rev, eventId, payment: decision.payment, effects, at,
        });
        if (matched.kind === 'not_unmatched') throw new TransactionMatchedError();
        if (matched.kind === 'rev_conflict') {
          this.state = null;
          await this.backoff(attempt);
          continue;
        }
        ({ transaction, rev } = matched);
      } else {
        transaction = {
          id: newId('txn'),
          order_id: this.orderId,
          provider: provider.name,
          provider_event_id: event.event_id,
          kind: event.kind,
          amount: event.amount,
          occurred_at: event.occurred_at,
          recorded_at: at,
          courier_id: null,
        };
        const result = await this.deps.store.payments.recordPayment({
          tenantId, orderId: this.orderId, expectedRev: order.rev, eventId, transaction, payment: decision.payment, effects,
        });
        if (result.kind === 'duplicate') {
          this.state = null;
          return { order: await this.current(tenantId, true), outcome: 'duplicate', transaction: result.transaction };
        }
        if (result.kind === 'rev_conflict') {
          this.state = null;
          await this.backoff(attempt);
          continue;
        }
        rev = result.rev;
      }
      this.state = { ...order, payment: decision.payment, rev };
      if (changed) {
        this.deps.bus.emit('payment', { order: this.state, transaction, webhooks });
        try {
          await this.deps.afterPayment?.(this.state, order.payment);
        } catch (error) {
          this.deps.onEffectError?.(error);
        }
      }
      return { order: this.state, outcome: 'applied', transaction, refusal: decision.refusal };
    }
    throw new UnavailableError(CONTENDED);
  }

  /** @throws IllegalTransitionError once the order is terminal: there is nothing left to instruct. */
  private async instruct(tenantId: string, instructions: string | null): Promise<OrderReply> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.current(tenantId, attempt > 0);
      if ((TERMINAL_STATUSES as readonly OrderStatus[]).includes(order.status)) throw new IllegalTransitionError(order.status, order.status);
      const updatedAt = this.deps.now().toISOString();
      const result = await this.deps.store.orders.setInstructions(this.orderId, order.rev, instructions, updatedAt);
      if (result.kind === 'ok') {
        this.state = { ...order, instructions, updated_at: updatedAt, rev: result.rev, last_location: result.lastLocation };
        return { order: this.state };
      }
      this.state = null;
      await this.backoff(attempt);
    }
    throw new UnavailableError(CONTENDED);
  }

  private async applyEvent(message: Extract<OrderMessage, { kind: 'event' }>): Promise<OrderReply> {
    let verified = false; // whether a rejection has been checked against the store
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.current(message.tenantId, verified);
      // The message's input as it is, or a copy where this order changes it.
      let input = message.input;
      // An order whose personal data was erased gathers none again: no notes, no places.
      if (order.erased_at) {
        input = { ...input, note: null, location: null };
        delete input.proof;
      }
      // A courier learns nothing of an order that is not its own, not even that an event id exists there.
      if (message.courierId !== undefined && order.courier_id !== message.courierId) {
        if (order.courier_id === null && input.scan_type === 'pickup') {
          input = { ...input, assign_courier_id: message.courierId };
        } else {
          if (verified) throw new NotFoundError('order');
          verified = true;
          this.state = null; // the assignment may have changed on another node
          continue;
        }
      }
      const seen = this.recent.get(input.event_id);
      if (seen) return { order, outcome: 'duplicate', event: seen };

      let decision: ReturnType<typeof decideEvent>;
      try {
        decision = decideEvent(order, input, this.deps.now().toISOString());
      } catch (error) {
        if (!(error instanceof IllegalTransitionError)) throw error;
        // The cache may be stale, or this is a retry of an event that was applied before: ask the store.
        const original = await this.deps.store.orders.findEvent(this.orderId, input.event_id);
        if (original) return this.duplicate(message.tenantId, original);
        if (verified) throw error;
        verified = true;
        this.state = null;
        continue;
      }

      const next = decision.next;
      // A pickup that assigns the order (applied or late) changes its courier: that owes its own messages.
      const reassigned = next !== null && next.courier_id !== order.courier_id;
      const webhooks = decision.kind === 'applied' && (await this.owesWebhooks(message.tenantId, 'webhook'));
      const assignmentWebhooks = reassigned && (await this.owesWebhooks(message.tenantId, 'webhook_assignment'));
      const result = await this.deps.store.orders.commitEvent({
        orderId: this.orderId,
        expectedRev: order.rev,
        event: decision.event,
        next,
        previous: orderState(order),
        effects: decision.kind === 'applied' ? effectsOf(decision.next.status, webhooks) : [],
        revisionEffects: reassigned ? effectsOfCourierChange(assignmentWebhooks) : [],
      });
      if (result.kind === 'rev_conflict') {
        this.state = null;
        await this.backoff(attempt);
        continue;
      }
      if (result.kind === 'duplicate_event') {
        const original = await this.deps.store.orders.findEvent(this.orderId, input.event_id);
        if (!original) throw new Error(`event ${input.event_id} reported as duplicate but not found`);
        return this.duplicate(message.tenantId, original);
      }
      this.remember(decision.event);
      if (next) this.state = { ...next, rev: result.rev, last_location: result.lastLocation };
      else this.state = { ...order, last_location: result.lastLocation };
      if (reassigned) {
        this.deps.bus.emit('assigned', { order: this.state, previousCourierId: order.courier_id, webhooks: assignmentWebhooks });
      }
      if (decision.kind === 'applied') {
        this.deps.bus.emit('applied', { event: decision.event, order: this.state, webhooks });
        // Loyalty is booked inside this message, so the next transition of the order sees it done. The event is
        // applied whatever happens here: a failure stays in the outbox for the sweep.
        try {
          await this.deps.afterApplied?.(this.state, decision.event);
        } catch (error) {
          this.deps.onEffectError?.(error);
        }
        return { order: this.state, outcome: 'applied', event: decision.event };
      }
      return { order: this.state, outcome: 'late', event: decision.event };
    }
    throw new UnavailableError(CONTENDED);
  }

  private async assign(tenantId: string, courierId: string): Promise<OrderReply> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const order = await this.current(tenantId, false);
      if (order.courier_id === courierId) return { order };
      const updatedAt = this.deps.now().toISOString();
      const webhooks = await this.owesWebhooks(tenantId, 'webhook_assignment');
      const result = await this.deps.store.orders.assignCourier(this.orderId, order.rev, courierId, updatedAt, effectsOfCourierChange(webhooks));
      if (result.kind === 'ok') {
        this.state = { ...order, courier_id: courierId, updated_at: updatedAt, rev: result.rev, last_location: result.lastLocation };
        this.deps.bus.emit('assigned', { order: this.state, previousCourierId: order.courier_id, webhooks });
        return { order: this.state };
      }
      this.state = null;
      await this.backoff(attempt);
    }
    throw new UnavailableError(CONTENDED);
  }

  private async duplicate(tenantId: string, original: OrderEvent): Promise<OrderReply> {
    this.remember(original);
    this.state = null; // another writer recorded it: our cache is behind
    return { order: await this.current(tenantId, true), outcome: 'duplicate', event: original };
  }

  /** The order, loading it when the cache is empty or `reload` is set; absent or another tenant's → not found. */
  private async current(tenantId: string, reload: boolean): Promise<Order> {
    if (!this.state || reload) this.state = await this.deps.store.orders.loadOrder(this.orderId);
    if (!this.state || this.state.tenant_id !== tenantId) throw new NotFoundError('order');
    return this.state;
  }

  /** Whether the change about to be recorded owes webhook messages: answered at once when the node knows. */
  private owesWebhooks(tenantId: string, kind: WebhookEffectKind): boolean | Promise<boolean> {
    return (this.deps.owesWebhooks ?? ALWAYS_OWES_WEBHOOKS)(tenantId, kind);
  }

  private async backoff(attempt: number): Promise<void> {
    if (attempt > 0) await (this.deps.pause ?? timerPause)(Math.random() * 2 ** Math.min(attempt, 6));
  }

  private remember(event: OrderEvent): void {
    keepAtMost(this.recent, event.event_id, event, RECENT_EVENTS);
  }
}
