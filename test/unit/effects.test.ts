import { effectsOf, loyaltyFactOf, owesLoyalty } from '../../src/domain/effects';
import { NOTIFYING_STATUSES, STATUSES } from '../../src/domain/status';

describe('what an applied status owes', () => {
  it('owes loyalty when delivered (an accrual) and when returned (a reversal), and nothing else', () => {
    expect(STATUSES.filter(owesLoyalty)).toEqual(['delivered', 'returned']);
    expect(loyaltyFactOf('delivered')).toBe('accrual');
    expect(loyaltyFactOf('returned')).toBe('reversal');
    expect(loyaltyFactOf('cancelled')).toBeNull();
  });

  it('owes an alert for every notifying status (API.md "Notifications")', () => {
    expect(STATUSES.filter((status) => effectsOf(status).includes('alert'))).toEqual([...NOTIFYING_STATUSES]);
  });

  it.each([
    ['placed', []],
    ['processing', []],
    ['in_transit', []],
    ['shipped', ['alert']],
    ['out_for_delivery', ['alert']],
    ['failed_attempt', ['alert']],
    ['delivered', ['alert', 'loyalty']],
    ['returned', ['alert', 'loyalty']],
    ['on_hold', []],
    ['cancelled', []],
  ] as const)('%s owes %j', (status, effects) => {
    expect(effectsOf(status)).toEqual(effects);
  });
});
