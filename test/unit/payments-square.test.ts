import { WebhooksHelper } from 'square';
import { SignatureError } from '../../src/payments/provider-event';
import { verifySquare } from '../../src/payments/square';
import { notification, signSquare, signSquareBody, squareCredentials, squarePaymentEvent, squareRefundEvent } from '../support/payment-notifications-2';

describe('Square notifications', () => {
  it('signs as Square documents it: the SDK accepts the test notifications', async () => {
    const signed = squarePaymentEvent({ status: 'COMPLETED', amount: 12900, currency: 'HKD' });
    await expect(
      WebhooksHelper.verifySignature({
        requestBody: signed.body,
        signatureHeader: signed.headers['x-square-hmacsha256-signature'] as string,
        signatureKey: squareCredentials.signature_key,
        notificationUrl: squareCredentials.notification_url,
      }),
    ).resolves.toBe(true);
    expect(verifySquare(notification(signed), squareCredentials).events).toHaveLength(1);
  });

  it('reads an approved payment as an authorization of the order it names', () => {
    const signed = squarePaymentEvent({ type: 'payment.created', status: 'APPROVED', amount: 12900, currency: 'HKD', referenceId: 'ord_42', paymentId: 'pay_sq_1' });
    expect(verifySquare(notification(signed), squareCredentials)).toEqual({
      events: [
        {
          provider: 'square',
          event_id: 'payment:pay_sq_1:authorization',
          kind: 'authorization',
          order_ref: 'ord_42',
          amount: { value: 12900, currency: 'HKD' },
          occurred_at: '2026-03-02T09:15:06.179Z',
          method: 'card',
          reference: 'pay_sq_1',
        },
      ],
    });
  });

  it('reads a completed payment as a capture and a failed or canceled one as a failure', () => {
    const [capture] = verifySquare(notification(squarePaymentEvent({ status: 'COMPLETED', amount: 5000, sourceType: 'WALLET' })), squareCredentials).events;
    expect(capture).toMatchObject({ kind: 'capture', amount: { value: 5000, currency: 'USD' }, method: 'wallet', order_ref: 'ord_square_1' });
    for (const status of ['FAILED', 'CANCELED'] as const) {
      const [failure] = verifySquare(notification(squarePaymentEvent({ status, amount: 5000 })), squareCredentials).events;
      expect(failure).toMatchObject({ kind: 'failure', amount: { value: 5000, currency: 'USD' } });
    }
  });

  it('reads completed refunds, partial and full, matched through the payment they name', () => {
    const partial = verifySquare(notification(squareRefundEvent({ status: 'COMPLETED', amount: 1500, refundId: 'r1', paymentId: 'pay_sq_1' })), squareCredentials);
    const full = verifySquare(notification(squareRefundEvent({ type: 'refund.created', status: 'COMPLETED', amount: 3500, refundId: 'r2', paymentId: 'pay_sq_1' })), squareCredentials);
    expect(partial.events).toEqual([
      {
        provider: 'square',
        event_id: 'refund:r1',
        kind: 'refund',
        order_ref: null,
        amount: { value: 1500, currency: 'USD' },
        occurred_at: '2026-03-03T11:02:40.112Z',
        method: null,
        reference: 'pay_sq_1',
      },
    ]);
    expect(full.events.map((e) => [e.event_id, e.amount.value])).toEqual([['refund:r2', 3500]]);
  });

  it('keeps no event for a refund still pending or rejected, or a payment still pending', () => {
    expect(verifySquare(notification(squareRefundEvent({ type: 'refund.created', status: 'PENDING', amount: 1500 })), squareCredentials).events).toEqual([]);
    expect(verifySquare(notification(squareRefundEvent({ status: 'REJECTED', amount: 1500 })), squareCredentials).events).toEqual([]);
    expect(verifySquare(notification(squarePaymentEvent({ status: 'PENDING', amount: 1500 })), squareCredentials).events).toEqual([]);
  });

  it('gives a redelivery, and a later update of the same completed payment, the same event id', () => {
    const first = squarePaymentEvent({ status: 'COMPLETED', amount: 5000, eventId: 'e-1' });
    const [a] = verifySquare(notification(first), squareCredentials).events;
    const [again] = verifySquare(notification(first), squareCredentials).events;
    const [updated] = verifySquare(notification(squarePaymentEvent({ status: 'COMPLETED', amount: 5000, eventId: 'e-2' })), squareCredentials).events;
    expect(again?.event_id).toBe(a?.event_id);
    expect(updated?.event_id).toBe(a?.event_id);
  });

  it('refuses a tampered body, a wrong key, another notification URL and a missing signature', () => {
    const signed = squarePaymentEvent({ status: 'COMPLETED', amount: 5000 });
    const tampered = { ...signed, body: signed.body.replace('"amount":5000', '"amount":9000') };
    expect(tampered.body).not.toBe(signed.body);
    expect(() => verifySquare(notification(tampered), squareCredentials)).toThrow(SignatureError);
    expect(() => verifySquare(notification(signed), { ...squareCredentials, signature_key: 'another-key' })).toThrow(SignatureError);
    expect(() => verifySquare(notification(signed), { ...squareCredentials, notification_url: `${squareCredentials.notification_url}/` })).toThrow(SignatureError);
    expect(() => verifySquare(notification(signed, { 'x-square-hmacsha256-signature': undefined }), squareCredentials)).toThrow(SignatureError);
    expect(() => verifySquare(notification(signed, { 'x-square-hmacsha256-signature': 'c2hvcnQ=' }), squareCredentials)).toThrow(SignatureError);
  });

  it('keeps no event for a type that moves no money, or a signed body it cannot read', () => {
    const other = signSquare({ merchant_id: 'M', type: 'customer.created', event_id: 'e-9', created_at: '2026-03-02T09:15:06Z', data: { type: 'customer', id: 'c1', object: { customer: { id: 'c1' } } } });
    expect(verifySquare(notification(other), squareCredentials)).toEqual({ events: [] });
    expect(verifySquare(notification(signSquareBody('not json')), squareCredentials)).toEqual({ events: [] });
    expect(verifySquare(notification(signSquare({ type: 'payment.updated', data: { object: { payment: 'x' } } })), squareCredentials)).toEqual({ events: [] });
    const negative = squarePaymentEvent({ status: 'COMPLETED', amount: -5 });
    expect(verifySquare(notification(negative), squareCredentials)).toEqual({ events: [] });
    const lowerCurrency = squarePaymentEvent({ status: 'COMPLETED', amount: 5, currency: 'usd' });
    expect(verifySquare(notification(lowerCurrency), squareCredentials)).toEqual({ events: [] });
  });
});
