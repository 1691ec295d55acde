/**
 * Each payment provider's own notifications, end to end (API.md "Payments"): a provider registered with its
 * credentials (kept encrypted: SECRETS_KEY is set), notifications signed as the provider signs them (the builders
 * use each provider's official SDK where it signs: Stripe, Adyen, Braintree; Square, Razorpay and Checkout.com as
 * their documentation says, checked by their SDKs in the verifiers' unit tests) posted to its `webhook_url` on a
 * real node. Per provider: a capture that comes before its authorization (the late authorization changes nothing),
 * the capture repeated (counted once), a tampered notification (401, nothing kept), a partial then a full refund.
 * Stripe's stale signature is refused. A Square refund names only its payment: it is kept unmatched and matched by hand.
 */
import { randomBytes } from 'node:crypto';
import type { PaymentProviderName } from '../../../src/payments/provider-event';
import { type Client, client } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';
import { placeOrder } from '../../support/orders';
import {
  ADYEN_TEST_HMAC_KEY,
  adyenItem,
  adyenNotification,
  adyenPspReference,
  CHECKOUT_TEST_SECRET,
  checkoutEvent,
  providerId,
  STRIPE_TEST_SECRET,
  stripeEvent,
  type SignedNotification,
} from '../../support/payment-notifications';
import {
  braintreeCredentials,
  braintreeTransactionEvent,
  razorpayCredentials,
  razorpayPaymentEvent,
  razorpayRefundEvent,
  squareCredentials,
  squarePaymentEvent,
  squareRefundEvent,
} from '../../support/payment-notifications-2';
import { createTenant } from '../../support/tenant';

jest.setTimeout(60_000);

const PRICE = 12900;
const HKD = (value: number) => ({ value, currency: 'HKD' });

let server: TestNode;
let biz: Client;

beforeAll(async () => {
  server = await startTestNode({ env: { REDIS_PREFIX: unique('paynote'), SECRETS_KEY: randomBytes(32).toString('base64') } });
  biz = client(server.url, (await createTenant(server.url, 'Harbour Goods')).apiKey);
});

afterAll(async () => {
  await server?.close();
});

/** What a provider's notifications for one payment of `orderId` look like. */
interface Payment {
  authorize(): SignedNotification;
  capture(): SignedNotification;
  /** The `n`th refund, of `amount`, `before` having been refunded already. */
  refund(amount: number, before: number): SignedNotification;
}

interface ProviderCase {
  provider: PaymentProviderName;
  credentials: Record<string, string>;
  payment(orderId: string): Payment;
  /** A Square refund names its payment, not the order: it arrives unmatched. */
  refundsUnmatched?: boolean;
}

const SQUARE_URL = 'https://track.example.com/v1/payment-providers/square/events';

