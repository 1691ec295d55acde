import { ValidationError } from '../../src/domain/errors';
import { afterCollection, collectionRefusal, collectOnDelivery, noPayment, placedPayment } from '../../src/domain/payment';

const AT = '2026-01-01T00:00:00.000Z';
const HKD = (value: number) => ({ value, currency: 'HKD' });

describe('an order\'s payment (cash on delivery)', () => {
  it('is none without a request, cash on delivery of the order amount or the amount due with one', () => {
    expect(placedPayment(undefined, HKD(100), AT)).toEqual(noPayment(AT));
    expect(placedPayment({ method: 'cash' }, HKD(100), AT)).toMatchObject({ status: 'cod_due', method: 'cash', amount_due: HKD(100) });
    expect(placedPayment({ method: 'cash', amount_due: HKD(40) }, HKD(100), AT).amount_due).toEqual(HKD(40));
    expect(() => placedPayment({ method: 'cash' }, null, AT)).toThrow(ValidationError);
  });

  it('the courier collects the amount due while it is due, in its currency; what is collected adds up', () => {
    const due = placedPayment({ method: 'cash' }, HKD(100), AT);
    expect(collectOnDelivery(due)).toEqual(HKD(100));
    expect(collectionRefusal(due, { value: 100, currency: 'USD' })).toBe('currency_mismatch');
    expect(collectionRefusal(noPayment(AT), HKD(100))).toBe('not_cash');
    const part = afterCollection(due, HKD(60), AT);
    expect(afterCollection(part, HKD(40), AT)).toMatchObject({ status: 'cod_collected', amount_paid: HKD(100) });
    // Collected: the label no longer asks for cash.
    expect(collectOnDelivery(part)).toBeNull();
  });
});
