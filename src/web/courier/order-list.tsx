import { callLink, navigationLink } from './navigation';
import { OrderFacts } from './order-facts';
import { useText } from './text';
import type { CourierOrder } from './wire';

interface OrderListProps {
  orders: CourierOrder[];
  /** The list was read at least once (or could not be): an empty list then means no orders. */
  loaded: boolean;
  /** How many actions wait to be sent for an order. */
  waitingFor: (orderId: string) => number;
  onSelect: (order: CourierOrder) => void;
}

/** Today's orders in the server's order (promised time first), each a stop to tap, call or navigate to. */
export function OrderList({ orders, loaded, waitingFor, onSelect }: OrderListProps) {
  const { t } = useText();
  if (orders.length === 0) return <p class="empty">{loaded ? t('orders_none') : t('loading')}</p>;
  return (
    <ol class="orders">
      {orders.map((order, index) => {
        const call = callLink(order.customer.phone);
        const navigate = navigationLink(order);
        const waiting = waitingFor(order.id);
        return (
          <li key={order.id} class={`order-card status-${order.status}`} data-testid="courier-order" data-order-id={order.id} data-status={order.status}>
            <button type="button" class="order-main" onClick={() => onSelect(order)}>
              <span class="stop-number" aria-hidden="true">
                {index + 1}
              </span>
              <OrderFacts order={order} brief />
              {waiting > 0 && <span class="chip waiting">{t('order_waiting')}</span>}
            </button>
            <div class="order-links">
              {call && (
                <a class="button link" href={call} data-testid="order-call">
                  {t('call')}
                </a>
              )}
              {navigate && (
                <a class="button link" href={navigate} target="_blank" rel="noopener noreferrer" data-testid="order-navigate">
                  {t('navigate')}
                </a>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}