const CASES: ProviderCase[] = [
  {
    provider: 'stripe',
    credentials: { webhook_secret: STRIPE_TEST_SECRET },
    payment(orderId) {
      const paymentIntentId = providerId('pi');
      const chargeId = providerId('ch');
      return {
        authorize: () => stripeEvent({ type: 'payment_intent.amount_capturable_updated', orderId, amount: PRICE, paymentIntentId }),
        capture: () => stripeEvent({ type: 'payment_intent.succeeded', orderId, amount: PRICE, paymentIntentId }),
        refund: (amount, before) => stripeEvent({ type: 'charge.refunded', orderId, amount: PRICE, paymentIntentId, chargeId, refunded: { total: before + amount, before } }),
      };
    },
  },
  {
    provider: 'adyen',
    credentials: { hmac_key: ADYEN_TEST_HMAC_KEY },
    payment(orderId) {
      const original = adyenPspReference();
      const item = (eventCode: 'AUTHORISATION' | 'CAPTURE' | 'REFUND', amount: number, pspReference = adyenPspReference()) =>
        adyenNotification({ items: [adyenItem({ eventCode, orderId, amount, pspReference, ...(eventCode === 'AUTHORISATION' ? {} : { originalReference: original }) })] });
      return {
        authorize: () => item('AUTHORISATION', PRICE, original),
        capture: () => item('CAPTURE', PRICE),
        refund: (amount) => item('REFUND', amount),
      };
    },
  },
  {
    provider: 'checkout',
    credentials: { webhook_secret: CHECKOUT_TEST_SECRET },
    payment(orderId) {
      const paymentId = providerId('pay');
      return {
        authorize: () => checkoutEvent({ type: 'payment_approved', orderId, amount: PRICE, paymentId }),
        capture: () => checkoutEvent({ type: 'payment_captured', orderId, amount: PRICE, paymentId }),
        refund: (amount) => checkoutEvent({ type: 'payment_refunded', orderId, amount, paymentId }),
      };
    },
  },
  {
    provider: 'square',
    credentials: { signature_key: squareCredentials.signature_key, notification_url: SQUARE_URL },
    refundsUnmatched: true,
    payment(orderId) {
      const credentials = { ...squareCredentials, notification_url: SQUARE_URL };
      const paymentId = unique('sqpay').replace(/[^A-Za-z0-9]/g, '');
      const event = (status: 'APPROVED' | 'COMPLETED') =>
        squarePaymentEvent({ type: 'payment.updated', status, paymentId, referenceId: orderId, amount: PRICE, currency: 'HKD', eventId: unique('sqevt') }, credentials);
      return {
        authorize: () => event('APPROVED'),
        capture: () => event('COMPLETED'),
        refund: (amount) => squareRefundEvent({ status: 'COMPLETED', paymentId, refundId: unique('sqref'), amount, currency: 'HKD', eventId: unique('sqevt') }, credentials),
      };
    },
  },
  {
    provider: 'razorpay',
    credentials: { webhook_secret: razorpayCredentials.webhook_secret },
    payment(orderId) {
      const paymentId = unique('pay').replace(/[^A-Za-z0-9_]/g, '');
      return {
        authorize: () => razorpayPaymentEvent({ event: 'payment.authorized', paymentId, orderRef: orderId, amount: PRICE, currency: 'HKD' }),
        capture: () => razorpayPaymentEvent({ event: 'payment.captured', paymentId, orderRef: orderId, amount: PRICE, currency: 'HKD' }),
        refund: (amount) => razorpayRefundEvent({ paymentId, refundId: unique('rfnd').replace(/[^A-Za-z0-9_]/g, ''), orderRef: orderId, amount, paymentAmount: PRICE, currency: 'HKD' }),
      };
    },
  },
  {
    provider: 'braintree',
    credentials: { ...braintreeCredentials },
    payment(orderId) {
      const id = unique('bt').replace(/[^a-z0-9]/g, '').slice(-12);
      return {
        authorize: () => braintreeTransactionEvent({ kind: 'transaction_retried', id, status: 'authorized', amount: '129.00', currency: 'HKD', orderId }),
        capture: () => braintreeTransactionEvent({ id, status: 'settled', amount: '129.00', currency: 'HKD', orderId }),
        refund: (amount) =>
          braintreeTransactionEvent({
            id: unique('btr').replace(/[^a-z0-9]/g, '').slice(-12),
            type: 'credit',
            status: 'settled',
            amount: (amount / 100).toFixed(2),
            currency: 'HKD',
            orderId,
            refundedTransactionId: id,
          }),
      };
    },
  },
];

async function post(providerUrl: string, signed: SignedNotification): Promise<{ status: number; text: string }> {
  const response = await fetch(providerUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signed.headers },
    body: signed.body,
  });
  return { status: response.status, text: await response.text() };
}

/** The notification with its body changed after signing: the refund's amount raised by one. */
function tampered(signed: SignedNotification): SignedNotification {
  if (signed.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(signed.body);
    form.set('bt_payload', `${form.get('bt_payload')!.trim()}A=\n`);
    return { ...signed, body: form.toString() };
  }
  expect(signed.body).toMatch(/\b2900\b/);
  return { ...signed, body: signed.body.replace(/\b2900\b/, '2901') };
}

async function paymentOf(orderId: string) {
  return (await biz.get(`/v1/orders/${orderId}`)).body.payment;
}

