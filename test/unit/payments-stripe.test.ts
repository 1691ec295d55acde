import Stripe from 'stripe';
import { SignatureError } from '../../src/payments/provider-event';
import { verifyStripe } from '../../src/payments/stripe';
import { providerNotification, STRIPE_TEST_SECRET, stripeEvent, type SignedNotification } from '../support/payment-notifications';

const CREDENTIALS = { webhook_secret: STRIPE_TEST_SECRET };
const NOW = new Date('2026-03-01T08:00:00.000Z');
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

function verify(notification: SignedNotification, receivedAt = NOW, credentials = CREDENTIALS) {
  return verifyStripe(providerNotification(notification, receivedAt), credentials);
}

describe('Stripe notifications', () => {
  it('reads an authorization, a capture and a failure from the payment intent events, in minor units with the currency in upper case', () => {
    const authorised = stripeEvent({ type: 'payment_intent.amount_capturable_updated', orderId: 'ord_1', amount: 12900, created: NOW_SECONDS - 10 });
    expect(verify(authorised).events).toEqual([
      {
        provider: 'stripe',
        // An authorization or a capture is known by its payment (and kind), whatever event reported it.
        event_id: `${authorised.event.data.object.id}:authorization`,
        kind: 'authorization',
        order_ref: 'ord_1',
        amount: { value: 12900, currency: 'HKD' },
        occurred_at: new Date((NOW_SECONDS - 10) * 1000).toISOString(),
        method: 'card',
        reference: authorised.event.data.object.id,
      },
    ]);
    const paid = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_1', amount: 12900, created: NOW_SECONDS });
    expect(verify(paid).events).toMatchObject([{ kind: 'capture', amount: { value: 12900, currency: 'HKD' }, event_id: `${paid.event.data.object.id}:capture` }]);
    // The same capture reported by the charge too (a business subscribed to both): the same event, counted once.
    const charged = stripeEvent({ type: 'charge.succeeded', orderId: 'ord_1', amount: 12900, paymentIntentId: paid.event.data.object.id, created: NOW_SECONDS });
    expect(verify(charged).events[0]!.event_id).toBe(`${paid.event.data.object.id}:capture`);
    const failed = stripeEvent({ type: 'payment_intent.payment_failed', orderId: 'ord_2', amount: 5000, currency: 'usd', created: NOW_SECONDS });
    expect(verify(failed).events).toMatchObject([{ kind: 'failure', order_ref: 'ord_2', amount: { value: 5000, currency: 'USD' } }]);
  });

  it('reads the charge events: authorised only, captured, captured later, failed; a charge shares its payment intent\'s reference', () => {
    const held = stripeEvent({ type: 'charge.succeeded', orderId: 'ord_3', amount: 800, captured: false, created: NOW_SECONDS, paymentIntentId: 'pi_same' });
    expect(verify(held).events).toMatchObject([{ kind: 'authorization', amount: { value: 800 }, reference: 'pi_same' }]);
    const taken = stripeEvent({ type: 'charge.succeeded', orderId: 'ord_3', amount: 800, created: NOW_SECONDS, wallet: true });
    expect(verify(taken).events).toMatchObject([{ kind: 'capture', amount: { value: 800 }, method: 'wallet' }]);
    const capturedLater = stripeEvent({ type: 'charge.captured', orderId: 'ord_3', amount: 800, created: NOW_SECONDS });
    expect(verify(capturedLater).events).toMatchObject([{ kind: 'capture', amount: { value: 800 } }]);
    const declined = stripeEvent({ type: 'charge.failed', orderId: 'ord_3', amount: 800, created: NOW_SECONDS });
    expect(verify(declined).events).toMatchObject([{ kind: 'failure', amount: { value: 800 } }]);
  });

  it('a refund is the amount this refund adds to what the charge had refunded: a partial one, then the rest', () => {
    const partial = stripeEvent({ type: 'charge.refunded', orderId: 'ord_4', amount: 10000, refunded: { total: 2500, before: 0 }, created: NOW_SECONDS });
    expect(verify(partial).events).toMatchObject([{ kind: 'refund', order_ref: 'ord_4', amount: { value: 2500, currency: 'HKD' } }]);
    const rest = stripeEvent({ type: 'charge.refunded', orderId: 'ord_4', amount: 10000, refunded: { total: 10000, before: 2500 }, created: NOW_SECONDS });
    expect(verify(rest).events).toMatchObject([{ kind: 'refund', amount: { value: 7500 } }]);
    const full = stripeEvent({ type: 'charge.refunded', orderId: 'ord_5', amount: 10000, refunded: { total: 10000, before: 0 }, created: NOW_SECONDS });
    expect(verify(full).events).toMatchObject([{ kind: 'refund', amount: { value: 10000 } }]);
  });

  it('accepts what Stripe\'s own SDK accepts, and the same delivery again gives the same event id', () => {
    const paid = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_6', amount: 4200, created: NOW_SECONDS });
    const header = paid.headers['stripe-signature']!;
    expect(Stripe.webhooks.constructEvent(paid.body, header, STRIPE_TEST_SECRET, 300, undefined, NOW.getTime()).id).toBe(paid.eventId);
    const first = verify(paid).events;
    const again = verify(paid, new Date(NOW.getTime() + 60_000)).events;
    expect(again).toEqual(first);
    expect(first[0]!.event_id).toBe(`${paid.event.data.object.id}:capture`);
  });

  it('any v1 signature that matches will do (a secret being rolled)', () => {
    const paid = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_7', amount: 100, created: NOW_SECONDS });
    const [t, v1] = paid.headers['stripe-signature']!.split(',');
    const rolled = { ...paid, headers: { ...paid.headers, 'stripe-signature': `${t},v1=${'0'.repeat(64)},${v1},v0=abc` } };
    expect(verify(rolled).events).toHaveLength(1);
  });

  it('refuses a changed body, another secret, a missing or unreadable header, and says nothing of the events', () => {
    const paid = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_8', amount: 100, created: NOW_SECONDS });
    const tampered = { ...paid, body: paid.body.replace('"amount_received": 100', '"amount_received": 100000') };
    expect(tampered.body).not.toBe(paid.body);
    expect(() => verify(tampered)).toThrow(SignatureError);
    expect(() => verify(paid, NOW, { webhook_secret: 'whsec_someone_else' })).toThrow(SignatureError);
    expect(() => verify(stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_8', amount: 100, created: NOW_SECONDS, secret: 'whsec_other' }))).toThrow(SignatureError);
    const { 'stripe-signature': _dropped, ...unsigned } = paid.headers;
    expect(() => verify({ ...paid, headers: unsigned })).toThrow(SignatureError);
    expect(() => verify({ ...paid, headers: { ...paid.headers, 'stripe-signature': 'garbage' } })).toThrow(SignatureError);
    expect(() => verify({ ...paid, headers: { ...paid.headers, 'stripe-signature': `t=${NOW_SECONDS}` } })).toThrow(SignatureError);
  });

  it('refuses a signature more than five minutes old or ahead of the time received, and accepts one within', () => {
    const stale = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_9', amount: 100, timestamp: NOW_SECONDS - 301 });
    expect(() => verify(stale)).toThrow(/tolerance/);
    expect(() => Stripe.webhooks.constructEvent(stale.body, stale.headers['stripe-signature']!, STRIPE_TEST_SECRET, 300, undefined, NOW.getTime())).toThrow();
    const future = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_9', amount: 100, timestamp: NOW_SECONDS + 301 });
    expect(() => verify(future)).toThrow(SignatureError);
    const edge = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_9', amount: 100, timestamp: NOW_SECONDS - 300 });
    expect(verify(edge).events).toHaveLength(1);
    const slightlyAhead = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_9', amount: 100, timestamp: NOW_SECONDS + 30 });
    expect(verify(slightlyAhead).events).toHaveLength(1);
  });

  it('an event that moves no money, or a payment naming no order, reads as such', () => {
    expect(verify(stripeEvent({ type: 'customer.created', orderId: 'ord_10', amount: 0, created: NOW_SECONDS })).events).toEqual([]);
    expect(verify(stripeEvent({ type: 'payment_intent.succeeded', orderId: null, amount: 100, created: NOW_SECONDS })).events).toMatchObject([{ order_ref: null }]);
  });

  it('a signed body that is not a usable event answers no events instead of a signature error', () => {
    const signed = (body: string) => ({
      body,
      headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret: STRIPE_TEST_SECRET, timestamp: NOW_SECONDS }) },
    });
    expect(verify(signed('not json')).events).toEqual([]);
    const paid = stripeEvent({ type: 'payment_intent.succeeded', orderId: 'ord_11', amount: 100, created: NOW_SECONDS });
    for (const change of [{ amount_received: -1 }, { amount_received: 1.5 }, { amount_received: '100' }, { currency: 'hk' }]) {
      const event = { ...paid.event, data: { object: { ...paid.event.data.object, ...change } } };
      expect(verify(signed(JSON.stringify(event))).events).toEqual([]);
    }
    // A refund whose earlier total the event does not reveal cannot be told apart from the ones before it.
    const refund = stripeEvent({ type: 'charge.refunded', orderId: 'ord_11', amount: 100, created: NOW_SECONDS });
    const withoutBefore = { ...refund.event, data: { object: refund.event.data.object } };
    expect(verify(signed(JSON.stringify(withoutBefore))).events).toEqual([]);
  });
});
