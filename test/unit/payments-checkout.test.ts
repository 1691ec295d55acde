import { verifyCheckout } from '../../src/payments/checkout';
import { SignatureError } from '../../src/payments/provider-event';
import { CHECKOUT_TEST_SECRET, checkoutEvent, checkoutSignature, providerNotification, type SignedNotification } from '../support/payment-notifications';

// Checkout.com publishes no Node SDK that signs webhooks: the builders compute `Cko-Signature` as its documentation
// says (hex HMAC-SHA256 of the raw body with the signature key).
const CREDENTIALS = { webhook_secret: CHECKOUT_TEST_SECRET };
const NOW = new Date('2026-03-01T08:00:00.000Z');

function verify(notification: SignedNotification, credentials = CREDENTIALS) {
  return verifyCheckout(providerNotification(notification, NOW), credentials);
}

describe('Checkout.com webhooks', () => {
  it('reads an approved payment as an authorization, with its reference, amount and time', () => {
    const approved = checkoutEvent({ type: 'payment_approved', orderId: 'ord_1', amount: 12900, paymentId: 'pay_mbabizu24mvu3mela5njyhpit4', createdOn: '2026-03-01T07:58:00Z' });
    const verified = verify(approved);
    expect(verified.answer).toBeUndefined();
    expect(verified.events).toEqual([
      {
        provider: 'checkout',
        event_id: approved.eventId,
        kind: 'authorization',
        order_ref: 'ord_1',
        amount: { value: 12900, currency: 'HKD' },
        occurred_at: '2026-03-01T07:58:00.000Z',
        method: 'card',
        reference: 'pay_mbabizu24mvu3mela5njyhpit4',
      },
    ]);
  });

  it('reads captures, declines and refunds (partial, then the rest; and a full one)', () => {
    expect(verify(checkoutEvent({ type: 'payment_captured', orderId: 'ord_2', amount: 10000 })).events).toMatchObject([{ kind: 'capture', amount: { value: 10000 } }]);
    expect(verify(checkoutEvent({ type: 'payment_declined', orderId: 'ord_3', amount: 500, currency: 'usd' })).events).toMatchObject([{ kind: 'failure', amount: { value: 500, currency: 'USD' } }]);
    expect(verify(checkoutEvent({ type: 'payment_capture_declined', orderId: 'ord_3', amount: 500 })).events).toMatchObject([{ kind: 'failure' }]);
    expect(verify(checkoutEvent({ type: 'payment_refunded', orderId: 'ord_2', amount: 2500 })).events).toMatchObject([{ kind: 'refund', amount: { value: 2500 } }]);
    expect(verify(checkoutEvent({ type: 'payment_refunded', orderId: 'ord_2', amount: 7500 })).events).toMatchObject([{ kind: 'refund', amount: { value: 7500 } }]);
    expect(verify(checkoutEvent({ type: 'payment_refunded', orderId: 'ord_4', amount: 10000 })).events).toMatchObject([{ kind: 'refund', amount: { value: 10000 } }]);
  });

  it('the same delivery again gives the same event id; an event that moves no money gives none', () => {
    const captured = checkoutEvent({ type: 'payment_captured', orderId: 'ord_5', amount: 100 });
    const first = verify(captured).events;
    expect(verify(captured).events).toEqual(first);
    expect(first[0]!.event_id).toBe(captured.eventId);
    expect(verify(checkoutEvent({ type: 'payment_pending', orderId: 'ord_5', amount: 100 })).events).toEqual([]);
    expect(verify(checkoutEvent({ type: 'payment_captured', orderId: null, amount: 100 })).events).toMatchObject([{ order_ref: null }]);
  });

  it('refuses a changed body, another key, a missing or malformed signature', () => {
    const approved = checkoutEvent({ type: 'payment_approved', orderId: 'ord_6', amount: 100 });
    const tampered = { ...approved, body: approved.body.replace('"amount":100', '"amount":100000') };
    expect(tampered.body).not.toBe(approved.body);
    expect(() => verify(tampered)).toThrow(SignatureError);
    expect(() => verify(approved, { webhook_secret: 'another_key' })).toThrow(SignatureError);
    expect(() => verify(checkoutEvent({ type: 'payment_approved', orderId: 'ord_6', amount: 100, secret: 'another_key' }))).toThrow(SignatureError);
    const { 'cko-signature': _dropped, ...unsigned } = approved.headers;
    expect(() => verify({ ...approved, headers: unsigned })).toThrow(SignatureError);
    expect(() => verify({ ...approved, headers: { ...approved.headers, 'cko-signature': 'abc' } })).toThrow(SignatureError);
    // The signature is of the bytes received: the same event serialised another way is not what was signed.
    const reserialised = { ...approved, body: JSON.stringify(JSON.parse(approved.body), null, 2) };
    expect(() => verify(reserialised)).toThrow(SignatureError);
  });

  it('a signed body that is not a usable event answers no events instead of a signature error', () => {
    const signed = (body: string) => ({ body, headers: { 'cko-signature': checkoutSignature(body) } });
    expect(verify(signed('not json')).events).toEqual([]);
    const approved = JSON.parse(checkoutEvent({ type: 'payment_approved', orderId: 'ord_7', amount: 100 }).body);
    for (const change of [{ amount: -1 }, { amount: 2.5 }, { amount: '100' }, { currency: 'HKDD' }]) {
      expect(verify(signed(JSON.stringify({ ...approved, data: { ...approved.data, ...change } }))).events).toEqual([]);
    }
  });
});
