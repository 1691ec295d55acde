import { createHash } from 'node:crypto';
import { ActorSystem } from '../actors/actor-system';
import type { EventBus } from '../actors/event-bus';
import { LoyaltyAccountActor } from '../actors/loyalty-account-actor';
import { loyaltyFactOf } from '../domain/effects';
import { IdempotencyConflictError, InsufficientPointsError } from '../domain/errors';
import { newId } from '../domain/ids';
import { accrualPoints, isRefundShare, ledgerKeys, pointsAsked, type LedgerBooking, type LedgerEntry } from '../domain/loyalty';
import { paidLessRefunds, type Payment } from '../domain/payment';
import type { Order, OrderEvent } from '../domain/order';
import type { OrderStatus } from '../domain/status';
import type { LoyaltyBasis } from '../domain/tenant-settings';
import { TenantCache } from '../notifiers/tenant-cache';
import { tenantTextsChanged } from '../notifiers/tenant-texts';
import type { LedgerResult, LoyaltyAccount, LoyaltyLedger } from '../store/loyalty/port';
import type { OrderLog } from '../store/orders/port';
import type { PendingEffect } from '../store/outbox/port';
import type { TenantDirectory } from '../store/tenants/port';
import type { OutboxRelay, OwedKind } from './outbox-relay';

/** What loyalty's use cases need of the store: the ledger, the tenant's rate and the order's log. */
export interface LoyaltyServiceStore {
  loyalty: Pick<LoyaltyLedger, 'bookLedger' | 'getLoyalty'>;
  tenants: Pick<TenantDirectory, 'getTenant' | 'setPointsRate' | 'getTenantSettings'>;
  orders: Pick<OrderLog, 'loadOrder' | 'listEvents'>;
}

export interface LoyaltyServiceOptions {
  store: LoyaltyServiceStore;
  /** Carries each booking (`loyalty`) to whoever pushes it live. */
  bus: EventBus;
  /** The outbox relay: each booking an event owes is cleared through it, and swept for when a crash left it undone. */
  relay: Pick<OutboxRelay, 'register'>;
  idleMs?: number;
  /**
   * How often the effects outbox is swept for bookings a crash left undone.
   * @default 5000
   */
  sweepMs?: number;
  /**
   * How long a tenant's points rate and `loyalty_basis` are kept once read. A change (the rate through
   * {@link LoyaltyService.setPointsRate}, settings through the tenant service) is answered once every node has
   * forgotten them ({@link tenantTextsChanged}), so every booking after the answer uses the new terms. Only when Redis
   * cannot carry the change do other nodes keep the former terms, for at most this long.
   * @default 30000
   */
  termsTtlMs?: number;
  /** @default the system clock */
  now?: () => Date;
}

// A booking the node that applied the event is probably still making; the sweep leaves it alone this long.
const SWEEP_GRACE_MS = 2000;

/** What a tenant's points are earned by: its rate and what the rate applies to. */
interface LoyaltyTerms {
  pointsPerUnit: number;
  basis: LoyaltyBasis;
}

/**
 * Loyalty points: accrual when an order is delivered, reversal when a delivered order is returned, redemptions.
 * Each customer's bookings go through that customer's account actor, one at a time; the ledger books each fact
 * once (unique key), deciding each against the balance as it is when written (`decideBooking`: a redemption
 * never overdraws), which keeps nodes sharing the store correct too. The tenant's rate and `loyalty_basis` are
 * kept per node (see {@link LoyaltyServiceOptions.termsTtlMs}).
 */
export class LoyaltyService {
  private readonly accounts: ActorSystem<string, LedgerBooking, LedgerResult>;
  private readonly owed: OwedKind;
  private readonly now: () => Date;
  private readonly terms: TenantCache<LoyaltyTerms>;

