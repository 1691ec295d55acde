import { effectsOf, effectsOfCourierChange, effectsOfPayment, effectsOfUndeliveredAlert, loyaltyFactOf, owesLoyalty } from '../../src/domain/effects';
import { NOTIFYING_STATUSES, STATUSES } from '../../src/domain/status';

describe('what an applied status owes', () => {
  it('owes loyalty when delivered (an accrual) and when returned (a reversal), and nothing else', () => {
    expect(STATUSES.filter(owesLoyalty)).toEqual(['delivered', 'returned']);
    expect(loyaltyFactOf('delivered')).toBe('accrual');
    expect(loyaltyFactOf('returned')).toBe('reversal');
    expect(loyaltyFactOf('cancelled')).toBeNull();
  });

  it('owes an alert for every notifying status (API.md "Notifications")', () => {
    expect(STATUSES.filter((status) => effectsOf(status, true).includes('alert'))).toEqual([...NOTIFYING_STATUSES]);
  });

  it('owes webhook messages for every applied status (order.status_changed) when the tenant may take them', () => {
    expect(STATUSES.filter((status) => effectsOf(status, true).includes('webhook'))).toEqual([...STATUSES]);
    expect(STATUSES.filter((status) => effectsOf(status, false).includes('webhook'))).toEqual([]);
    // The alert and loyalty effects do not depend on the tenant's endpoints.
    expect(effectsOf('delivered', false)).toEqual(['alert', 'loyalty']);
  });

  it('owes order.assigned messages for a courier change and notification.failed ones for an alert that reached nobody', () => {
    expect(effectsOfCourierChange(true)).toEqual(['webhook_assignment']);
    expect(effectsOfCourierChange(false)).toEqual([]);
    expect(effectsOfUndeliveredAlert()).toEqual(['webhook_alert_failed']);
  });

  it('owes payment.updated messages for a payment transaction recorded on the order', () => {
    expect(effectsOfPayment(true)).toEqual(['webhook_payment']);
    expect(effectsOfPayment(false)).toEqual([]);
  });

  it.each([
    ['placed', ['webhook']],
    ['processing', ['webhook']],
    ['in_transit', ['webhook']],
    ['shipped', ['alert', 'webhook']],
    ['out_for_delivery', ['alert', 'webhook']],
    ['failed_attempt', ['alert', 'webhook']],
    ['delivered', ['alert', 'loyalty', 'webhook']],
    ['returned', ['alert', 'loyalty', 'webhook']],
    ['on_hold', ['webhook']],
    ['cancelled', ['webhook']],
  ] as const)('%s owes %j', (status, effects) => {
    expect(effectsOf(status, true)).toEqual(effects);
  });
});
