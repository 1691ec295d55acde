/**
 * The inactive couriers a node holds: set and cleared by announcements, replaced by a store read unless a change was
 * heard while the read ran (the read may predate it).
 */
import { InactiveCouriers } from '../../src/auth/inactive-couriers';

describe('InactiveCouriers', () => {
  it('holds a courier from its deactivation to its reactivation, per tenant', () => {
    const inactive = new InactiveCouriers();
    expect(inactive.set('t1', 'k1', false)).toBe(true);
    expect(inactive.has('t1', 'k1')).toBe(true);
    expect(inactive.has('t2', 'k1')).toBe(false);
    expect(inactive.set('t1', 'k1', false)).toBe(false);
    expect(inactive.set('t1', 'k1', true)).toBe(true);
    expect(inactive.has('t1', 'k1')).toBe(false);
  });

  it("takes the store's list whole, unless a change was heard since the read began", () => {
    const inactive = new InactiveCouriers();
    inactive.set('t1', 'k1', false);
    const stale = inactive.mark();
    inactive.set('t1', 'k2', false);
    inactive.replace([{ tenant_id: 't1', courier_id: 'k1' }], stale);
    expect(inactive.has('t1', 'k2')).toBe(true);
    inactive.replace([{ tenant_id: 't1', courier_id: 'k3' }], inactive.mark());
    expect([inactive.has('t1', 'k1'), inactive.has('t1', 'k2'), inactive.has('t1', 'k3')]).toEqual([false, false, true]);
  });
});
