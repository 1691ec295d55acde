/**
 * Square, Razorpay and Braintree notifications as each provider sends them: the documented example events' shapes,
 * signed with the provider's documented scheme, for the verifiers' tests, the routes' integration tests and the
 * benchmark. Each builder answers the body exactly as posted and its headers; `notification()` makes the verifier's
 * input of it.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ProviderCredentials, ProviderNotification } from '../../src/payments/provider-event';

/** A notification ready to post or to hand to a verifier. */
export interface SignedNotification {
  /** The body exactly as the provider posts it. */
  body: string;
  /** The provider's headers, names in lower case. */
  headers: Record<string, string>;
}

/** The verifier's input of a signed notification, optionally with headers replaced (`undefined` drops one). */
export function notification(signed: SignedNotification, headers: Record<string, string | undefined> = {}, receivedAt = new Date()): ProviderNotification {
  return { rawBody: Buffer.from(signed.body, 'utf8'), headers: { ...signed.headers, ...headers }, receivedAt };
}

// --- Square -----------------------------------------------------------------------------------------------------

export const squareCredentials: ProviderCredentials['square'] = {
  signature_key: 'Cj2yT7c1mXq9vR4kW8nL0a',
  notification_url: 'https://track.example.com/v1/payment-providers/pp_square_1/events',
};

export interface SquarePaymentInput {
  type?: 'payment.created' | 'payment.updated';
  status: 'APPROVED' | 'COMPLETED' | 'FAILED' | 'CANCELED' | 'PENDING';
  paymentId?: string;
  /** Square's `reference_id`: our order id or external id. */
  referenceId?: string | null;
  amount: number;
  currency?: string;
  sourceType?: string;
  eventId?: string;
  createdAt?: string;
}

/** A `payment.created`/`payment.updated` event as Square's webhook reference shows it. */
export function squarePaymentEvent(input: SquarePaymentInput, credentials = squareCredentials): SignedNotification {
  const paymentId = input.paymentId ?? 'hYy9pRFVxpDsO1FB05SunFWUe9JZY';
  const currency = input.currency ?? 'USD';
  const at = input.createdAt ?? '2026-03-02T09:15:06.179Z';
  const payment: Record<string, unknown> = {
    amount_money: { amount: input.amount, currency },
    approved_money: { amount: input.amount, currency },
    card_details: {
      avs_status: 'AVS_ACCEPTED',
      card: { bin: '540988', card_brand: 'MASTERCARD', card_type: 'CREDIT', exp_month: 11, exp_year: 2028, last_4: '9029' },
      entry_method: 'KEYED',
      status: input.status === 'COMPLETED' ? 'CAPTURED' : input.status === 'APPROVED' ? 'AUTHORIZED' : 'FAILED',
    },
    created_at: '2026-03-02T09:15:04.501Z',
    id: paymentId,
    location_id: 'S8GWD5R9QB376',
    order_id: '03O3USaPaAaFnI6kkwB1JxGgBsUZY',
    receipt_number: paymentId.slice(0, 4),
    source_type: input.sourceType ?? 'CARD',
    status: input.status,
    total_money: { amount: input.amount, currency },
    updated_at: at,
    version: 2,
  };
  if (input.referenceId !== null) payment.reference_id = input.referenceId ?? 'ord_square_1';
  return signSquare(
    {
      merchant_id: '6SSW7HV8K2ST5',
      type: input.type ?? 'payment.updated',
      event_id: input.eventId ?? randomUUID(),
      created_at: at,
      data: { type: 'payment', id: paymentId, object: { payment } },
    },
    credentials,
  );
}

export interface SquareRefundInput {
  type?: 'refund.created' | 'refund.updated';
  status: 'PENDING' | 'COMPLETED' | 'REJECTED' | 'FAILED';
  refundId?: string;
  paymentId?: string;
  amount: number;
  currency?: string;
  eventId?: string;
  createdAt?: string;
}

/** A `refund.created`/`refund.updated` event: the refund names its payment, not the payment's `reference_id`. */
export function squareRefundEvent(input: SquareRefundInput, credentials = squareCredentials): SignedNotification {
  const paymentId = input.paymentId ?? 'hYy9pRFVxpDsO1FB05SunFWUe9JZY';
  const refundId = input.refundId ?? `${paymentId}_R3wXbQ8eK1sV`;
  const at = input.createdAt ?? '2026-03-03T11:02:40.112Z';
  return signSquare(
    {
      merchant_id: '6SSW7HV8K2ST5',
      type: input.type ?? 'refund.updated',
      event_id: input.eventId ?? randomUUID(),
      created_at: at,
      data: {
        type: 'refund',
        id: refundId,
        object: {
          refund: {
            amount_money: { amount: input.amount, currency: input.currency ?? 'USD' },
            created_at: '2026-03-03T11:02:31.020Z',
            id: refundId,
            location_id: 'S8GWD5R9QB376',
            order_id: 'kcuKDKreRaI4gF4TjmEgZjHk8Z7YY',
            payment_id: paymentId,
            processing_fee: [{ amount_money: { amount: -3, currency: input.currency ?? 'USD' }, effective_at: at, type: 'INITIAL' }],
            reason: 'Returned goods',
            status: input.status,
            updated_at: at,
            version: 10,
          },
        },
      },
    },
    credentials,
  );
}

