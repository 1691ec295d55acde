import { useText } from './text';
import type { CourierOrder } from './wire';

/**
 * What a courier needs to know of an order, in a list card (`brief`) or the order's own panel: who, where, by when,
 * what to collect and the instructions.
 */
export function OrderFacts({ order, brief = false }: { order: CourierOrder; brief?: boolean }) {
  const { t, formats } = useText();
  const collect = order.payment?.status === 'cod_due' ? (order.payment.amount_due ?? order.amount) : null;
  return (
    <span class="facts">
      <span class="facts-top">
        <bdi class="customer">{order.customer.name || t('customer_unnamed')}</bdi>
        <span class={`chip status status-${order.status}`}>{t(`status_${order.status}`)}</span>
      </span>
      <bdi class="ref">{order.external_id ?? order.id}</bdi>
      {order.destination?.address && <bdi class="address">{order.destination.address}</bdi>}
      {order.promised_by && <span class="promised">{t('promised_by', { time: formats.formatDateTime(order.promised_by) })}</span>}
      {collect && <span class="chip collect">{t('collect_amount', { amount: formats.formatMoney(collect) })}</span>}
      {order.instructions && <bdi class={`instructions${brief ? ' brief' : ''}`}>{order.instructions}</bdi>}
    </span>
  );
}
