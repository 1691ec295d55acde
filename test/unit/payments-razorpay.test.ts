import Razorpay from 'razorpay';
import { SignatureError } from '../../src/payments/provider-event';
import { verifyRazorpay } from '../../src/payments/razorpay';
import { notification, razorpayCredentials, razorpayPaymentEvent, razorpayRefundEvent, signRazorpay } from '../support/payment-notifications-2';

describe('Razorpay notifications', () => {
  it('signs as Razorpay documents it: the SDK accepts the test notifications', () => {
    const signed = razorpayPaymentEvent({ event: 'payment.captured', amount: 49900 });
    expect(Razorpay.validateWebhookSignature(signed.body, signed.headers['x-razorpay-signature'] as string, razorpayCredentials.webhook_secret)).toBe(true);
    expect(verifyRazorpay(notification(signed), razorpayCredentials).events).toHaveLength(1);
  });

  it('reads an authorized payment as an authorization of the order its notes name', () => {
    const signed = razorpayPaymentEvent({ event: 'payment.authorized', amount: 49900, paymentId: 'pay_1', orderRef: 'ord_7', createdAt: 1772442006 });
    expect(verifyRazorpay(notification(signed), razorpayCredentials)).toEqual({
      events: [
        {
          provider: 'razorpay',
          event_id: 'pay_1:payment.authorized',
          kind: 'authorization',
          order_ref: 'ord_7',
          amount: { value: 49900, currency: 'INR' },
          occurred_at: new Date(1772442006 * 1000).toISOString(),
          method: 'card',
          reference: 'pay_1',
        },
      ],
    });
  });

  it('reads a captured payment as a capture and a failed one as a failure', () => {
    const [capture] = verifyRazorpay(notification(razorpayPaymentEvent({ event: 'payment.captured', amount: 49900, method: 'upi' })), razorpayCredentials).events;
    expect(capture).toMatchObject({ kind: 'capture', amount: { value: 49900, currency: 'INR' }, method: 'bank_transfer', order_ref: 'ord_rzp_1' });
    const [failure] = verifyRazorpay(notification(razorpayPaymentEvent({ event: 'payment.failed', amount: 49900, currency: 'SGD', method: 'wallet' })), razorpayCredentials).events;
    expect(failure).toMatchObject({ kind: 'failure', amount: { value: 49900, currency: 'SGD' }, method: 'wallet' });
  });

  it('reads processed refunds, partial and full, with the order of the payment they belong to', () => {
    const partial = verifyRazorpay(notification(razorpayRefundEvent({ amount: 10000, paymentAmount: 49900, refundId: 'rfnd_1', paymentId: 'pay_1', createdAt: 1772528406 })), razorpayCredentials);
    expect(partial.events).toEqual([
      {
        provider: 'razorpay',
        event_id: 'rfnd_1:refund.processed',
        kind: 'refund',
        order_ref: 'ord_rzp_1',
        amount: { value: 10000, currency: 'INR' },
        occurred_at: new Date(1772528406 * 1000).toISOString(),
        method: 'card',
        reference: 'pay_1',
      },
    ]);
    const full = verifyRazorpay(notification(razorpayRefundEvent({ amount: 39900, paymentAmount: 49900, refundId: 'rfnd_2' })), razorpayCredentials);
    expect(full.events.map((e) => [e.kind, e.event_id, e.amount.value])).toEqual([['refund', 'rfnd_2:refund.processed', 39900]]);
  });

  it('counts a refund when it is processed, not when it is only created or when it failed', () => {
    expect(verifyRazorpay(notification(razorpayRefundEvent({ event: 'refund.created', amount: 100, paymentAmount: 49900 })), razorpayCredentials).events).toEqual([]);
    expect(verifyRazorpay(notification(razorpayRefundEvent({ event: 'refund.failed', amount: 100, paymentAmount: 49900 })), razorpayCredentials).events).toEqual([]);
  });

  it('names no order for a payment without notes', () => {
    const [event] = verifyRazorpay(notification(razorpayPaymentEvent({ event: 'payment.captured', amount: 100, orderRef: null })), razorpayCredentials).events;
    expect(event?.order_ref).toBeNull();
  });

  it('gives a redelivery the same event id, whatever the unsigned event-id header says', () => {
    const signed = razorpayPaymentEvent({ event: 'payment.captured', amount: 49900, eventId: 'FfMxR9SLYZuAdD' });
    const [first] = verifyRazorpay(notification(signed), razorpayCredentials).events;
    const [again] = verifyRazorpay(notification(signed), razorpayCredentials).events;
    const [replayed] = verifyRazorpay(notification(signed, { 'x-razorpay-event-id': 'Fother' }), razorpayCredentials).events;
    expect(again?.event_id).toBe(first?.event_id);
    expect(replayed?.event_id).toBe(first?.event_id);
    const [captured] = verifyRazorpay(notification(razorpayPaymentEvent({ event: 'payment.captured', amount: 49900, paymentId: 'pay_other' })), razorpayCredentials).events;
    expect(captured?.event_id).not.toBe(first?.event_id);
  });

  it('refuses a tampered body, a wrong secret and a missing or malformed signature', () => {
    const signed = razorpayPaymentEvent({ event: 'payment.captured', amount: 49900 });
    const tampered = { ...signed, body: signed.body.replace('"amount":49900', '"amount":99900') };
    expect(tampered.body).not.toBe(signed.body);
    expect(() => verifyRazorpay(notification(tampered), razorpayCredentials)).toThrow(SignatureError);
    expect(() => verifyRazorpay(notification(signed), { webhook_secret: 'another-secret' })).toThrow(SignatureError);
    expect(() => verifyRazorpay(notification(signed, { 'x-razorpay-signature': undefined }), razorpayCredentials)).toThrow(SignatureError);
    expect(() => verifyRazorpay(notification(signed, { 'x-razorpay-signature': 'abc' }), razorpayCredentials)).toThrow(SignatureError);
    const upper = (signed.headers['x-razorpay-signature'] as string).toUpperCase();
    expect(() => verifyRazorpay(notification(signed, { 'x-razorpay-signature': upper }), razorpayCredentials)).toThrow(SignatureError);
  });

  it('keeps no event for an event that moves no money, or a signed body it cannot read', () => {
    const order = signRazorpay({ entity: 'event', event: 'order.paid', contains: ['payment', 'order'], payload: {}, created_at: 1772442006 });
    expect(verifyRazorpay(notification(order), razorpayCredentials)).toEqual({ events: [] });
    expect(verifyRazorpay(notification(signRazorpay('just text')), razorpayCredentials)).toEqual({ events: [] });
    const fractional = razorpayPaymentEvent({ event: 'payment.captured', amount: 49.5 });
    expect(verifyRazorpay(notification(fractional), razorpayCredentials)).toEqual({ events: [] });
  });
});
