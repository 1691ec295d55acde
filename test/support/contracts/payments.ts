import { afterCollection, cashOnDelivery, type PaymentTransaction, type TransactionKind } from '../../../src/domain/payment';
import type { Order } from '../../../src/domain/order';
import type { Store } from '../../../src/store/store';
import { providerEventKey, type PaymentCommitResult, type TransactionQuery } from '../../../src/store/payments/port';
import { at, buildOrder, freshStore, orderSteps, uniqueId, type StoreFactory } from './fixtures';

/**
 * PaymentLedger: a transaction posted on an order is recorded with the payment it leaves in one write under the
 * order's revision guard, once per event id; the order reads its payment back, and delivery commits keep it.
 */
export function describePaymentsContract(factory: StoreFactory): void {
  const store: Pick<Store, 'orders' | 'payments' | 'outbox'> = freshStore(factory);
  const { place, advance } = orderSteps(store);
  const HKD = (value: number) => ({ value, currency: 'HKD' });

  function collected(orderId: string, value: number, recordedAt = at(5)): PaymentTransaction {
    return {
      id: uniqueId('txn'), order_id: orderId, provider: null, provider_event_id: null, kind: 'cod_collected',
      amount: HKD(value), occurred_at: recordedAt, recorded_at: recordedAt, courier_id: 'k1',
    };
  }

  it('a new order reads back the payment it was placed with', async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    expect((await store.orders.loadOrder(order.id))!.payment).toEqual(cashOnDelivery(HKD(12900), at(0)));
    expect((await store.orders.getOrder('t1', order.id))!.payment.status).toBe('cod_due');
  });

  it('records a transaction with the payment it leaves, bumping the revision; a delivery commit keeps the payment', async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    const transaction = collected(order.id, 12900);
    const payment = afterCollection(order.payment, transaction.amount, at(5));
    const result = await store.payments.recordPayment({ tenantId: 't1', orderId: order.id, expectedRev: order.rev, eventId: 'e1', transaction, payment });
    expect(result).toEqual({ kind: 'ok', rev: order.rev + 1 });
    const stored = (await store.orders.loadOrder(order.id))!;
    expect(stored).toMatchObject({ rev: order.rev + 1, version: order.version, status: 'placed', payment });
    expect(await store.payments.findPayment('t1', order.id, 'e1')).toEqual(transaction);
    const { order: moved } = await advance(stored, 'out_for_delivery', at(6));
    expect((await store.orders.loadOrder(moved.id))!.payment).toEqual(payment);
  });

  it('owes its effects under the revision it writes, in the same write; that revision finds the transaction again', async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    const transaction = collected(order.id, 12900, at(7));
    const payment = afterCollection(order.payment, transaction.amount, at(7));
    const commit = { tenantId: 't1', orderId: order.id, expectedRev: order.rev, eventId: 'e1', transaction, payment, effects: ['webhook_payment' as const] };
    expect(await store.payments.recordPayment(commit)).toEqual({ kind: 'ok', rev: order.rev + 1 });
    const owed = (await store.outbox.pendingEffects('webhook_payment', at(60), 100)).filter((effect) => effect.orderId === order.id);
    expect(owed).toEqual([{ orderId: order.id, seq: order.rev + 1, tenantId: 't1', createdAt: at(7) }]);
    expect(await store.payments.findPaymentAtRevision(order.id, order.rev + 1)).toEqual(transaction);
    expect(await store.payments.findPaymentAtRevision(order.id, order.rev)).toBeNull();
    // A repeat owes nothing more; a stale revision owes nothing at all.
    expect((await store.payments.recordPayment({ ...commit, expectedRev: order.rev + 1 })).kind).toBe('duplicate');
    expect((await store.payments.recordPayment({ ...commit, eventId: 'e2', transaction: collected(order.id, 1) })).kind).toBe('rev_conflict');
    const after = (await store.outbox.pendingEffects('webhook_payment', at(60), 100)).filter((effect) => effect.orderId === order.id);
    expect(after).toEqual(owed);
    await store.outbox.clearEffect('webhook_payment', order.id, order.rev + 1);
    expect((await store.outbox.pendingEffects('webhook_payment', at(60), 100)).filter((effect) => effect.orderId === order.id)).toEqual([]);
  });

  it('the same event id again is the first transaction, and changes nothing', async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    const first = collected(order.id, 12900);
    const payment = afterCollection(order.payment, first.amount, at(5));
    await store.payments.recordPayment({ tenantId: 't1', orderId: order.id, expectedRev: order.rev, eventId: 'e1', transaction: first, payment });
    const again = collected(order.id, 500, at(9));
    const repeat = await store.payments.recordPayment({
      tenantId: 't1', orderId: order.id, expectedRev: order.rev + 1, eventId: 'e1', transaction: again,
      payment: afterCollection(payment, again.amount, at(9)),
    });
    expect(repeat).toEqual({ kind: 'duplicate', transaction: first });
    expect((await store.orders.loadOrder(order.id))!).toMatchObject({ rev: order.rev + 1, payment });
    // Another order may use the same event id.
    const other = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(100), at(0)) }));
    const result = await store.payments.recordPayment({
      tenantId: 't1', orderId: other.id, expectedRev: other.rev, eventId: 'e1', transaction: collected(other.id, 100),
      payment: afterCollection(other.payment, HKD(100), at(5)),
    });
    expect(result.kind).toBe('ok');
  });

  it('a stale revision is a conflict and records nothing', async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    const { order: moved } = await advance(order, 'processing', at(2));
    const transaction = collected(order.id, 12900);
    const result = await store.payments.recordPayment({
      tenantId: 't1', orderId: order.id, expectedRev: order.rev, eventId: 'e1', transaction,
      payment: afterCollection(order.payment, transaction.amount, at(5)),
    });
    expect(result).toEqual({ kind: 'rev_conflict' });
    expect(await store.payments.findPayment('t1', order.id, 'e1')).toBeNull();
    expect((await store.orders.loadOrder(order.id))!).toMatchObject({ rev: moved.rev, payment: order.payment });
  });

  it("another tenant's order is neither written nor read", async () => {
    const order = await place(buildOrder('t1', { payment: cashOnDelivery(HKD(12900), at(0)) }));
    const transaction = collected(order.id, 12900);
    const result = await store.payments.recordPayment({
      tenantId: 't2', orderId: order.id, expectedRev: order.rev, eventId: 'e1', transaction,
      payment: afterCollection(order.payment, transaction.amount, at(5)),
    });
    expect(result).toEqual({ kind: 'rev_conflict' });
    expect((await store.orders.loadOrder(order.id))!.payment.status).toBe('cod_due');
    expect(await store.payments.findPayment('t2', order.id, 'e1')).toBeNull();
  });

  describe('the payment report', () => {
    const USD = (value: number) => ({ value, currency: 'USD' });
    const whole = { from: at(0), to: at(60) };

    /** Records `transaction` on `order` with the payment collecting it leaves; returns the order as stored after. */
    async function post(order: Order, transaction: PaymentTransaction): Promise<Order> {
      const current = (await store.orders.loadOrder(order.id))!;
      const payment = transaction.kind === 'cod_collected' ? afterCollection(current.payment, transaction.amount, transaction.recorded_at) : current.payment;
      const result = await store.payments.recordPayment({
        tenantId: current.tenant_id, orderId: order.id, expectedRev: current.rev, eventId: uniqueId('e'), transaction, payment,
      });
      expect(result.kind).toBe('ok');
      return (await store.orders.loadOrder(order.id))!;
    }

    function providerEvent(orderId: string, provider: string, kind: TransactionKind, amount: { value: number; currency: string }, recordedAt = at(5)): PaymentTransaction {
      return {
        id: uniqueId('txn'), order_id: orderId, provider, provider_event_id: uniqueId('pe'), kind, amount,
        occurred_at: recordedAt, recorded_at: recordedAt, courier_id: null,
      };
    }

    it('is empty for a tenant with no payments', async () => {
      await place(buildOrder('t1'));
      expect(await store.payments.paymentReport('t1', whole)).toEqual({ by_provider: [], cash: [], unmatched: 0 });
    });

    it("sums the cash due per courier and currency, whenever the orders were placed, leaving out what is not owed", async () => {
      const cod = (courierId: string | null, amount: { value: number; currency: string }, created = at(1)) =>
        place(buildOrder('t1', { courier_id: courierId, created_at: created, updated_at: created, last_event_at: created, payment: cashOnDelivery(amount, created) }));
      await cod('k2', HKD(12900));
      await cod('k2', HKD(100), at(-10_000)); // long before the range: still owed now
      await cod('k2', USD(2500));
      await cod('k1', HKD(5000));
      await cod(null, HKD(7000)); // no courier: nobody's
      await place(buildOrder('t1', { courier_id: 'k1' })); // not cash
      const cancelled = await cod('k1', HKD(9900));
      await advance(cancelled, 'cancelled', at(2));
      await place(buildOrder('t2', { courier_id: 'k1', payment: cashOnDelivery(HKD(3000), at(1)) })); // another tenant

      expect(await store.payments.paymentReport('t1', whole)).toEqual({
        by_provider: [],
        cash: [
          { courier_id: 'k1', currency: 'HKD', due: 5000, collected: 0 },
          { courier_id: 'k2', currency: 'HKD', due: 13000, collected: 0 },
          { courier_id: 'k2', currency: 'USD', due: 2500, collected: 0 },
        ],
        unmatched: 0,
      });
    });

    it('counts cash collected in the range on the courier that collected it; a collected order is no longer due', async () => {
      const first = await place(buildOrder('t1', { courier_id: 'k1', payment: cashOnDelivery(HKD(12900), at(0)) }));
      const second = await place(buildOrder('t1', { courier_id: 'k1', payment: cashOnDelivery(HKD(5000), at(0)) }));
      const before = await place(buildOrder('t1', { courier_id: 'k1', payment: cashOnDelivery(HKD(700), at(0)) }));
      await post(first, collected(first.id, 12900, at(10)));
      await post(before, collected(before.id, 700, at(-5))); // recorded before the range
      expect(await store.payments.paymentReport('t1', whole)).toEqual({
        by_provider: [],
        cash: [{ courier_id: 'k1', currency: 'HKD', due: 5000, collected: 12900 }],
        unmatched: 0,
      });
      // [from, to): a transaction recorded at `to` is the next range's.
      await post(second, collected(second.id, 5000, at(60)));
      expect((await store.payments.paymentReport('t1', whole)).cash).toEqual([{ courier_id: 'k1', currency: 'HKD', due: 0, collected: 12900 }]);
      expect((await store.payments.paymentReport('t1', { from: at(60), to: at(61) })).cash).toEqual([
        { courier_id: 'k1', currency: 'HKD', due: 0, collected: 5000 },
      ]);
      expect(await store.payments.paymentReport('t2', whole)).toEqual({ by_provider: [], cash: [], unmatched: 0 });
    });

    it("sums each provider's payments and refunds per currency, counting every kind", async () => {
      const order = await place(buildOrder('t1'));
      await post(order, providerEvent(order.id, 'stripe', 'authorization', HKD(12900)));
      await post(order, providerEvent(order.id, 'stripe', 'capture', HKD(12900)));
      await post(order, providerEvent(order.id, 'stripe', 'refund', HKD(2900)));
      await post(order, providerEvent(order.id, 'stripe', 'capture', USD(1000)));
      await post(order, providerEvent(order.id, 'adyen', 'failure', HKD(500)));
      await post(order, providerEvent(order.id, 'adyen', 'capture', HKD(800), at(90))); // after the range
      expect(await store.payments.paymentReport('t1', whole)).toEqual({
        by_provider: [
          { provider: 'adyen', currency: 'HKD', paid: 0, refunded: 0, count: 1 },
          { provider: 'stripe', currency: 'HKD', paid: 12900, refunded: 2900, count: 3 },
          { provider: 'stripe', currency: 'USD', paid: 1000, refunded: 0, count: 1 },
        ],
        cash: [],
        unmatched: 0,
      });
    });
  });

  describe('provider transactions', () => {
    function reported(orderId: string | null, kind: TransactionKind, value: number, recordedAt = at(5), provider = 'stripe'): PaymentTransaction {
      return {
        id: uniqueId('txn'), order_id: orderId, provider, provider_event_id: uniqueId('evt'), kind, amount: HKD(value),
        occurred_at: recordedAt, recorded_at: recordedAt, courier_id: null,
      };
    }

    async function record(order: Order, transaction: PaymentTransaction): Promise<PaymentCommitResult> {
      const current = (await store.orders.loadOrder(order.id))!;
      return store.payments.recordPayment({
        tenantId: current.tenant_id, orderId: order.id, expectedRev: current.rev,
        eventId: providerEventKey(transaction.provider!, transaction.provider_event_id!), transaction, payment: current.payment,
      });
    }

    it("a provider event counts once: found by provider and event id, and the order's transactions list it", async () => {
      const order = await place(buildOrder('t1'));
      const capture = reported(order.id, 'capture', 12900);
      expect((await record(order, capture)).kind).toBe('ok');
      expect(await store.payments.findProviderEvent('t1', 'stripe', capture.provider_event_id!)).toEqual(capture);
      expect(await store.payments.findProviderEvent('t2', 'stripe', capture.provider_event_id!)).toBeNull();
      expect(await store.payments.findProviderEvent('t1', 'adyen', capture.provider_event_id!)).toBeNull();
      expect(await store.payments.findTransaction('t1', capture.id)).toEqual(capture);
      expect(await store.payments.findTransaction('t2', capture.id)).toBeNull();
      // The same provider event again, under a fresh transaction id, is the first one.
      expect(await record(order, { ...capture, id: uniqueId('txn'), amount: HKD(1) })).toEqual({ kind: 'duplicate', transaction: capture });
      const refund = reported(order.id, 'refund', 900, at(6));
      await record(order, refund);
      expect(await store.payments.orderTransactions('t1', order.id)).toEqual([capture, refund]);
      expect(await store.payments.orderTransactions('t2', order.id)).toEqual([]);
    });

    it('an unmatched event is kept once, counted in the report, and matched to an order once', async () => {
      const unmatched = reported(null, 'capture', 5000);
      expect(await store.payments.recordUnmatched('t1', unmatched)).toEqual({ kind: 'ok' });
      expect(await store.payments.recordUnmatched('t1', { ...unmatched, id: uniqueId('txn') })).toEqual({ kind: 'duplicate', transaction: unmatched });
      expect(await store.payments.findProviderEvent('t1', 'stripe', unmatched.provider_event_id!)).toEqual(unmatched);
      expect((await store.payments.paymentReport('t1', { from: at(0), to: at(60) })).unmatched).toBe(1);

      const order = await place(buildOrder('t1'));
      const payment = { ...order.payment, status: 'paid' as const, amount_paid: HKD(5000), updated_at: at(8) };
      const commit = {
        tenantId: 't1', transactionId: unmatched.id, orderId: order.id, expectedRev: order.rev,
        eventId: providerEventKey('stripe', unmatched.provider_event_id!), payment, effects: ['webhook_payment' as const], at: at(8),
      };
      expect(await store.payments.matchTransaction({ ...commit, expectedRev: order.rev + 5 })).toEqual({ kind: 'rev_conflict' });
      expect(await store.payments.matchTransaction({ ...commit, tenantId: 't2' })).toEqual({ kind: 'not_unmatched' });
      const matched = { ...unmatched, order_id: order.id };
      expect(await store.payments.matchTransaction(commit)).toEqual({ kind: 'ok', rev: order.rev + 1, transaction: matched });
      expect((await store.orders.loadOrder(order.id))!).toMatchObject({ rev: order.rev + 1, payment });
      expect(await store.payments.findTransaction('t1', unmatched.id)).toEqual(matched);
      expect(await store.payments.orderTransactions('t1', order.id)).toEqual([matched]);
      expect(await store.payments.findPaymentAtRevision(order.id, order.rev + 1)).toEqual(matched);
      const owed = (await store.outbox.pendingEffects('webhook_payment', at(60), 100)).filter((effect) => effect.orderId === order.id);
      expect(owed).toEqual([{ orderId: order.id, seq: order.rev + 1, tenantId: 't1', createdAt: at(8) }]);
      // Once matched, never again.
      expect(await store.payments.matchTransaction({ ...commit, expectedRev: order.rev + 1 })).toEqual({ kind: 'not_unmatched' });
      expect((await store.payments.paymentReport('t1', { from: at(0), to: at(60) })).unmatched).toBe(0);
    });

    it('lists newest recorded first, page by page, with every filter', async () => {
      const order = await place(buildOrder('t1'));
      const other = await place(buildOrder('t1'));
      const a = reported(order.id, 'capture', 100, at(1));
      const b = reported(order.id, 'refund', 50, at(2));
      const c = reported(other.id, 'capture', 300, at(3), 'adyen');
      const d = reported(null, 'capture', 400, at(4));
      const e = reported(null, 'refund', 500, at(4), 'adyen');
      await record(order, a);
      await record(order, b);
      await record(other, c);
      await store.payments.recordUnmatched('t1', d);
      await store.payments.recordUnmatched('t1', e);
      await store.payments.recordUnmatched('t2', reported(null, 'capture', 1, at(4)));
      const all = async (filter: Partial<TransactionQuery>, limit = 100) => {
        const ids: string[] = [];
        let after: TransactionQuery['after'];
        do {
          const page = await store.payments.listTransactions('t1', { ...filter, limit, after });
          expect(page.items.length).toBeLessThanOrEqual(limit);
          ids.push(...page.items.map((item) => item.id));
          after = page.next ?? undefined;
        } while (after);
        return ids;
      };
      const [de, ed] = [d, e].sort((x, y) => (x.id < y.id ? 1 : -1));
      const newest = [de!.id, ed!.id, c.id, b.id, a.id];
      expect(await all({})).toEqual(newest);
      expect(await all({}, 2)).toEqual(newest);
      expect(await all({}, 1)).toEqual(newest);
      expect((await store.payments.listTransactions('t1', { limit: 5 })).next).toBeNull();
      expect((await store.payments.listTransactions('t1', { limit: 5 })).items[4]).toEqual(a);
      expect(await all({ from: at(2), to: at(4) })).toEqual([c.id, b.id]);
      expect(await all({ provider: 'adyen' })).toEqual([e.id, c.id]);
      expect(await all({ kind: 'refund' })).toEqual([e.id, b.id]);
      expect(await all({ match: 'unmatched' })).toEqual([de!.id, ed!.id]);
      expect(await all({ match: 'matched' })).toEqual([c.id, b.id, a.id]);
      expect(await all({ orderId: order.id })).toEqual([b.id, a.id]);
      expect(await all({ orderId: order.id, kind: 'capture', match: 'matched' })).toEqual([a.id]);
      expect(await all({ orderId: order.id, match: 'unmatched' })).toEqual([]);
      expect(await store.payments.listTransactions('t3', { limit: 10 })).toEqual({ items: [], next: null });
      // Provider null: the transactions no provider reported (a payment the business posted).
      expect(await all({ provider: null })).toEqual([]);
      const posted = { ...reported(other.id, 'capture', 10, at(5)), provider: null, provider_event_id: null, kind: 'payment' as const };
      const current = (await store.orders.loadOrder(other.id))!;
      const written = await store.payments.recordPayment({ tenantId: 't1', orderId: other.id, expectedRev: current.rev, eventId: 'posted-1', transaction: posted, payment: current.payment });
      expect(written.kind).toBe('ok');
      expect(await all({ provider: null })).toEqual([posted.id]);
      expect(await all({ provider: 'adyen' })).toEqual([e.id, c.id]);
    });
  });
}
