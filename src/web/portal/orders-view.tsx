import { useState } from 'preact/hooks';
import { useObservable } from '../courier/observable';
import type { MyOrders } from './my-orders';
import { isFinished } from './my-orders';
import { Notice } from './parts';
import { Progress } from './progress';
import { routeHref } from './routes';
import { useText } from './text';
import { when } from './when';
import type { PortalOrder } from './wire';
import { furthestStep, STATUS_TONE } from './words';

interface OrdersViewProps {
  orders: MyOrders;
  /** The order the customer just booked, to say so once. */
  booked: string | null;
  onDismissBooked: () => void;
}

/** My orders: those on their way first, then the finished ones, each row live (`[data-testid=portal-order]`). */
export function OrdersView({ orders, booked, onDismissBooked }: OrdersViewProps) {
  const { t } = useText();
  useObservable(orders);
  const [more, setMore] = useState<'idle' | 'loading' | 'failed'>('idle');
  const active = orders.active;
  const finished = orders.finished;
  const loaded = orders.state === 'ready';

  const loadMore = (): void => {
    setMore('loading');
    orders.more().then(
      () => setMore('idle'),
      () => setMore('failed'),
    );
  };

  return (
    <>
      <h1 class="view-title">{t('orders_title')}</h1>
      {booked && (
        <Notice tone="done" testId="booked-notice">
          {t('booked_notice')}{' '}
          <button type="button" class="link" onClick={onDismissBooked}>
            {t('close')}
          </button>
        </Notice>
      )}
      {orders.state === 'offline' && <Notice tone="warning">{t('offline')}</Notice>}
      {orders.state === 'failed' && (
        <Notice tone="warning">
          {t('load_failed')}{' '}
          <button type="button" class="link" onClick={() => void orders.load()}>
            {t('retry')}
          </button>
        </Notice>
      )}
      {orders.state === 'loading' && (
        <p class="empty" aria-busy="true">
          {t('loading')}
        </p>
      )}
      {loaded && active.length === 0 && finished.length === 0 ? (
        <div class="empty-state">
          <p>{t('orders_none')}</p>
          <a class="button primary" href={routeHref({ view: 'book' })}>
            {t('book_title')}
          </a>
        </div>
      ) : (
        loaded && (
          <>
            <section class="group" aria-labelledby="orders-active">
              <h2 class="group-title" id="orders-active">
                {t('orders_active')}
              </h2>
              {active.length === 0 ? <p class="empty">{t('orders_active_none')}</p> : <OrderRows orders={active} />}
            </section>
            {finished.length > 0 && (
              <section class="group" aria-labelledby="orders-recent">
                <h2 class="group-title" id="orders-recent">
                  {t('orders_recent')}
                </h2>
                <OrderRows orders={finished} />
                {orders.nextCursor && (
                  <button type="button" class="button subtle wide" disabled={more === 'loading'} onClick={loadMore}>
                    {more === 'loading' ? t('loading') : t('orders_more')}
                  </button>
                )}
                {more === 'failed' && <Notice tone="warning">{t('load_failed')}</Notice>}
              </section>
            )}
          </>
        )
      )}
    </>
  );
}

function OrderRows({ orders }: { orders: PortalOrder[] }) {
  return (
    <ul class="order-rows">
      {orders.map((order) => (
        <OrderRow key={order.id} order={order} />
      ))}
    </ul>
  );
}

function OrderRow({ order }: { order: PortalOrder }) {
  const { t, formats } = useText();
  const finished = isFinished(order.status);
  const line = finished
    ? t('order_finished_at', { time: when(formats, order.updated_at) })
    : order.eta
      ? t('order_expected', { time: when(formats, order.eta) })
      : order.promised_by
        ? t('order_promised', { time: when(formats, order.promised_by) })
        : t('order_updated', { time: when(formats, order.updated_at) });
  return (
    <li>
      <a
        class={`order-row tone-${STATUS_TONE[order.status]}`}
        href={routeHref({ view: 'order', orderId: order.id })}
        data-testid="portal-order"
        data-order-id={order.id}
        data-status={order.status}
      >
        <span class="row-top">
          <span class="row-status">{t(`status_${order.status}`)}</span>
          <span class="row-reference" dir="ltr">
            {order.external_id ?? shortId(order.id)}
          </span>
        </span>
        {!finished && <Progress status={order.status} furthest={furthestStep(order.status)} />}
        {order.destination?.address && (
          <span class="row-address" dir="auto">
            {order.destination.address}
          </span>
        )}
        <span class="row-when">{line}</span>
      </a>
    </li>
  );
}

/** An order id short enough for a row: its random end, which tells a customer's orders apart. */
export function shortId(orderId: string): string {
  return orderId.length > 10 ? `…${orderId.slice(-8)}` : orderId;
}