  constructor(private readonly options: LoyaltyServiceOptions) {
    this.now = options.now ?? (() => new Date());
    const { tenants } = options.store;
    this.terms = new TenantCache({
      read: async (tenantId) => {
        const [tenant, settings] = await Promise.all([tenants.getTenant(tenantId), tenants.getTenantSettings(tenantId)]);
        return { pointsPerUnit: tenant?.points_per_unit ?? 1, basis: settings?.loyalty_basis ?? 'amount' };
      },
      ttlMs: options.termsTtlMs,
      now: () => this.now().getTime(),
    });
    this.accounts = new ActorSystem<string, LedgerBooking, LedgerResult>({
      create: () => new LoyaltyAccountActor(options.store.loyalty),
      idleMs: options.idleMs,
    });
    this.owed = options.relay.register('loyalty', {
      sweepMs: options.sweepMs ?? 5000,
      graceMs: SWEEP_GRACE_MS,
      perform: (effect) => this.bookOwed(effect),
    });
    // Bookings a crash left undone are owed now, not after the first periodic sweep. The grace is 0: a booking
    // another node is making at that moment is made twice at worst, and the ledger keeps one.
    void this.owed.sweep(0);
  }

  /** A customer's balance and ledger. */
  account(tenantId: string, customerId: string): Promise<LoyaltyAccount> {
    return this.options.store.loyalty.getLoyalty(tenantId, customerId);
  }

  /**
   * Sets the tenant's accrual rate: points = floor(whole currency units × `pointsPerUnit`). This node's bookings use
   * it from the answer on; other nodes' within `termsTtlMs`.
   */
  async setPointsRate(tenantId: string, pointsPerUnit: number): Promise<void> {
    await this.options.store.tenants.setPointsRate(tenantId, pointsPerUnit);
    // After the write: a read racing it is kept under the former version, and read again.
    await tenantTextsChanged(tenantId);
  }

  /**
   * Books what an applied event earns or takes back (called by the order's actor, after the event is durable), and
   * clears what it owed. A failure leaves it owed, for the sweep.
   */
  onApplied(order: Order, event: OrderEvent): Promise<void> {
    const { seq } = event;
    if (seq === null || loyaltyFactOf(event.status) === null) return Promise.resolve();
    return this.owed.perform({ orderId: order.id, seq, tenantId: order.tenant_id, createdAt: event.recorded_at }, () =>
      this.bookFact(order, event.status, seq),
    );
  }

  /**
   * Books what the applied event `seq` (`status`) earns or takes back. Idempotent: the ledger's keys make a repeat a
   * no-op, so a sweep may run it again safely.
   */
  private async bookFact(order: Order, status: OrderStatus, seq: number): Promise<void> {
    const fact = loyaltyFactOf(status);
    if (fact === 'accrual') {
      await this.accrue(order);
    } else if (fact === 'reversal' && (await this.wasDelivered(order.id, seq))) {
      // Book the accrual first (a no-op if it is there): a return can reach this node before the delivery's
      // booking on another node has finished, and what is reversed must be what was accrued.
      const accrual = await this.accrue(order);
      // What refunds after the delivery took back already is not taken twice.
      const points = accrual && accrual.delta > 0 ? accrual.delta - (await this.refundShares(order)) : 0;
      if (points > 0) {
        await this.book(order.tenant_id, order.customer.id, {
          uniqueKey: ledgerKeys.reversal(order.id),
          reason: 'reversal',
          points,
          orderId: order.id,
        });
      }
    }
  }

  /**
   * Takes back a refund's share of a delivered order's points when the tenant earns points on what was paid
   * (`loyalty_basis: paid`): the accrual less what the order earns on what is paid now, less what earlier refunds took.
   * Called by the order's actor once the payment change is durable.
   */
  async onPayment(order: Order, previous: Payment): Promise<void> {
    const refunded = order.payment.amount_refunded?.value ?? 0;
    if (order.status !== 'delivered' || refunded <= (previous.amount_refunded?.value ?? 0)) return;
    const terms = await this.terms.get(order.tenant_id);
    if (terms.basis !== 'paid') return;
    const { entries } = await this.options.store.loyalty.getLoyalty(order.tenant_id, order.customer.id);
    const accrual = entries.find((entry) => entry.unique_key === ledgerKeys.accrual(order.id));
    if (!accrual || accrual.delta <= 0) return;
    const earnedNow = Math.min(accrual.delta, accrualPoints(paidLessRefunds(order.payment), terms.pointsPerUnit));
    const taken = entries.filter((entry) => isRefundShare(entry, order.id)).reduce((sum, entry) => sum + pointsAsked(entry), 0);
    const points = accrual.delta - earnedNow - taken;
    if (points <= 0) return;
    await this.book(order.tenant_id, order.customer.id, {
      uniqueKey: ledgerKeys.refund(order.id, refunded),
      reason: 'reversal',
      points,
      orderId: order.id,
    });
  }

