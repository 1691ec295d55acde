import { createHash } from 'node:crypto';
import { newId } from '../../../src/domain/ids';
import { decideBooking, ledgerKeys } from '../../../src/domain/loyalty';
import type { LedgerBooking, LedgerEntry, LedgerResult, Store } from '../../../src/store/store';
import { at, freshStore, type StoreFactory } from './fixtures';

/** Whose account a booking is on. */
interface Customer {
  tenantId: string;
  customerId: string;
}

/**
 * LoyaltyLedger: each fact booked once per tenant, customer and unique key, the balance moved with it in the same
 * write and never below zero (a redemption that would overdraw is refused, a reversal records what it could not take
 * back), even when bookings arrive at once.
 */
export function describeLoyaltyContract(factory: StoreFactory): void {
  const store: Pick<Store, 'loyalty'> = freshStore(factory);

  const ada: Customer = { tenantId: 't1', customerId: 'c1' };

  // Bookings as the loyalty service makes them: a fresh id each, an order's keys for accruals and reversals, the
  // request's event id for a redemption (with the hash of what it asked for).
  const base = (who: Customer, minute: number) => ({ id: newId('pts'), tenantId: who.tenantId, customerId: who.customerId, at: at(minute) });
  const accrual = (who: Customer, orderId: string, points: number, minute = 1): LedgerBooking => ({
    ...base(who, minute), uniqueKey: ledgerKeys.accrual(orderId), reason: 'accrual', points, orderId, kind: null, requestHash: null,
  });
  const reversal = (who: Customer, orderId: string, points: number, minute = 1): LedgerBooking => ({
    ...base(who, minute), uniqueKey: ledgerKeys.reversal(orderId), reason: 'reversal', points, orderId, kind: null, requestHash: null,
  });
  const redemption = (who: Customer, eventId: string, points: number, minute = 1, kind: 'discount' | 'charity' = 'discount'): LedgerBooking => ({
    ...base(who, minute), uniqueKey: ledgerKeys.redemption(eventId), reason: 'redemption', points, orderId: null, kind,
    requestHash: createHash('sha256').update(`${points}:${kind}`).digest('hex'),
  });

  /** The entry a booking writes when it moves the balance by `delta` (and could not take `shortfall`). */
  const entryOf = (booking: LedgerBooking, delta: number, shortfall = 0): LedgerEntry => ({
    id: booking.id, tenant_id: booking.tenantId, customer_id: booking.customerId, unique_key: booking.uniqueKey, delta,
    reason: booking.reason, order_id: booking.orderId, kind: booking.kind, shortfall, request_hash: booking.requestHash, at: booking.at,
  });

  /** Books and fails the test unless it was booked; returns the entry written. */
  async function book(booking: LedgerBooking): Promise<LedgerEntry> {
    const result = await store.loyalty.bookLedger(booking);
    if (result.kind !== 'booked') throw new Error(`expected ${booking.uniqueKey} to be booked, got ${JSON.stringify(result)}`);
    return result.entry;
  }

  it('books a fact once per key; a repeat answers duplicate with the first entry and the balance as it is now', async () => {
    const first = accrual(ada, 'ord_1', 50, 1);
    expect(await store.loyalty.bookLedger(first)).toEqual({ kind: 'booked', entry: entryOf(first, 50), balance: 50 });
    const second = accrual(ada, 'ord_2', 20, 2);
    expect(await store.loyalty.bookLedger(second)).toEqual({ kind: 'booked', entry: entryOf(second, 20), balance: 70 });
    // The repeat has an id, points and time of its own: none of them is written.
    expect(await store.loyalty.bookLedger(accrual(ada, 'ord_1', 99, 3))).toEqual({ kind: 'duplicate', entry: entryOf(first, 50), balance: 70 });
    expect(await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).toEqual({ balance: 70, entries: [entryOf(first, 50), entryOf(second, 20)] });
  });

  it('answers a repeated redemption as a duplicate, even when the balance no longer covers it', async () => {
    await book(accrual(ada, 'ord_1', 40));
    const spent = redemption(ada, 'evt_1', 30, 2);
    expect(await store.loyalty.bookLedger(spent)).toEqual({ kind: 'booked', entry: entryOf(spent, -30), balance: 10 });
    // The replay carries another body (its hash differs): the first entry comes back for the caller to compare.
    expect(await store.loyalty.bookLedger(redemption(ada, 'evt_1', 30, 3, 'charity'))).toEqual({ kind: 'duplicate', entry: entryOf(spent, -30), balance: 10 });
    expect((await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).entries).toHaveLength(2);
  });

  it('moves the balance with every booking: accruals add, redemptions and reversals take', async () => {
    const bookings = [accrual(ada, 'ord_1', 100, 1), redemption(ada, 'evt_1', 30, 2), reversal(ada, 'ord_1', 40, 3), accrual(ada, 'ord_2', 5, 4)];
    const answers: Array<[LedgerResult['kind'], number]> = [];
    for (const booking of bookings) {
      const { kind, balance } = await store.loyalty.bookLedger(booking);
      answers.push([kind, balance]);
    }
    expect(answers).toEqual([['booked', 100], ['booked', 70], ['booked', 30], ['booked', 35]]);
    const account = await store.loyalty.getLoyalty(ada.tenantId, ada.customerId);
    expect(account.balance).toBe(35);
    expect(account.entries.map((entry) => entry.delta)).toEqual([100, -30, -40, 5]);
  });

  it('refuses a redemption the balance does not cover and writes nothing; its key stays free', async () => {
    expect(await store.loyalty.bookLedger(redemption(ada, 'evt_0', 1))).toEqual({ kind: 'insufficient', balance: 0 });
    expect(await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).toEqual({ balance: 0, entries: [] });

    const earned = await book(accrual(ada, 'ord_1', 50, 1));
    expect(await store.loyalty.bookLedger(redemption(ada, 'evt_1', 51, 2))).toEqual({ kind: 'insufficient', balance: 50 });
    expect(await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).toEqual({ balance: 50, entries: [earned] });
    expect(await store.loyalty.findLedgerEntry(ada.tenantId, ada.customerId, ledgerKeys.redemption('evt_1'))).toBeNull();
    // Exactly the balance is covered, under the key the refusal left unused.
    const all = redemption(ada, 'evt_1', 50, 3);
    expect(await store.loyalty.bookLedger(all)).toEqual({ kind: 'booked', entry: entryOf(all, -50), balance: 0 });
  });

  it('takes back in a reversal only what the balance holds, and records the rest as its shortfall', async () => {
    await book(accrual(ada, 'ord_1', 50, 1));
    await book(redemption(ada, 'evt_1', 30, 2));
    const back = reversal(ada, 'ord_1', 50, 3);
    const decided = decideBooking({ balance: 20, existing: null }, back);
    expect(await store.loyalty.bookLedger(back)).toEqual({ kind: 'booked', entry: entryOf(back, -20, 30), balance: 0 });
    expect(decided).toEqual({ kind: 'book', entry: entryOf(back, -20, 30), balance: 0 });
    // On an empty balance a reversal takes nothing (a delta of 0, not -0) and all of it is shortfall.
    const nothing = reversal(ada, 'ord_2', 10, 4);
    expect(await store.loyalty.bookLedger(nothing)).toEqual({ kind: 'booked', entry: entryOf(nothing, 0, 10), balance: 0 });
    const account = await store.loyalty.getLoyalty(ada.tenantId, ada.customerId);
    expect(account.balance).toBe(0);
    expect(account.entries.slice(2)).toEqual([entryOf(back, -20, 30), entryOf(nothing, 0, 10)]);
  });

  it('books bookings of one key issued at once a single time', async () => {
    const attempts = Array.from({ length: 8 }, (_, i) => accrual(ada, 'ord_1', 40, i));
    const results = await Promise.all(attempts.map((booking) => store.loyalty.bookLedger(booking)));
    const booked = results.filter((result) => result.kind === 'booked');
    expect(booked).toHaveLength(1);
    const { entry } = booked[0]!;
    expect(results.filter((result) => result.kind === 'duplicate')).toEqual(Array.from({ length: 7 }, () => ({ kind: 'duplicate', entry, balance: 40 })));
    expect(await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).toEqual({ balance: 40, entries: [entry] });

    const spends = await Promise.all(Array.from({ length: 6 }, (_, i) => store.loyalty.bookLedger(redemption(ada, 'evt_1', 15, 10 + i))));
    expect(spends.map((result) => result.kind).sort()).toEqual(['booked', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect((await store.loyalty.getLoyalty(ada.tenantId, ada.customerId)).balance).toBe(25);
  });

  it('never overdraws, however many redemptions arrive at once', async () => {
    await book(accrual(ada, 'ord_1', 100, 0));
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.loyalty.bookLedger(redemption(ada, `evt_${i}`, 30, 1))));
    // Whatever the order: 100 covers three of 30, and the 10 left covers none.
    const booked = results.filter((result) => result.kind === 'booked');
    expect(booked.map((result) => result.balance).sort((a, b) => b - a)).toEqual([70, 40, 10]);
    expect(results.filter((result) => result.kind === 'insufficient')).toEqual(Array.from({ length: 7 }, () => ({ kind: 'insufficient', balance: 10 })));
    const account = await store.loyalty.getLoyalty(ada.tenantId, ada.customerId);
    expect(account.balance).toBe(10);
    expect(account.entries.map((entry) => entry.delta)).toEqual([100, -30, -30, -30]);
  });

  it('reads the entries oldest first; entries of the same instant in the order they were booked', async () => {
    const bookings = [
      accrual(ada, 'ord_a', 10, 5),
      accrual(ada, 'ord_b', 20, 1),
      redemption(ada, 'evt_1', 5, 3),
      accrual(ada, 'ord_c', 1, 7),
      accrual(ada, 'ord_d', 2, 7),
      reversal(ada, 'ord_c', 1, 7),
    ];
    for (const booking of bookings) await book(booking);
    const { balance, entries } = await store.loyalty.getLoyalty(ada.tenantId, ada.customerId);
    expect(balance).toBe(27);
    expect(entries.map((entry) => entry.unique_key)).toEqual(
      [bookings[1]!, bookings[2]!, bookings[0]!, bookings[3]!, bookings[4]!, bookings[5]!].map((booking) => booking.uniqueKey),
    );
  });

  it('finds an entry by its key, only under its own tenant and customer', async () => {
    const earned = await book(accrual(ada, 'ord_1', 50));
    const key = ledgerKeys.accrual('ord_1');
    expect(await store.loyalty.findLedgerEntry('t1', 'c1', key)).toEqual(earned);
    expect(await store.loyalty.findLedgerEntry('t1', 'c1', ledgerKeys.reversal('ord_1'))).toBeNull();
    // Another tenant's customer of the same id, and another customer of the same tenant, see nothing of it.
    expect(await store.loyalty.findLedgerEntry('t2', 'c1', key)).toBeNull();
    expect(await store.loyalty.findLedgerEntry('t1', 'c2', key)).toBeNull();
    expect(await store.loyalty.getLoyalty('t2', 'c1')).toEqual({ balance: 0, entries: [] });

    // The same key is theirs to book, on a balance of their own.
    const namesake: Customer = { tenantId: 't2', customerId: 'c1' };
    const theirs = accrual(namesake, 'ord_1', 7);
    expect(await store.loyalty.bookLedger(theirs)).toEqual({ kind: 'booked', entry: entryOf(theirs, 7), balance: 7 });
    expect(await store.loyalty.findLedgerEntry('t2', 'c1', key)).toEqual(entryOf(theirs, 7));
    expect(await store.loyalty.findLedgerEntry('t1', 'c1', key)).toEqual(earned);
    expect(await store.loyalty.getLoyalty('t1', 'c1')).toEqual({ balance: 50, entries: [earned] });
  });

  it('rebuilds the kept balance from the entries booked, per tenant and customer', async () => {
    expect(await store.loyalty.rebuildBalance('t1', 'c1')).toBe(0);
    expect(await store.loyalty.getLoyalty('t1', 'c1')).toEqual({ balance: 0, entries: [] });

    await book(accrual(ada, 'ord_1', 50, 1));
    await book(redemption(ada, 'evt_1', 30, 2));
    await book(reversal(ada, 'ord_1', 50, 3)); // takes 20, 30 short
    await book(accrual(ada, 'ord_2', 15, 4));
    await book(accrual({ tenantId: 't2', customerId: 'c1' }, 'ord_1', 1000));
    // The sum of what the entries moved (50 - 30 - 20 + 15), not of the points they asked for.
    expect(await store.loyalty.rebuildBalance('t1', 'c1')).toBe(15);
    expect((await store.loyalty.getLoyalty('t1', 'c1')).balance).toBe(15);
    expect(await store.loyalty.rebuildBalance('t2', 'c1')).toBe(1000);
    // Bookings go on from the rebuilt balance.
    expect(await store.loyalty.bookLedger(redemption(ada, 'evt_2', 16, 5))).toEqual({ kind: 'insufficient', balance: 15 });
    expect(await store.loyalty.bookLedger(redemption(ada, 'evt_2', 15, 5))).toMatchObject({ kind: 'booked', balance: 0 });
  });
}
