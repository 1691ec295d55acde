import { decideEvent, type EventInput } from '../../src/domain/apply-event';
import { IllegalTransitionError } from '../../src/domain/errors';
import type { Order } from '../../src/domain/order';
import { noPayment } from '../../src/domain/payment';

const T0 = '2024-05-01T10:00:00.000Z';
const T1 = '2024-05-01T11:00:00.000Z';
const NOW = '2024-05-01T12:00:00.000Z';

function order(overrides: Partial<Order> = {}): Order {
  return {
    id: 'ord_1',
    tenant_id: 'ten_1',
    external_id: null,
    status: 'processing',
    version: 3,
    rev: 7,
    customer: { id: 'c1' },
    destination: null,
    amount: null,
    items: null,
    notify: null,
    metadata: null,
    courier_id: null,
    created_at: T0,
    updated_at: T1,
    eta: null,
    promised_by: null,
    last_location: null,
    last_event_at: T1,
    held_at: null,
    delivered_at: null,
    failed_attempts: 0,
    payment: noPayment(T0),
    ...overrides,
  };
}

function input(overrides: Partial<EventInput> = {}): EventInput {
  return {
    type: 'status',
    status: 'shipped',
    scan_type: null,
    event_id: 'evt_1',
    occurred_at: null,
    location: null,
    note: null,
    source: 'staff',
    ...overrides,
  };
}

