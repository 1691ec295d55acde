import { Fragment } from 'preact';
import { useText } from './text';
import type { Payment } from './wire';

/**
 * The order's payment (API.md "Payments", `[data-testid=payment-status]` with `data-status`): where it stands in
 * words and the amounts that matter to the customer. Nothing is shown for an order with no payment on record.
 */
export function PaymentPanel({ payment }: { payment: Payment }) {
  const { t, formats } = useText();
  if (payment.status === 'none') return null;
  const amounts: Array<[string, string]> = [];
  if (payment.amount_due && (payment.status === 'cod_due' || payment.status === 'pending' || payment.status === 'authorized' || payment.status === 'failed')) {
    amounts.push([t('payment_due'), formats.formatMoney(payment.amount_due)]);
  }
  if (payment.amount_paid) amounts.push([t('payment_paid'), formats.formatMoney(payment.amount_paid)]);
  if (payment.amount_refunded && payment.amount_refunded.value > 0) amounts.push([t('payment_refunded'), formats.formatMoney(payment.amount_refunded)]);
  return (
    <section class="panel payment-panel" aria-labelledby="payment-title">
      <h2 id="payment-title" class="panel-title">
        {t('payment_title')}
      </h2>
      <p class={`payment-status payment-${payment.status}`} data-testid="payment-status" data-status={payment.status}>
        {t(`payment_${payment.status}`)}
      </p>
      {payment.method && <p class="payment-method">{t(`method_${payment.method}`)}</p>}
      {amounts.length > 0 && (
        <dl class="times">
          {amounts.map(([label, amount]) => (
            <Fragment key={label}>
              <dt>{label}</dt>
              <dd dir="auto">{amount}</dd>
            </Fragment>
          ))}
        </dl>
      )}
    </section>
  );
}
