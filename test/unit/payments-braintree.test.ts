import braintree from 'braintree';
import { verifyBraintree } from '../../src/payments/braintree';
import { SignatureError } from '../../src/payments/provider-event';
import {
  braintreeCredentials,
  braintreeForm,
  braintreeNotification,
  braintreeTransactionEvent,
  notification,
  signBraintree,
  type SignedNotification,
} from '../support/payment-notifications-2';

const gateway = new braintree.BraintreeGateway({
  environment: braintree.Environment.Sandbox,
  merchantId: braintreeCredentials.merchant_id,
  publicKey: braintreeCredentials.public_key,
  privateKey: braintreeCredentials.private_key,
});

function fields(signed: SignedNotification): { bt_signature: string; bt_payload: string } {
  const form = new URLSearchParams(signed.body);
  return { bt_signature: form.get('bt_signature') as string, bt_payload: form.get('bt_payload') as string };
}

describe('Braintree notifications', () => {
  it("verifies the SDK's own signed sample notifications", () => {
    const sample = gateway.webhookTesting.sampleNotification('transaction_settled', 'txn_sample');
    expect(verifyBraintree(notification(braintreeForm(sample)), braintreeCredentials).events).toMatchObject([
      { provider: 'braintree', event_id: 'txn_sample:capture', kind: 'capture', amount: { value: 10000, currency: 'USD' }, order_ref: null, method: 'bank_transfer', reference: 'txn_sample' },
    ]);
    const declined = gateway.webhookTesting.sampleNotification('transaction_settlement_declined', 'txn_sample');
    expect(verifyBraintree(notification(braintreeForm(declined)), braintreeCredentials).events).toMatchObject([{ event_id: 'txn_sample:failure', kind: 'failure' }]);
  });

  it('signs as the SDK does: the SDK parses the test notifications', async () => {
    const signed = braintreeTransactionEvent({ status: 'settled', amount: '129.50', currency: 'HKD', orderId: 'ord_9', id: 'txn_9' });
    const { bt_signature, bt_payload } = fields(signed);
    const parsed = await gateway.webhookNotification.parse(bt_signature, bt_payload);
    expect(parsed.transaction).toMatchObject({ id: 'txn_9', orderId: 'ord_9', amount: '129.50', currencyIsoCode: 'HKD' });
  });

  it('reads an authorized sale as an authorization of the order it names', () => {
    const signed = braintreeTransactionEvent({ kind: 'transaction_retried', status: 'authorized', amount: '129.50', currency: 'HKD', orderId: 'ord_9', id: 'txn_9' });
    expect(verifyBraintree(notification(signed), braintreeCredentials)).toEqual({
      events: [
        {
          provider: 'braintree',
          event_id: 'txn_9:authorization',
          kind: 'authorization',
          order_ref: 'ord_9',
          amount: { value: 12950, currency: 'HKD' },
          occurred_at: '2026-03-02T09:20:11.000Z',
          method: 'card',
          reference: 'txn_9',
        },
      ],
    });
  });

  it('reads a settled sale as a capture and a declined one as a failure, in the currency’s minor units', () => {
    const [capture] = verifyBraintree(notification(braintreeTransactionEvent({ status: 'settled', amount: '1500', currency: 'JPY', instrument: 'paypal_account' })), braintreeCredentials).events;
    expect(capture).toMatchObject({ kind: 'capture', amount: { value: 1500, currency: 'JPY' }, method: 'wallet', order_ref: 'ord_bt_1' });
    const [failure] = verifyBraintree(notification(braintreeTransactionEvent({ kind: 'transaction_settlement_declined', status: 'settlement_declined', amount: '10.00' })), braintreeCredentials).events;
    expect(failure).toMatchObject({ kind: 'failure', amount: { value: 1000, currency: 'USD' } });
  });

  it('reads settled credits, partial and full, as refunds of the sale they refund', () => {
    const partial = verifyBraintree(
      notification(braintreeTransactionEvent({ type: 'credit', status: 'settled', amount: '2.50', id: 'txn_r1', refundedTransactionId: 'txn_9', orderId: 'ord_9' })),
      braintreeCredentials,
    );
    expect(partial.events).toMatchObject([{ event_id: 'txn_r1:refund', kind: 'refund', amount: { value: 250, currency: 'USD' }, order_ref: 'ord_9', reference: 'txn_9' }]);
    const full = verifyBraintree(
      notification(braintreeTransactionEvent({ type: 'credit', status: 'settled', amount: '7.50', id: 'txn_r2', refundedTransactionId: 'txn_9', orderId: null })),
      braintreeCredentials,
    );
    expect(full.events).toMatchObject([{ event_id: 'txn_r2:refund', amount: { value: 750 }, order_ref: null, reference: 'txn_9' }]);
    const declinedCredit = braintreeTransactionEvent({ kind: 'refund_failed', type: 'credit', status: 'processor_declined', amount: '7.50', id: 'txn_r3' });
    expect(verifyBraintree(notification(declinedCredit), braintreeCredentials).events).toEqual([]);
  });

  it('reads character references in the fields it takes', () => {
    const signed = braintreeTransactionEvent({ status: 'settled', amount: '10.00', orderId: 'ord&amp;&#x41;&#66;&lt;' });
    expect(verifyBraintree(notification(signed), braintreeCredentials).events[0]?.order_ref).toBe('ord&AB<');
    const bare = braintreeTransactionEvent({ status: 'settled', amount: '10.00', orderId: 'ord&1' });
    expect(verifyBraintree(notification(bare), braintreeCredentials).events).toEqual([]);
  });

  it('reads the charge of a subscription notification', () => {
    const subject = `<subscription>\n  <id>sub_1</id>\n  <transactions type="array">\n    <transaction>\n      <id>txn_s2</id>\n      <status>submitted_for_settlement</status>\n      <type>sale</type>\n      <currency-iso-code>EUR</currency-iso-code>\n      <amount>49.99</amount>\n    </transaction>\n    <transaction>\n      <id>txn_s1</id>\n      <status>settled</status>\n      <type>sale</type>\n      <currency-iso-code>EUR</currency-iso-code>\n      <amount>49.99</amount>\n    </transaction>\n  </transactions>\n</subscription>`;
    const signed = braintreeNotification('subscription_charged_successfully', subject);
    expect(verifyBraintree(notification(signed), braintreeCredentials).events).toMatchObject([{ event_id: 'txn_s2:capture', kind: 'capture', amount: { value: 4999, currency: 'EUR' }, order_ref: null }]);
  });

  it('gives a redelivery, and a later report of the same settlement, the same event id', () => {
    const signed = braintreeTransactionEvent({ status: 'settled', amount: '10.00', id: 'txn_5' });
    const [first] = verifyBraintree(notification(signed), braintreeCredentials).events;
    const [again] = verifyBraintree(notification(signed), braintreeCredentials).events;
    const [later] = verifyBraintree(notification(braintreeTransactionEvent({ status: 'settled', amount: '10.00', id: 'txn_5', timestamp: '2026-03-04T00:00:00Z' })), braintreeCredentials).events;
    expect(again?.event_id).toBe(first?.event_id);
    expect(later?.event_id).toBe(first?.event_id);
  });

  it('accepts the signature over the payload as posted or with a trailing newline, and another key pair beside it', () => {
    const { bt_payload } = fields(braintreeTransactionEvent({ status: 'settled', amount: '10.00' }));
    const trimmed = bt_payload.replace(/\n$/, '');
    const signedWithNewline = signBraintree(`${trimmed}\n`);
    expect(verifyBraintree(notification(braintreeForm({ bt_signature: signedWithNewline, bt_payload: trimmed })), braintreeCredentials).events).toHaveLength(1);
    const pairs = `other_public|${'0'.repeat(40)}&${signBraintree(bt_payload)}`;
    expect(verifyBraintree(notification(braintreeForm({ bt_signature: pairs, bt_payload })), braintreeCredentials).events).toHaveLength(1);
  });

  it('refuses a tampered payload, a wrong private key, another public key and missing fields', () => {
    const signed = braintreeTransactionEvent({ status: 'settled', amount: '10.00' });
    const { bt_signature, bt_payload } = fields(signed);
    const xml = Buffer.from(bt_payload, 'base64').toString('utf8').replace('<amount>10.00</amount>', '<amount>99.00</amount>');
    const tampered = braintreeForm({ bt_signature, bt_payload: `${Buffer.from(xml).toString('base64')}\n` });
    expect(() => verifyBraintree(notification(tampered), braintreeCredentials)).toThrow(SignatureError);
    expect(() => verifyBraintree(notification(signed), { ...braintreeCredentials, private_key: 'another-private-key' })).toThrow(SignatureError);
    expect(() => verifyBraintree(notification(signed), { ...braintreeCredentials, public_key: 'another-public-key' })).toThrow(SignatureError);
    expect(() => verifyBraintree(notification(braintreeForm({ bt_signature: '', bt_payload })), braintreeCredentials)).toThrow(SignatureError);
    expect(() => verifyBraintree(notification({ body: new URLSearchParams({ bt_payload }).toString(), headers: {} }), braintreeCredentials)).toThrow(SignatureError);
    expect(() => verifyBraintree(notification({ body: new URLSearchParams({ bt_signature }).toString(), headers: {} }), braintreeCredentials)).toThrow(SignatureError);
    expect(() => verifyBraintree(notification({ body: JSON.stringify({ bt_signature, bt_payload }), headers: {} }), braintreeCredentials)).toThrow(SignatureError);
    const illegal = braintreeForm({ bt_signature: signBraintree(`${bt_payload}<`), bt_payload: `${bt_payload}<` });
    expect(() => verifyBraintree(notification(illegal), braintreeCredentials)).toThrow(SignatureError);
  });

  it('keeps no event for a kind that carries no transaction, or a signed payload it cannot read', () => {
    const check = gateway.webhookTesting.sampleNotification('check', '');
    expect(verifyBraintree(notification(braintreeForm(check)), braintreeCredentials)).toEqual({ events: [] });
    const subscription = gateway.webhookTesting.sampleNotification('subscription_went_active', 'sub_1');
    expect(verifyBraintree(notification(braintreeForm(subscription)), braintreeCredentials)).toEqual({ events: [] });
    const notXml = Buffer.from('<notification><kind>transaction_settled</kind>').toString('base64');
    expect(verifyBraintree(notification(braintreeForm({ bt_signature: signBraintree(notXml), bt_payload: notXml })), braintreeCredentials)).toEqual({ events: [] });
    const doctype = Buffer.from('<!DOCTYPE x [<!ENTITY a "b">]><notification/>').toString('base64');
    expect(verifyBraintree(notification(braintreeForm({ bt_signature: signBraintree(doctype), bt_payload: doctype })), braintreeCredentials)).toEqual({ events: [] });
    for (const amount of ['10.005', '-1.00', '1e3']) {
      expect(verifyBraintree(notification(braintreeTransactionEvent({ status: 'settled', amount })), braintreeCredentials)).toEqual({ events: [] });
    }
    expect(verifyBraintree(notification(braintreeTransactionEvent({ status: 'settled', amount: '10.00', currency: null })), braintreeCredentials)).toEqual({ events: [] });
  });
});