describe('decideEvent', () => {
  it('applies a legal event as the next seq and moves the order', () => {
    const decision = decideEvent(order(), input({ occurred_at: '2024-05-01T11:30:00.000Z', note: 'n' }), NOW);
    expect(decision.kind).toBe('applied');
    if (decision.kind !== 'applied') return;
    expect(decision.event).toEqual({
      seq: 4,
      order_id: 'ord_1',
      type: 'status',
      status: 'shipped',
      scan_type: null,
      event_id: 'evt_1',
      occurred_at: '2024-05-01T11:30:00.000Z',
      recorded_at: NOW,
      location: null,
      note: 'n',
      source: 'staff',
      applied: true,
    });
    expect(decision.next).toMatchObject({
      status: 'shipped',
      version: 4,
      updated_at: NOW,
      last_event_at: '2024-05-01T11:30:00.000Z',
      held_at: null,
      courier_id: null,
      delivered_at: null,
      failed_attempts: 0,
    });
    // The store bumps the revision on write; the decision leaves it to the store.
    expect(decision.next.rev).toBe(7);
    expect(decision.next.created_at).toBe(T0);
  });

  it('does not mutate the order it decides on', () => {
    const before = order();
    const snapshot = structuredClone(before);
    decideEvent(before, input(), NOW);
    expect(before).toEqual(snapshot);
  });

  it('an event without occurred_at occurs now', () => {
    const decision = decideEvent(order(), input(), NOW);
    expect(decision.kind).toBe('applied');
    expect(decision.event.occurred_at).toBe(NOW);
    if (decision.kind === 'applied') expect(decision.next.last_event_at).toBe(NOW);
  });

  it('keeps a late event unapplied, without a seq, and without moving the order', () => {
    const decision = decideEvent(order(), input({ occurred_at: T0 }), NOW);
    expect(decision).toEqual({
      kind: 'late',
      event: expect.objectContaining({ seq: null, applied: false, occurred_at: T0, recorded_at: NOW, status: 'shipped' }),
      next: null,
    });
  });

  it('keeps the newest event time: an event without a time does not pull it back behind one dated ahead', () => {
    const ahead = '2024-05-01T12:04:00.000Z'; // NOW + 4 min
    const first = decideEvent(order(), input({ occurred_at: ahead }), NOW);
    if (first.kind !== 'applied') throw new Error('expected applied');
    const second = decideEvent(first.next, input({ event_id: 'e2', status: 'in_transit', occurred_at: null }), NOW);
    if (second.kind !== 'applied') throw new Error('expected applied');
    expect(second.next.last_event_at).toBe(ahead);
    // An event at NOW + 1 min is older than the newest one (+4 min): late, not applied as seq 6.
    const third = decideEvent(second.next, input({ event_id: 'e3', status: 'in_transit', occurred_at: '2024-05-01T12:01:00.000Z' }), NOW);
    expect(third.kind).toBe('late');
  });

  it('a late pickup of an unassigned order still assigns it, without moving its status', () => {
    const pickup = input({ type: 'scan', scan_type: 'pickup', status: 'shipped', source: 'courier', occurred_at: T0, assign_courier_id: 'k7' });
    const decision = decideEvent(order({ status: 'in_transit' }), pickup, NOW);
    expect(decision.kind).toBe('late');
    if (decision.kind !== 'late') return;
    expect(decision.event).toMatchObject({ seq: null, applied: false });
    expect(decision.next).toMatchObject({ courier_id: 'k7', status: 'in_transit', version: 3, updated_at: NOW });
    // Already assigned: a late pickup changes nothing.
    expect(decideEvent(order({ courier_id: 'k1' }), pickup, NOW)).toMatchObject({ kind: 'late', next: null });
  });

  it('a late event is late even when its transition would be illegal', () => {
    const decision = decideEvent(order({ status: 'delivered' }), input({ status: 'placed', occurred_at: T0 }), NOW);
    expect(decision.kind).toBe('late');
    expect(decision.event.seq).toBeNull();
    expect(decision.event.applied).toBe(false);
  });

  it('an event without occurred_at is never late, even if the clock is behind the newest event', () => {
    const future = '2024-05-02T00:00:00.000Z';
    const decision = decideEvent(order({ last_event_at: future }), input({ occurred_at: null }), NOW);
    expect(decision.kind).toBe('applied');
    expect(decision.event.seq).toBe(4);
  });

  it('an event at exactly the newest event time is not late', () => {
    const decision = decideEvent(order(), input({ occurred_at: T1 }), NOW);
    expect(decision.kind).toBe('applied');
  });

  it('compares instants, not strings', () => {
    // 12:30+02:00 is 10:30Z, older than the newest event (11:00Z) though it sorts after it as text.
    expect(decideEvent(order(), input({ occurred_at: '2024-05-01T12:30:00.000+02:00' }), NOW).kind).toBe('late');
    // 13:00+02:00 is exactly 11:00Z: not older, so not late.
    expect(decideEvent(order(), input({ occurred_at: '2024-05-01T13:00:00.000+02:00' }), NOW).kind).toBe('applied');
  });

  it('throws IllegalTransitionError carrying from and to', () => {
    let caught: unknown;
    try {
      decideEvent(order({ status: 'shipped' }), input({ status: 'processing' }), NOW);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalTransitionError);
    expect(caught).toMatchObject({ from: 'shipped', to: 'processing', code: 'illegal_transition' });
  });

  it('records where an order was held and clears it on resume', () => {
    const held = decideEvent(order({ status: 'in_transit' }), input({ status: 'on_hold' }), NOW);
    expect(held.kind).toBe('applied');
    if (held.kind !== 'applied') return;
    expect(held.next).toMatchObject({ status: 'on_hold', held_at: 'in_transit' });

    expect(() => decideEvent(held.next, input({ event_id: 'e2', status: 'shipped' }), NOW)).toThrow(
      IllegalTransitionError,
    );
    const resumed = decideEvent(held.next, input({ event_id: 'e3', status: 'in_transit' }), NOW);
    expect(resumed.kind).toBe('applied');
    if (resumed.kind === 'applied') expect(resumed.next).toMatchObject({ status: 'in_transit', held_at: null, version: 5 });
  });

  it('a pickup scan with assign_courier_id assigns the courier', () => {
    const decision = decideEvent(
      order(),
      input({ type: 'scan', scan_type: 'pickup', status: 'shipped', source: 'courier', assign_courier_id: 'k7' }),
      NOW,
    );
    expect(decision.kind).toBe('applied');
    if (decision.kind !== 'applied') return;
    expect(decision.next.courier_id).toBe('k7');
    expect(decision.event).toMatchObject({ type: 'scan', scan_type: 'pickup', source: 'courier' });
  });

  it('an event without assign_courier_id keeps the current courier', () => {
    const decision = decideEvent(order({ courier_id: 'k1' }), input({ assign_courier_id: null }), NOW);
    expect(decision.kind === 'applied' && decision.next.courier_id).toBe('k1');
  });

  describe('report projections', () => {
    it('a delivered event sets delivered_at to when it occurred, not when it was recorded', () => {
      const occurred = '2024-05-01T11:45:00.000Z';
      const decision = decideEvent(order({ status: 'out_for_delivery' }), input({ status: 'delivered', occurred_at: occurred }), NOW);
      expect(decision).toMatchObject({ kind: 'applied', next: { delivered_at: occurred, failed_attempts: 0 } });
      // Without a time it occurs now.
      const untimed = decideEvent(order({ status: 'out_for_delivery' }), input({ status: 'delivered' }), NOW);
      expect(untimed.kind === 'applied' && untimed.next.delivered_at).toBe(NOW);
    });

    it('a returned order keeps when it was delivered', () => {
      const delivered = order({ status: 'delivered', delivered_at: T1 });
      const decision = decideEvent(delivered, input({ status: 'returned' }), NOW);
      expect(decision).toMatchObject({ kind: 'applied', next: { status: 'returned', delivered_at: T1 } });
    });

    it('counts applied failed attempts across retries of the delivery', () => {
      let current = order({ status: 'out_for_delivery' });
      const steps = ['failed_attempt', 'out_for_delivery', 'failed_attempt', 'out_for_delivery', 'delivered'] as const;
      const counts: number[] = [];
      for (const [index, status] of steps.entries()) {
        const decision = decideEvent(current, input({ event_id: `e${index}`, status }), NOW);
        if (decision.kind !== 'applied') throw new Error('expected applied');
        current = decision.next;
        counts.push(current.failed_attempts);
      }
      expect(counts).toEqual([1, 1, 2, 2, 2]);
      expect(current).toMatchObject({ status: 'delivered', delivered_at: NOW, failed_attempts: 2 });
    });

    it('other statuses leave both alone, and promised_by is never touched', () => {
      const before = order({ status: 'shipped', failed_attempts: 1, promised_by: T1 });
      const decision = decideEvent(before, input({ status: 'in_transit' }), NOW);
      expect(decision).toMatchObject({ kind: 'applied', next: { delivered_at: null, failed_attempts: 1, promised_by: T1 } });
    });

    it('a late delivered or failed_attempt event changes neither', () => {
      const current = order({ status: 'out_for_delivery' });
      expect(decideEvent(current, input({ status: 'delivered', occurred_at: T0 }), NOW)).toMatchObject({ kind: 'late', next: null });
      expect(decideEvent(current, input({ status: 'failed_attempt', occurred_at: T0 }), NOW)).toMatchObject({ kind: 'late', next: null });
    });
  });
});