/** Square's signature: base64 HMAC-SHA256, keyed with the signature key, of the notification URL then the body. */
export function signSquare(event: unknown, credentials = squareCredentials): SignedNotification {
  return signSquareBody(JSON.stringify(event), credentials);
}

/** A body signed as Square signs, whatever it holds. */
export function signSquareBody(body: string, credentials = squareCredentials): SignedNotification {
  const signature = createHmac('sha256', credentials.signature_key).update(credentials.notification_url + body).digest('base64');
  return { body, headers: { 'content-type': 'application/json', 'square-environment': 'Sandbox', 'x-square-hmacsha256-signature': signature } };
}

// --- Razorpay ---------------------------------------------------------------------------------------------------

export const razorpayCredentials: ProviderCredentials['razorpay'] = { webhook_secret: 'rzp-whsec-4bV9qP2mK7xT' };

export interface RazorpayPaymentInput {
  event: 'payment.authorized' | 'payment.captured' | 'payment.failed' | 'payment.pending';
  paymentId?: string;
  /** `notes.order_id`: our order id or external id; null for a payment without notes (Razorpay sends `[]`). */
  orderRef?: string | null;
  amount: number;
  currency?: string;
  method?: string;
  createdAt?: number;
  eventId?: string;
}

function razorpayPayment(input: { paymentId: string; orderRef: string | null; amount: number; currency: string; method: string; status: string; refunded?: number }) {
  return {
    id: input.paymentId,
    entity: 'payment',
    amount: input.amount,
    currency: input.currency,
    status: input.status,
    order_id: 'order_DESlLckIVRkHWj',
    invoice_id: null,
    international: false,
    method: input.method,
    amount_refunded: input.refunded ?? 0,
    refund_status: input.refunded ? (input.refunded >= input.amount ? 'full' : 'partial') : null,
    captured: input.status === 'captured' || input.status === 'refunded',
    description: null,
    card_id: null,
    bank: input.method === 'netbanking' ? 'HDFC' : null,
    wallet: null,
    vpa: null,
    email: 'gaurav.kumar@example.com',
    contact: '+919876543210',
    notes: input.orderRef === null ? [] : { order_id: input.orderRef },
    fee: input.status === 'captured' ? 2 : null,
    tax: input.status === 'captured' ? 0 : null,
    error_code: input.status === 'failed' ? 'BAD_REQUEST_ERROR' : null,
    error_description: input.status === 'failed' ? 'Payment failed' : null,
    created_at: 1772442000,
  };
}

const RAZORPAY_STATUS: Record<RazorpayPaymentInput['event'], string> = {
  'payment.authorized': 'authorized',
  'payment.captured': 'captured',
  'payment.failed': 'failed',
  'payment.pending': 'pending',
};

/** A payment event as Razorpay's webhook payload samples show it. */
export function razorpayPaymentEvent(input: RazorpayPaymentInput, credentials = razorpayCredentials): SignedNotification {
  const entity = razorpayPayment({
    paymentId: input.paymentId ?? 'pay_DESlfW9H8K9uqM',
    orderRef: input.orderRef === undefined ? 'ord_rzp_1' : input.orderRef,
    amount: input.amount,
    currency: input.currency ?? 'INR',
    method: input.method ?? 'card',
    status: RAZORPAY_STATUS[input.event],
  });
  return signRazorpay(
    { entity: 'event', account_id: 'acc_BFQ7uQEaa7j2z7', event: input.event, contains: ['payment'], payload: { payment: { entity } }, created_at: input.createdAt ?? 1772442006 },
    credentials,
    input.eventId,
  );
}

export interface RazorpayRefundInput {
  event?: 'refund.processed' | 'refund.created' | 'refund.failed';
  refundId?: string;
  paymentId?: string;
  orderRef?: string | null;
  /** The refund's amount; `paymentAmount` is what the payment was. */
  amount: number;
  paymentAmount: number;
  currency?: string;
  createdAt?: number;
  eventId?: string;
}

