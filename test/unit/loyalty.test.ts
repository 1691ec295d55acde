import { accrualPoints, decideBooking, ledgerKeys, minorDigits, type LedgerBooking } from '../../src/domain/loyalty';

describe('accrual points', () => {
  it.each([
    [{ value: 12900, currency: 'HKD' }, 1, 129],
    [{ value: 12950, currency: 'HKD' }, 1, 129], // whole units only
    [{ value: 10000, currency: 'USD' }, 1.13, 113], // exact: 100 × 1.13 is not 112.999…
    [{ value: 12950, currency: 'HKD' }, 2.5, 322], // 129 whole units × 2.5
    [{ value: 1999, currency: 'JPY' }, 1, 1999], // no minor unit
    [{ value: 12345, currency: 'KWD' }, 1, 12], // three minor digits
    [{ value: 99, currency: 'USD' }, 1, 0], // under one unit
    [{ value: 10000, currency: 'USD' }, 0, 0],
  ])('%j at rate %d earns %d', (amount, rate, points) => {
    expect(accrualPoints(amount, rate)).toBe(points);
  });

  it('earns nothing without an amount', () => {
    expect(accrualPoints(null, 1)).toBe(0);
  });

  it('knows minor digits, assuming two for an unknown code', () => {
    expect([minorDigits('USD'), minorDigits('JPY'), minorDigits('KWD'), minorDigits('ZZZ1')]).toEqual([2, 0, 3, 2]);
  });

  it('keys each fact once: one accrual and one reversal per order, one redemption per event id', () => {
    expect(ledgerKeys.accrual('o1')).not.toBe(ledgerKeys.reversal('o1'));
    expect(ledgerKeys.redemption('e1')).toBe(ledgerKeys.redemption('e1'));
  });
});

describe('deciding a booking', () => {
  const booking = (reason: LedgerBooking['reason'], points: number, overrides: Partial<LedgerBooking> = {}): LedgerBooking => ({
    id: 'pts_1',
    tenantId: 't1',
    customerId: 'c1',
    uniqueKey: `${reason}:o1`,
    reason,
    points,
    orderId: reason === 'redemption' ? null : 'o1',
    kind: reason === 'redemption' ? 'discount' : null,
    requestHash: reason === 'redemption' ? 'h1' : null,
    at: '2024-01-01T00:00:00.000Z',
    ...overrides,
  });
  const empty = (balance: number) => ({ balance, existing: null });

  it('books an accrual: the points are added', () => {
    expect(decideBooking(empty(5), booking('accrual', 129))).toEqual({
      kind: 'book',
      balance: 134,
      entry: {
        id: 'pts_1',
        tenant_id: 't1',
        customer_id: 'c1',
        unique_key: 'accrual:o1',
        delta: 129,
        reason: 'accrual',
        order_id: 'o1',
        kind: null,
        shortfall: 0,
        request_hash: null,
        at: '2024-01-01T00:00:00.000Z',
      },
    });
  });

  it('books a redemption the balance covers, down to exactly zero', () => {
    const decision = decideBooking(empty(100), booking('redemption', 100));
    expect(decision).toMatchObject({ kind: 'book', balance: 0, entry: { delta: -100, shortfall: 0, kind: 'discount', request_hash: 'h1' } });
  });

  it('refuses a redemption the balance does not cover, writing nothing', () => {
    expect(decideBooking(empty(99), booking('redemption', 100))).toEqual({ kind: 'insufficient', balance: 99 });
    expect(decideBooking(empty(0), booking('redemption', 1))).toEqual({ kind: 'insufficient', balance: 0 });
  });

  it('books a reversal in full when the balance covers it', () => {
    expect(decideBooking(empty(200), booking('reversal', 129))).toMatchObject({
      kind: 'book',
      balance: 71,
      entry: { delta: -129, shortfall: 0 },
    });
  });

  it('takes what it can for a reversal the balance does not cover, and records the shortfall (never below zero)', () => {
    expect(decideBooking(empty(29), booking('reversal', 129))).toMatchObject({
      kind: 'book',
      balance: 0,
      entry: { delta: -29, shortfall: 100 },
    });
    expect(decideBooking(empty(0), booking('reversal', 129))).toMatchObject({
      kind: 'book',
      balance: 0,
      entry: { delta: 0, shortfall: 129 },
    });
  });

  it('returns the first booking of a key again, whatever the repeat asks, and whatever the balance now', () => {
    const first = decideBooking(empty(500), booking('redemption', 100));
    if (first.kind !== 'book') throw new Error('expected a booking');
    const repeat = booking('redemption', 9999, { id: 'pts_2', requestHash: 'other' });
    expect(decideBooking({ balance: 0, existing: first.entry }, repeat)).toEqual({ kind: 'duplicate', entry: first.entry, balance: 0 });
  });
});