async function transactionsOf(orderId: string): Promise<Array<{ kind: string; amount: { value: number } }>> {
  return (await biz.get(`/v1/payments/transactions?order_id=${orderId}`)).body.items;
}

describe.each(CASES)('$provider', ({ provider, credentials, payment, refundsUnmatched }) => {
  let url: string;

  beforeAll(async () => {
    const registered = await biz.post('/v1/payment-providers', { provider, credentials });
    expect(registered.status).toBe(201);
    expect(JSON.stringify(registered.body)).not.toContain(Object.values(credentials)[0]!);
    // The provider is told this address; the test posts to it as the provider does (the node's own address).
    url = `${server.url}${new URL(registered.body.webhook_url).pathname}`;
  });

  it('applies a capture before its authorization, each once; refuses a tampered one; refunds in part, then in full', async () => {
    const order = await placeOrder(biz, { amount: HKD(PRICE) });
    const notes = payment(order.id);
    const capture = notes.capture();

    const first = await post(url, capture);
    expect(first.status).toBe(200);
    if (provider === 'adyen') expect(first.text).toBe('[accepted]');
    expect(await paymentOf(order.id)).toMatchObject({ status: 'paid', amount_paid: HKD(PRICE), provider });

    // Late: the authorization that came after the capture changes nothing.
    expect((await post(url, notes.authorize())).status).toBe(200);
    // Repeated: the same capture again is the same event.
    expect((await post(url, capture)).status).toBe(200);
    expect(await paymentOf(order.id)).toMatchObject({ status: 'paid', amount_paid: HKD(PRICE) });
    expect((await transactionsOf(order.id)).filter((transaction) => transaction.kind === 'capture')).toHaveLength(1);

    // Tampered after signing: refused, nothing kept.
    const before = await transactionsOf(order.id);
    expect((await post(url, tampered(notes.refund(2900, 0)))).status).toBe(401);
    expect(await transactionsOf(order.id)).toEqual(before);

    const partial = notes.refund(2900, 0);
    expect((await post(url, partial)).status).toBe(200);
    if (refundsUnmatched) {
      // The refund names the payment, not the order: kept unmatched, and matched by hand.
      const unmatched = (await biz.get(`/v1/payments/transactions?match=unmatched&provider=${provider}`)).body.items as Array<{ id: string; kind: string }>;
      expect(unmatched).toEqual([expect.objectContaining({ kind: 'refund', amount: HKD(2900) })]);
      expect((await biz.post(`/v1/payments/transactions/${unmatched[0]!.id}/match`, { order_id: order.id })).status).toBe(200);
    }
    expect(await paymentOf(order.id)).toMatchObject({ status: 'partially_refunded', amount_paid: HKD(PRICE), amount_refunded: HKD(2900) });

    const rest = notes.refund(PRICE - 2900, 2900);
    expect((await post(url, rest)).status).toBe(200);
    if (refundsUnmatched) {
      const [unmatched] = (await biz.get(`/v1/payments/transactions?match=unmatched&provider=${provider}`)).body.items as Array<{ id: string }>;
      expect((await biz.post(`/v1/payments/transactions/${unmatched!.id}/match`, { order_id: order.id })).status).toBe(200);
    }
    expect(await paymentOf(order.id)).toMatchObject({ status: 'refunded', amount_refunded: HKD(PRICE) });
  });
});

it('refuses a Stripe notification signed more than five minutes ago', async () => {
  const registered = await biz.post('/v1/payment-providers', { provider: 'stripe', name: 'Stripe (stale)', credentials: { webhook_secret: STRIPE_TEST_SECRET } });
  const order = await placeOrder(biz, { amount: HKD(PRICE) });
  const stale = stripeEvent({ type: 'payment_intent.succeeded', orderId: order.id, amount: PRICE, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
  expect((await post(`${server.url}${new URL(registered.body.webhook_url).pathname}`, stale)).status).toBe(401);
  expect(await paymentOf(order.id)).toMatchObject({ status: 'none' });
});