/** A refund event: the refund entity with the payment it belongs to, as Razorpay's refund samples show it. */
export function razorpayRefundEvent(input: RazorpayRefundInput, credentials = razorpayCredentials): SignedNotification {
  const paymentId = input.paymentId ?? 'pay_DESlfW9H8K9uqM';
  const currency = input.currency ?? 'INR';
  const refund = {
    id: input.refundId ?? 'rfnd_FS8TWyPrCsa0OB',
    entity: 'refund',
    amount: input.amount,
    currency,
    payment_id: paymentId,
    notes: { comment: 'Customer returned the parcel.' },
    receipt: null,
    acquirer_data: { arn: null },
    created_at: 1772528400,
    batch_id: null,
    status: input.event === 'refund.failed' ? 'failed' : 'processed',
    speed_processed: 'normal',
    speed_requested: 'optimum',
  };
  const payment = razorpayPayment({
    paymentId,
    orderRef: input.orderRef === undefined ? 'ord_rzp_1' : input.orderRef,
    amount: input.paymentAmount,
    currency,
    method: 'card',
    status: input.amount >= input.paymentAmount ? 'refunded' : 'captured',
    refunded: input.amount,
  });
  return signRazorpay(
    {
      entity: 'event',
      account_id: 'acc_BFQ7uQEaa7j2z7',
      event: input.event ?? 'refund.processed',
      contains: ['refund', 'payment'],
      payload: { refund: { entity: refund }, payment: { entity: payment } },
      created_at: input.createdAt ?? 1772528406,
    },
    credentials,
    input.eventId,
  );
}

/** Razorpay's signature: hex HMAC-SHA256 of the body with the webhook secret; the event id rides beside it. */
export function signRazorpay(event: unknown, credentials = razorpayCredentials, eventId = `F${randomUUID().replace(/-/g, '').slice(0, 13)}`): SignedNotification {
  const body = JSON.stringify(event);
  const signature = createHmac('sha256', credentials.webhook_secret).update(body).digest('hex');
  return { body, headers: { 'content-type': 'application/json', 'x-razorpay-event-id': eventId, 'x-razorpay-signature': signature } };
}

// --- Braintree --------------------------------------------------------------------------------------------------

export const braintreeCredentials: ProviderCredentials['braintree'] = {
  public_key: 'w8m3k2q9zt4vx7cd',
  private_key: '5f1c0a9e8d7b6c4a3f2e1d0c9b8a7f6e',
  merchant_id: 'm7xq2v9k4t1r8p3z',
};

export interface BraintreeTransactionInput {
  kind?: string;
  id?: string;
  type?: 'sale' | 'credit';
  status: string;
  /** Braintree's decimal amount, e.g. "10.00". */
  amount: string;
  currency?: string | null;
  /** `order-id`: our order id or external id; null for none. */
  orderId?: string | null;
  refundedTransactionId?: string;
  instrument?: string;
  timestamp?: string;
}

/** A transaction notification (`transaction_settled` unless told) as Braintree's gateway sends it. */
export function braintreeTransactionEvent(input: BraintreeTransactionInput, credentials = braintreeCredentials): SignedNotification {
  const fields = [
    `<id>${input.id ?? 'k3v9x2mq'}</id>`,
    `<status>${input.status}</status>`,
    `<type>${input.type ?? 'sale'}</type>`,
    input.currency === null ? '' : `<currency-iso-code>${input.currency ?? 'USD'}</currency-iso-code>`,
    `<amount>${input.amount}</amount>`,
    input.orderId === null ? '' : `<order-id>${input.orderId ?? 'ord_bt_1'}</order-id>`,
    `<merchant-account-id>examplemerchantusd</merchant-account-id>`,
    input.refundedTransactionId ? `<refunded-transaction-id>${input.refundedTransactionId}</refunded-transaction-id>` : '',
    `<payment-instrument-type>${input.instrument ?? 'credit_card'}</payment-instrument-type>`,
    `<credit-card>\n    <bin>411111</bin>\n    <last-4>1111</last-4>\n    <card-type>Visa</card-type>\n  </credit-card>`,
    `<created-at type="datetime">2026-03-02T09:15:04Z</created-at>`,
  ].filter(Boolean);
  const subject = `<transaction>\n  ${fields.join('\n  ')}\n</transaction>`;
  return braintreeNotification(input.kind ?? 'transaction_settled', subject, credentials, input.timestamp);
}

/** Any notification: `subject` is the XML inside `<subject>`. */
export function braintreeNotification(kind: string, subject: string, credentials = braintreeCredentials, timestamp = '2026-03-02T09:20:11Z'): SignedNotification {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<notification>\n  <timestamp type="datetime">${timestamp}</timestamp>\n  <kind>${kind}</kind>\n  <subject>${subject}</subject>\n</notification>\n`;
  // Base64 in lines of 60, newline-terminated, as Braintree's gateway writes it.
  const payload = `${(Buffer.from(xml, 'utf8').toString('base64').match(/.{1,60}/g) ?? []).join('\n')}\n`;
  return braintreeForm({ bt_signature: signBraintree(payload, credentials), bt_payload: payload });
}

/** Braintree's signature of a payload: `public_key|hex HMAC-SHA1`, keyed with SHA-1 of the private key. */
export function signBraintree(payload: string, credentials = braintreeCredentials): string {
  const key = createHash('sha1').update(credentials.private_key).digest();
  return `${credentials.public_key}|${createHmac('sha1', key).update(payload).digest('hex')}`;
}

/** The form post of a `{ bt_signature, bt_payload }` pair (as the SDK's `sampleNotification` answers one). */
export function braintreeForm(fields: { bt_signature: string; bt_payload: string }): SignedNotification {
  return { body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}
