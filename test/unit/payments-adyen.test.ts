import { hmacValidator } from '@adyen/api-library';
import { verifyAdyen } from '../../src/payments/adyen';
import { SignatureError } from '../../src/payments/provider-event';
import { ADYEN_TEST_HMAC_KEY, adyenItem, adyenNotification, providerNotification, signAdyenItem, type SignedNotification } from '../support/payment-notifications';

const CREDENTIALS = { hmac_key: ADYEN_TEST_HMAC_KEY };
const NOW = new Date('2026-03-01T08:00:00.000Z');

function verify(notification: SignedNotification, credentials = CREDENTIALS) {
  return verifyAdyen(providerNotification(notification, NOW), credentials);
}

describe('Adyen standard notifications', () => {
  it('reads an authorization, each item checked with its own HMAC, and answers [accepted]', () => {
    const item = adyenItem({ eventCode: 'AUTHORISATION', orderId: 'ord_1', amount: 12900, pspReference: 'QFQTPCQ8HXSKGK82', eventDate: '2026-03-01T15:59:30+08:00' });
    const verified = verify(adyenNotification({ items: [item] }));
    expect(verified.answer).toEqual({ body: '[accepted]', contentType: 'text/plain' });
    expect(verified.events).toEqual([
      {
        provider: 'adyen',
        event_id: 'QFQTPCQ8HXSKGK82:AUTHORISATION:true',
        kind: 'authorization',
        order_ref: 'ord_1',
        amount: { value: 12900, currency: 'HKD' },
        occurred_at: '2026-03-01T07:59:30.000Z',
        method: 'card',
        reference: 'QFQTPCQ8HXSKGK82',
      },
    ]);
  });

  it('a refused authorisation is a failure; a capture and refunds are their own amounts, for the original payment', () => {
    const refused = adyenItem({ eventCode: 'AUTHORISATION', success: false, orderId: 'ord_2', amount: 5000, paymentMethod: 'applepay' });
    expect(verify(adyenNotification({ items: [refused] })).events).toMatchObject([{ kind: 'failure', amount: { value: 5000 }, method: 'wallet', event_id: `${refused.pspReference}:AUTHORISATION:false` }]);
    const payment = 'V4HZ4RBFJGXXGN82';
    const capture = adyenItem({ eventCode: 'CAPTURE', orderId: 'ord_3', amount: 10000, originalReference: payment });
    const partial = adyenItem({ eventCode: 'REFUND', orderId: 'ord_3', amount: 2500, originalReference: payment });
    const rest = adyenItem({ eventCode: 'REFUND', orderId: 'ord_3', amount: 7500, originalReference: payment });
    const events = verify(adyenNotification({ items: [capture, partial, rest] })).events;
    expect(events).toMatchObject([
      { kind: 'capture', amount: { value: 10000, currency: 'HKD' }, reference: payment, event_id: `${capture.pspReference}:CAPTURE:true` },
      { kind: 'refund', amount: { value: 2500 }, reference: payment },
      { kind: 'refund', amount: { value: 7500 }, reference: payment },
    ]);
    const full = adyenItem({ eventCode: 'REFUND', orderId: 'ord_4', amount: 10000, originalReference: 'W3HZ4RBFJGXXGN83' });
    expect(verify(adyenNotification({ items: [full] })).events).toMatchObject([{ kind: 'refund', amount: { value: 10000 } }]);
  });

  it('the same item delivered again gives the same event id', () => {
    const item = signAdyenItem(adyenItem({ eventCode: 'CAPTURE', orderId: 'ord_5', amount: 100, originalReference: 'X1' }));
    const first = verify(adyenNotification({ items: [item] })).events;
    expect(verify(adyenNotification({ items: [item] })).events).toEqual(first);
    expect(first[0]!.event_id).toBe(`${item.pspReference}:CAPTURE:true`);
  });

  it('a cancellation, an unsuccessful capture or refund, and other codes move no money: no events, still [accepted]', () => {
    const items = [
      adyenItem({ eventCode: 'CANCELLATION', orderId: 'ord_6', amount: 100, originalReference: 'X2' }),
      adyenItem({ eventCode: 'CAPTURE', success: false, orderId: 'ord_6', amount: 100, originalReference: 'X2' }),
      adyenItem({ eventCode: 'REFUND', success: false, orderId: 'ord_6', amount: 100, originalReference: 'X2' }),
      adyenItem({ eventCode: 'REPORT_AVAILABLE', orderId: 'ord_6', amount: 0 }),
    ];
    expect(verify(adyenNotification({ items }))).toEqual({ events: [], answer: { body: '[accepted]', contentType: 'text/plain' } });
  });

  it('signs as Adyen\'s library does: references with colons and backslashes are joined as they are', () => {
    const item = adyenItem({ eventCode: 'AUTHORISATION', orderId: 'shop:ord\\7', amount: 300 });
    const signed = signAdyenItem(item);
    expect(new hmacValidator().validateHMAC(signed as never, ADYEN_TEST_HMAC_KEY)).toBe(true);
    expect(verify(adyenNotification({ items: [signed] })).events).toMatchObject([{ order_ref: 'shop:ord\\7' }]);
  });

  it('a batch with one item altered after signing is refused whole, nothing read from the good one', () => {
    const good = adyenItem({ eventCode: 'AUTHORISATION', orderId: 'ord_8', amount: 100 });
    const signed = signAdyenItem(adyenItem({ eventCode: 'CAPTURE', orderId: 'ord_9', amount: 100, originalReference: 'X3' }));
    const tampered = { ...signed, amount: { ...signed.amount, value: 1 } };
    expect(() => verify(adyenNotification({ items: [good, tampered] }))).toThrow(SignatureError);
    const renamed = { ...signed, merchantReference: 'ord_other' };
    expect(() => verify(adyenNotification({ items: [good, renamed] }))).toThrow(SignatureError);
    expect(verify(adyenNotification({ items: [good, signed] })).events).toHaveLength(2);
  });

  it('refuses another key, an item without a signature, and a body with nothing signed', () => {
    const item = adyenItem({ eventCode: 'AUTHORISATION', orderId: 'ord_10', amount: 100 });
    const otherKey = 'A'.repeat(64);
    expect(() => verify(adyenNotification({ items: [item], hmacKey: otherKey }))).toThrow(SignatureError);
    expect(() => verify(adyenNotification({ items: [item] }), { hmac_key: otherKey })).toThrow(SignatureError);
    const unsigned = JSON.stringify({ live: 'false', notificationItems: [{ NotificationRequestItem: item }] });
    expect(() => verify({ body: unsigned, headers: {} })).toThrow(SignatureError);
    for (const body of ['not json', '{}', '{"live":"false","notificationItems":[]}', '{"live":"false","notificationItems":[{}]}']) {
      expect(() => verify({ body, headers: {} })).toThrow(SignatureError);
    }
    expect(() => verify(adyenNotification({ items: [item] }), { hmac_key: 'not hex' })).toThrow(SignatureError);
  });

  it('a signed item without a usable amount answers no event', () => {
    for (const amount of [{ value: -1, currency: 'HKD' }, { value: 1.5, currency: 'HKD' }, { value: 100, currency: 'HK' }]) {
      const item = { ...adyenItem({ eventCode: 'AUTHORISATION', orderId: 'ord_11', amount: 100 }), amount };
      expect(verify(adyenNotification({ items: [item] })).events).toEqual([]);
    }
  });
});
