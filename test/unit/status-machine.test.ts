import { canTransition, holdPoint, STATUSES, type OrderStatus } from '../../src/domain/status';

/**
 * The legal moves, written out by hand from API.md "Orders" (not derived from the code under test).
 * Every (from, to) pair not listed here is illegal.
 */
const LEGAL: Record<Exclude<OrderStatus, 'on_hold'>, readonly OrderStatus[]> = {
  // Forward along the main path (skips allowed) or cancelled.
  placed: ['processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'cancelled'],
  processing: ['shipped', 'in_transit', 'out_for_delivery', 'delivered', 'cancelled', 'on_hold'],
  shipped: ['in_transit', 'out_for_delivery', 'delivered', 'on_hold', 'returned'],
  // Each hub scan is an event: in_transit → in_transit is the one legal self-move.
  in_transit: ['in_transit', 'out_for_delivery', 'delivered', 'on_hold', 'returned'],
  out_for_delivery: ['delivered', 'failed_attempt', 'on_hold', 'returned'],
  // Terminal but for returned (the customer sent it back).
  delivered: ['returned'],
  // "from it: out_for_delivery or returned" — an exhaustive list of the ways out of failed_attempt.
  failed_attempt: ['out_for_delivery', 'returned'],
  returned: [],
  cancelled: [],
};

/** From on_hold: any main-path status at or after the held-at one, or returned. */
const LEGAL_FROM_ON_HOLD: Record<HeldAt, readonly OrderStatus[]> = {
  processing: ['processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered', 'returned'],
  shipped: ['shipped', 'in_transit', 'out_for_delivery', 'delivered', 'returned'],
  in_transit: ['in_transit', 'out_for_delivery', 'delivered', 'returned'],
  out_for_delivery: ['out_for_delivery', 'delivered', 'returned'],
};
/** The main-path statuses an order can be held at (on_hold is not reachable from placed). */
type HeldAt = 'processing' | 'shipped' | 'in_transit' | 'out_for_delivery';
const HELD_AT_VALUES = Object.keys(LEGAL_FROM_ON_HOLD) as HeldAt[];

interface Case {
  from: OrderStatus;
  to: OrderStatus;
  heldAt: HeldAt | null;
  legal: boolean;
}

const cases: Case[] = [];
for (const from of STATUSES) {
  for (const to of STATUSES) {
    if (from === 'on_hold') {
      for (const heldAt of HELD_AT_VALUES) {
        cases.push({ from, to, heldAt, legal: LEGAL_FROM_ON_HOLD[heldAt].includes(to) });
      }
    } else {
      cases.push({ from, to, heldAt: null, legal: LEGAL[from].includes(to) });
    }
  }
}

describe('canTransition', () => {
  it('covers all 10 statuses and every (from, to) pair', () => {
    expect(STATUSES).toHaveLength(10);
    const pairs = new Set(cases.map((c) => `${c.from}>${c.to}`));
    expect(pairs.size).toBe(100);
  });

  it.each(cases)('$from → $to (held at $heldAt) is legal: $legal', ({ from, to, heldAt, legal }) => {
    expect(canTransition(from, to, heldAt)).toBe(legal);
  });

  it('ignores heldAt when the order is not on hold', () => {
    const mismatches: string[] = [];
    for (const from of STATUSES) {
      if (from === 'on_hold') continue;
      for (const to of STATUSES) {
        for (const heldAt of [undefined, null, ...HELD_AT_VALUES]) {
          if (canTransition(from, to, heldAt) !== canTransition(from, to)) {
            mismatches.push(`${from}→${to} heldAt=${String(heldAt)}`);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('never leaves returned or cancelled, and leaves delivered only for returned', () => {
    for (const to of STATUSES) {
      expect(canTransition('returned', to)).toBe(false);
      expect(canTransition('cancelled', to)).toBe(false);
      expect(canTransition('delivered', to)).toBe(to === 'returned');
    }
  });

  it('never moves back to placed, whatever the hold point', () => {
    for (const from of STATUSES) {
      for (const heldAt of HELD_AT_VALUES) expect(canTransition(from, 'placed', heldAt)).toBe(false);
    }
  });
});

describe('holdPoint', () => {
  it.each(['processing', 'shipped', 'in_transit', 'out_for_delivery'] as const)(
    'an order held from %s is held at %s',
    (from) => {
      expect(holdPoint(from, null)).toBe(from);
      // A stale previous hold point does not win over where the order actually is.
      expect(holdPoint(from, 'processing')).toBe(from);
    },
  );

  it('an order cannot be held after a failed attempt, so a failed attempt is never a hold point', () => {
    expect(canTransition('failed_attempt', 'on_hold')).toBe(false);
  });

  it('keeps the previous hold point when the order is already on hold', () => {
    expect(holdPoint('on_hold', 'shipped')).toBe('shipped');
    expect(holdPoint('on_hold', 'out_for_delivery')).toBe('out_for_delivery');
  });

  it.each(['processing', 'shipped', 'in_transit', 'out_for_delivery'] as const)(
    'a hold taken at %s resumes at it or later but not earlier',
    (from) => {
      expect(canTransition(from, 'on_hold')).toBe(true);
      const heldAt = holdPoint(from, null);
      const path = ['processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered'] as const;
      const at = path.indexOf(from);
      for (const [index, to] of path.entries()) {
        expect(canTransition('on_hold', to, heldAt)).toBe(index >= at);
      }
      expect(canTransition('on_hold', 'returned', heldAt)).toBe(true);
      expect(canTransition('on_hold', 'cancelled', heldAt)).toBe(false);
    },
  );
});