  /** The points refunds after delivery took back from the order's accrual. */
  private async refundShares(order: Order): Promise<number> {
    const { entries } = await this.options.store.loyalty.getLoyalty(order.tenant_id, order.customer.id);
    return entries.filter((entry) => isRefundShare(entry, order.id)).reduce((sum, entry) => sum + pointsAsked(entry), 0);
  }

  /** The booking an outbox row owes, found from the order and its event (neither there: nothing to book). */
  private async bookOwed(effect: PendingEffect): Promise<void> {
    const order = await this.options.store.orders.loadOrder(effect.orderId);
    const [event] = await this.options.store.orders.listEvents(effect.orderId, effect.seq - 1, 1);
    if (order && event) await this.bookFact(order, event.status, effect.seq);
  }

  /** Redeems points; a replay of the same `event_id` returns the first entry. */
  async redeem(
    tenantId: string,
    customerId: string,
    request: { points: number; kind: 'discount' | 'charity'; event_id: string },
  ): Promise<{ entry: LedgerEntry; replayed: boolean }> {
    const requestHash = createHash('sha256').update(`${request.points}:${request.kind}`).digest('hex');
    const result = await this.accounts.ask(key(tenantId, customerId), {
      ...this.base(tenantId, customerId),
      uniqueKey: ledgerKeys.redemption(request.event_id),
      reason: 'redemption',
      points: request.points,
      orderId: null,
      kind: request.kind,
      requestHash,
    });
    if (result.kind === 'insufficient') throw new InsufficientPointsError(result.balance, request.points);
    if (result.kind === 'duplicate') {
      if (result.entry.request_hash !== requestHash) throw new IdempotencyConflictError('this event_id was used for another redemption');
      return { entry: result.entry, replayed: true };
    }
    this.push(tenantId, result.entry, result.balance);
    return { entry: result.entry, replayed: false };
  }

  async stop(): Promise<void> {
    await this.owed.close();
    await this.accounts.stop();
  }

  private async accrue(order: Order): Promise<LedgerEntry | null> {
    const terms = await this.terms.get(order.tenant_id);
    const basis = terms.basis === 'paid' ? paidLessRefunds(order.payment) : order.amount;
    const points = accrualPoints(basis, terms.pointsPerUnit);
    if (points <= 0) return null;
    return this.book(order.tenant_id, order.customer.id, {
      uniqueKey: ledgerKeys.accrual(order.id),
      reason: 'accrual',
      points,
      orderId: order.id,
    });
  }

  private async book(
    tenantId: string,
    customerId: string,
    fact: Pick<LedgerBooking, 'uniqueKey' | 'reason' | 'points' | 'orderId'>,
  ): Promise<LedgerEntry | null> {
    const result = await this.accounts.ask(key(tenantId, customerId), {
      ...this.base(tenantId, customerId),
      ...fact,
      kind: null,
      requestHash: null,
    });
    if (result.kind === 'insufficient') return null; // only redemptions can be refused
    if (result.kind === 'booked') this.push(tenantId, result.entry, result.balance);
    return result.entry;
  }

  private base(tenantId: string, customerId: string) {
    const now = this.now();
    return { id: newId('pts', now.getTime()), tenantId, customerId, at: now.toISOString() };
  }

  private push(tenantId: string, entry: LedgerEntry, balance: number): void {
    this.options.bus.emit('loyalty', { tenantId, entry, balance });
  }

  private async wasDelivered(orderId: string, beforeSeq: number): Promise<boolean> {
    const events = await this.options.store.orders.listEvents(orderId, 0, beforeSeq - 1);
    return events.some((event) => event.status === 'delivered');
  }
}

function key(tenantId: string, customerId: string): string {
  return `${tenantId}\u0000${customerId}`;
}
