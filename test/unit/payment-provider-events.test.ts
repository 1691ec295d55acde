import {
  cashOnDelivery,
  decideProviderEvent,
  noPayment,
  paymentCurrency,
  type Money,
  type Payment,
  type ProviderKind,
  type ProviderMovement,
} from '../../src/domain/payment';

const HKD = (value: number): Money => ({ value, currency: 'HKD' });
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
const move = (kind: ProviderKind, value: number, minute: number, currency = 'HKD'): ProviderMovement => ({
  kind,
  amount: { value, currency },
  occurred_at: at(minute),
});

/** Applies movements one by one in arrival order, as the order's actor does, and answers the last decision. */
function arrive(movements: ProviderMovement[], start: Payment = noPayment(at(0)), orderAmount: Money | null = HKD(10000)) {
  let payment = start;
  const recorded: ProviderMovement[] = [];
  let decision = { payment, refusal: null as string | null };
  for (const event of movements) {
    decision = decideProviderEvent({ payment, orderAmount, recorded, event: { ...event, method: 'card' }, provider: 'pp_1', at: at(99) });
    payment = decision.payment;
    recorded.push(event);
  }
  return decision;
}

describe('provider events on an order\'s payment', () => {
  it('authorization, then capture, then a partial and a full refund', () => {
    expect(arrive([move('authorization', 10000, 1)]).payment).toMatchObject({
      status: 'authorized', method: 'card', amount_paid: null, amount_refunded: null, provider: 'pp_1', updated_at: at(99),
    });
    expect(arrive([move('authorization', 10000, 1), move('capture', 10000, 2)]).payment).toMatchObject({
      status: 'paid', amount_paid: HKD(10000), amount_refunded: null,
    });
    expect(arrive([move('authorization', 10000, 1), move('capture', 10000, 2), move('refund', 2500, 3)]).payment).toMatchObject({
      status: 'partially_refunded', amount_paid: HKD(10000), amount_refunded: HKD(2500),
    });
    expect(arrive([move('capture', 10000, 2), move('refund', 2500, 3), move('refund', 7500, 4)]).payment).toMatchObject({
      status: 'refunded', amount_paid: HKD(10000), amount_refunded: HKD(10000),
    });
  });

  it('late events never undo later states', () => {
    // authorized after paid stays paid; a failure after paid stays paid
    expect(arrive([move('capture', 10000, 2), move('authorization', 10000, 1)]).payment.status).toBe('paid');
    expect(arrive([move('capture', 10000, 2), move('failure', 10000, 3)]).payment.status).toBe('paid');
    // a capture after a refund keeps the refund
    const late = arrive([move('refund', 10000, 3), move('capture', 10000, 2)]);
    expect(late.payment).toMatchObject({ status: 'refunded', amount_paid: HKD(10000), amount_refunded: HKD(10000) });
    expect(late.refusal).toBeNull();
  });

  it('comes to the same payment in any order of arrival', () => {
    const events = [move('authorization', 10000, 1), move('capture', 10000, 2), move('refund', 3000, 3), move('failure', 10000, 4)];
    const expected = arrive(events).payment;
    const orders = [[3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]];
    for (const order of orders) expect(arrive(order.map((index) => events[index]!)).payment).toEqual(expected);
    expect(expected).toMatchObject({ status: 'partially_refunded', amount_paid: HKD(10000), amount_refunded: HKD(3000) });
  });

  it('the latest of authorization and failure decides while nothing is paid', () => {
    expect(arrive([move('authorization', 10000, 1), move('failure', 10000, 2)]).payment.status).toBe('failed');
    expect(arrive([move('failure', 10000, 2), move('authorization', 10000, 1)]).payment.status).toBe('failed');
    expect(arrive([move('failure', 10000, 1), move('authorization', 10000, 2)]).payment.status).toBe('authorized');
  });

  it('a repeated movement is for the caller to drop; the decision itself is pure', () => {
    const once = arrive([move('capture', 10000, 2)]);
    const input = {
      payment: once.payment, orderAmount: HKD(10000), recorded: [move('capture', 10000, 2)],
      event: { ...move('refund', 100, 3), method: null }, provider: 'pp_1', at: at(50),
    };
    expect(decideProviderEvent(input)).toEqual(decideProviderEvent(input));
    expect(decideProviderEvent(input).payment.method).toBe('card');
  });

  it('refunds beyond what was paid: the excess is refused and kept, and counts once a capture covers it', () => {
    const over = arrive([move('capture', 5000, 2), move('refund', 3000, 3), move('refund', 4000, 4)]);
    expect(over.refusal).toBe('over_refund');
    expect(over.payment).toMatchObject({ status: 'refunded', amount_paid: HKD(5000), amount_refunded: HKD(5000) });
    const wholly = arrive([move('capture', 5000, 2), move('refund', 5000, 3), move('refund', 100, 4)]);
    expect(wholly.refusal).toBe('over_refund');
    expect(wholly.payment.amount_refunded).toEqual(HKD(5000));
    // A refund before anything was captured waits for the capture.
    const early = arrive([move('refund', 2000, 3)]);
    expect(early).toMatchObject({ refusal: 'over_refund', payment: { status: 'none', amount_refunded: null } });
    expect(arrive([move('refund', 2000, 3), move('capture', 5000, 2)]).payment).toMatchObject({
      status: 'partially_refunded', amount_paid: HKD(5000), amount_refunded: HKD(2000),
    });
  });

  it('an event in another currency than the payment is refused and kept: it moves nothing', () => {
    const mismatch = arrive([move('capture', 10000, 2), move('refund', 10000, 3, 'USD')]);
    expect(mismatch.refusal).toBe('currency_mismatch');
    expect(mismatch.payment).toMatchObject({ status: 'paid', amount_refunded: null, updated_at: at(99) });
    expect(arrive([move('capture', 10000, 2, 'USD')]).payment.status).toBe('none');
    // An order with no amount takes the currency of its first movement.
    const free = arrive([move('capture', 10000, 2, 'USD'), move('capture', 500, 3, 'HKD')], noPayment(at(0)), null);
    expect(free).toMatchObject({ refusal: 'currency_mismatch', payment: { status: 'paid', amount_paid: { value: 10000, currency: 'USD' } } });
    expect(paymentCurrency(noPayment(at(0)), null, [move('capture', 1, 5, 'EUR'), move('capture', 1, 1, 'JPY')])).toBe('JPY');
  });

  it('cash on delivery is left to its courier', () => {
    const cod = cashOnDelivery(HKD(10000), at(0));
    const decision = arrive([move('capture', 10000, 2)], cod);
    expect(decision).toEqual({ payment: cod, refusal: 'cash' });
  });
});
