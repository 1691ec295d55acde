/**
 * Bookings on PostgreSQL: an accrual or a reversal is one statement (a transaction of its own), a redemption a
 * transaction that decides against the locked balance; a replay of a key moves the balance once, whether it comes
 * after the first booking or at the same time; reversals racing redemptions never take the balance below zero.
 */
import { createHash } from 'node:crypto';
import { newId } from '../../../src/domain/ids';
import { ledgerKeys, type LedgerBooking } from '../../../src/domain/loyalty';
import { countedPostgresStore } from '../../support/postgres';

const TENANT = 't1';

function booking(customerId: string, reason: LedgerBooking['reason'], key: string, points: number, orderId: string | null = null): LedgerBooking {
  return {
    id: newId('pts'),
    tenantId: TENANT,
    customerId,
    uniqueKey: key,
    reason,
    points,
    orderId,
    kind: reason === 'redemption' ? 'discount' : null,
    requestHash: reason === 'redemption' ? createHash('sha256').update(`${points}:discount`).digest('hex') : null,
    at: new Date().toISOString(),
  };
}
const accrual = (customerId: string, orderId: string, points: number) => booking(customerId, 'accrual', ledgerKeys.accrual(orderId), points, orderId);
const reversal = (customerId: string, orderId: string, points: number) => booking(customerId, 'reversal', ledgerKeys.reversal(orderId), points, orderId);
const redemption = (customerId: string, eventId: string, points: number) => booking(customerId, 'redemption', ledgerKeys.redemption(eventId), points);

describe('loyalty bookings on PostgreSQL', () => {
  const counted = countedPostgresStore();
  const taken = counted.taken;

  it('books an accrual or a reversal in one statement, and a replay of it in one too; a redemption keeps its transaction', async () => {
    taken();
    const first = accrual('c-count', 'ord_1', 50);
    expect(await counted.store().loyalty.bookLedger(first)).toMatchObject({ kind: 'booked', entry: { id: first.id, delta: 50 }, balance: 50 });
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
    // The customer's balance row is there now: an accrual on it is one statement as well.
    expect(await counted.store().loyalty.bookLedger(accrual('c-count', 'ord_2', 30))).toMatchObject({ kind: 'booked', balance: 80 });
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
    expect(await counted.store().loyalty.bookLedger(accrual('c-count', 'ord_1', 99))).toMatchObject({ kind: 'duplicate', entry: { id: first.id, delta: 50 }, balance: 80 });
    expect(taken()).toEqual({ transactions: 1, statements: 1 });
    expect(await counted.store().loyalty.bookLedger(reversal('c-count', 'ord_2', 30))).toMatchObject({ kind: 'booked', entry: { delta: -30, shortfall: 0 }, balance: 50 });
    expect(taken()).toEqual({ transactions: 1, statements: 1 });

    expect(await counted.store().loyalty.bookLedger(redemption('c-count', 'evt_1', 20))).toMatchObject({ kind: 'booked', balance: 30 });
    expect(taken().transactions).toBe(1);
  });

  it('moves the balance once for a replayed booking, one after the other and many at once', async () => {
    const first = accrual('c-replay', 'ord_1', 40);
    await counted.store().loyalty.bookLedger(first);
    // Replays carry an id, points and time of their own: none of them is written.
    for (const points of [40, 41, 1]) {
      expect(await counted.store().loyalty.bookLedger(accrual('c-replay', 'ord_1', points))).toMatchObject({ kind: 'duplicate', entry: { id: first.id }, balance: 40 });
    }
    const racing = await Promise.all(Array.from({ length: 10 }, (_, i) => counted.store().loyalty.bookLedger(accrual('c-replay', 'ord_2', 10 + i))));
    const booked = racing.filter((result) => result.kind === 'booked');
    expect(booked).toHaveLength(1);
    const { entry } = booked[0]!;
    expect(racing.filter((result) => result.kind === 'duplicate')).toEqual(Array.from({ length: 9 }, () => ({ kind: 'duplicate', entry, balance: 40 + entry.delta })));
    // A reversal replayed at once takes back once.
    const back = await Promise.all(Array.from({ length: 5 }, () => counted.store().loyalty.bookLedger(reversal('c-replay', 'ord_1', 40))));
    expect(back.map((result) => result.kind).sort()).toEqual(['booked', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);

    const account = await counted.store().loyalty.getLoyalty(TENANT, 'c-replay');
    expect(account.entries.map((e) => [e.unique_key, e.delta])).toEqual([
      [ledgerKeys.accrual('ord_1'), 40],
      [ledgerKeys.accrual('ord_2'), entry.delta],
      [ledgerKeys.reversal('ord_1'), -40],
    ]);
    expect(account.balance).toBe(entry.delta);
    expect(await counted.store().loyalty.rebuildBalance(TENANT, 'c-replay')).toBe(entry.delta);
  });

  it('never takes the balance below zero when reversals and redemptions race; the balance stays the sum of the entries', async () => {
    const customer = 'c-race';
    const orders = Array.from({ length: 6 }, (_, i) => `ord_${i}`);
    for (const orderId of orders) await counted.store().loyalty.bookLedger(accrual(customer, orderId, 20));
    // 120 held; 6 reversals of 20 and 6 redemptions of 15 ask for 210 together.
    const results = await Promise.all([
      ...orders.map((orderId) => counted.store().loyalty.bookLedger(reversal(customer, orderId, 20))),
      ...orders.map((_, i) => counted.store().loyalty.bookLedger(redemption(customer, `evt_${i}`, 15))),
    ]);
    expect(results.every((result) => result.balance >= 0)).toBe(true);
    const account = await counted.store().loyalty.getLoyalty(TENANT, customer);
    expect(account.balance).toBe(account.entries.reduce((sum, e) => sum + e.delta, 0));
    expect(account.balance).toBeGreaterThanOrEqual(0);
    // What the reversals could not take is their shortfall: taken and short add up to what each asked.
    const reversals = account.entries.filter((e) => e.reason === 'reversal');
    expect(reversals).toHaveLength(6);
    expect(reversals.every((e) => -e.delta + e.shortfall === 20 && e.delta <= 0)).toBe(true);
    // Everything held was taken back or spent (each redemption refused only when 15 was not there).
    const spent = account.entries.filter((e) => e.reason === 'redemption').length * 15;
    const takenBack = reversals.reduce((sum, e) => sum - e.delta, 0);
    expect(account.balance).toBe(120 - spent - takenBack);
    expect(await counted.store().loyalty.rebuildBalance(TENANT, customer)).toBe(account.balance);
  });
});
