import { accrualPoints, ledgerKeys, minorDigits } from '../../src/domain/loyalty';

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
