import { useEffect, useState } from 'preact/hooks';
import { courierShownToCustomer } from '../../domain/tracking-view';
import { useObservable } from '../courier/observable';
import type { PageSettings } from '../shared/settings';
import type { PortalLive } from './live';
import { OrderDetail, type TimelineEntry } from './order-detail';
import { OrderMap } from './order-map';
import { shortId } from './orders-view';
import { itemLines } from './order-items';
import { Notice } from './parts';
import { PaymentPanel } from './payment-panel';
import type { PortalApi } from './portal-api';
import { Progress } from './progress';
import { ProofPanel } from './proof-panel';
import { routeHref } from './routes';
import { useText } from './text';
import { when } from './when';
import type { OrderStatus, OrderWithHistory } from './wire';
import { STATUS_TONE, stepIndex } from './words';

interface OrderPageProps {
  api: PortalApi;
  live: PortalLive;
  orderId: string;
  settings: PageSettings;
}

const FINISHED: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['delivered', 'returned', 'cancelled']);

/**
 * One order as the tracking page shows it (API.md "Customer portal"): the status in words with the progress bar and
 * times, the map, the proof of delivery, the payment, what the courier is told, and the timeline, all live.
 */
export function OrderPage({ api, live, orderId, settings }: OrderPageProps) {
  const { t } = useText();
  const [detail] = useState(() => new OrderDetail(api, live, orderId));
  useObservable(detail);
  useEffect(() => {
    void detail.start();
    return () => detail.close();
  }, [detail]);

  const { order } = detail;
  return (
    <>
      <a class="back" href={routeHref({ view: 'orders' })}>
        <span aria-hidden="true" class="back-arrow">
          ‹
        </span>
        {t('order_back')}
      </a>
      {detail.state === 'loading' && (
        <p class="empty" aria-busy="true">
          {t('loading')}
        </p>
      )}
      {detail.state === 'missing' && (
        <Notice tone="warning" testId="order-missing">
          {t('order_not_found')}
        </Notice>
      )}
      {detail.state === 'offline' && !order && <Notice tone="warning">{t('offline')}</Notice>}
      {detail.state === 'failed' && !order && <Notice tone="warning">{t('load_failed')}</Notice>}
      {order && <OrderBody detail={detail} order={order} settings={settings} />}
    </>
  );
}

function OrderBody({ detail, order, settings }: { detail: OrderDetail; order: OrderWithHistory; settings: PageSettings }) {
  const { t, formats } = useText();
  const timeline = detail.timeline;
  const furthest = Math.max(0, ...timeline.map((entry) => stepIndex(entry.status)));
  const status = order.status;
  const finished = FINISHED.has(status);
  const reason = detail.reason;
  const since = timeline.find((entry) => entry.seq === order.version)?.occurred_at ?? order.updated_at;
  const destination = typeof order.destination?.lat === 'number' && typeof order.destination.lng === 'number' ? { lat: order.destination.lat, lng: order.destination.lng } : null;
  const courier = courierShownToCustomer(status) ? detail.courier : null;
  const near = order.arriving_at !== null && status === 'out_for_delivery';
  const etaExpected = status === 'out_for_delivery' && destination !== null;
  const items = itemLines(order.items);

  return (
    <article class="order" data-order-id={order.id}>
      <p class="order-reference">
        {t('order_reference', { reference: order.external_id ?? shortId(order.id) })}
      </p>
      <section class={`panel status-panel tone-${STATUS_TONE[status]}`} aria-labelledby="status-title">
        <div class="status" data-testid="order-status" data-status={status}>
          <h1 id="status-title" class="status-title">
            {t(`status_${status}`)}
          </h1>
          {reason ? (
            <>
              <p class="status-reason" data-testid="attempt-reason" data-reason={reason}>
                {t(`reason_${reason}`)}
              </p>
              <p class="status-sentence">{t('attempt_next')}</p>
            </>
          ) : (
            <p class="status-sentence">{t(`sentence_${status}`)}</p>
          )}
        </div>
        <Progress status={status} furthest={furthest} labelled />
        <dl class="times">
          {!finished && (order.eta || etaExpected) && (
            <>
              <dt>{t('order_times_expected')}</dt>
              <dd data-testid="eta">{order.eta ? <Time iso={order.eta} /> : <span class="pending">{t('eta_pending')}</span>}</dd>
            </>
          )}
          {!finished && order.promised_by && (
            <>
              <dt>{t('order_times_promised')}</dt>
              <dd>
                <Time iso={order.promised_by} />
              </dd>
            </>
          )}
          <dt>{status === 'delivered' ? t('order_times_delivered') : t('order_times_last')}</dt>
          <dd>
            <Time iso={since} />
          </dd>
          {order.destination?.address && (
            <>
              <dt>{status === 'delivered' ? t('order_address_delivered') : finished ? t('order_address') : t('order_address_to')}</dt>
              <dd class="address" dir="auto">
                {order.destination.address}
              </dd>
            </>
          )}
        </dl>
        {/* Status changes are announced; the first render is not a change. */}
        <Announcer status={status} text={`${t(`status_${status}`)}. ${reason ? t(`reason_${reason}`) : t(`sentence_${status}`)}`} />
      </section>

      {/* Once delivered, the proof is what matters most: before the map. */}
      {order.proof && <ProofPanel proof={order.proof} onPictureFailed={() => detail.pictureFailed()} />}
      {(destination || courier) && (
        <section class="panel map-panel" aria-label={t('map_label')}>
          {near && (
            <p class="courier-near" data-testid="courier-near" role="status">
              {t('courier_near')}
            </p>
          )}
          <OrderMap destination={destination} courier={courier} settings={settings} />
        </section>
      )}

      <PaymentPanel payment={order.payment} />

      {(order.instructions || items.length > 0) && (
        <section class="panel" aria-labelledby="details-title">
          <h2 class="panel-title" id="details-title">
            {t('order_details')}
          </h2>
          {items.length > 0 && (
            <ul class="items">
              {items.map((item, index) => (
                <li key={index} dir="auto">
                  {item.quantity !== null ? t('item_line', { quantity: formats.formatNumber(item.quantity), name: item.name }) : item.name}
                </li>
              ))}
            </ul>
          )}
          {order.instructions && (
            <div class="instructions">
              <p class="label">{t('order_instructions')}</p>
              <blockquote dir="auto">{order.instructions}</blockquote>
            </div>
          )}
        </section>
      )}

      <section class="panel timeline-panel" aria-labelledby="timeline-title">
        <h2 id="timeline-title" class="panel-title">
          {t('timeline_title')}
        </h2>
        <ol class="timeline" data-testid="timeline" aria-label={t('timeline_label')}>
          {timeline.map((entry, index) => (
            <TimelineLine key={entry.seq} entry={entry} latest={index === 0} />
          ))}
        </ol>
      </section>
    </article>
  );
}

function TimelineLine({ entry, latest }: { entry: TimelineEntry; latest: boolean }) {
  const { t } = useText();
  return (
    <li class={`entry tone-${STATUS_TONE[entry.status]}${latest ? ' latest' : ''}`} data-seq={String(entry.seq)} data-status={entry.status}>
      <span class="entry-dot" aria-hidden="true" />
      <span class="entry-body">
        <span class="entry-title">{t(`status_${entry.status}`)}</span>
        {entry.reason && (
          <span class="entry-reason" data-testid="attempt-reason" data-reason={entry.reason}>
            {t(`reason_${entry.reason}`)}
          </span>
        )}
        {entry.scan_type && <span class="entry-detail">{t(`scan_${entry.scan_type}`)}</span>}
      </span>
      <Time iso={entry.occurred_at} class="entry-time" />
    </li>
  );
}

function Time({ iso, class: className }: { iso: string; class?: string }) {
  const { formats } = useText();
  return (
    <time class={className} dateTime={iso}>
      {when(formats, iso)}
    </time>
  );
}

/** A polite live region that says the status when it changes (not when the view first shows it). */
function Announcer({ status, text }: { status: OrderStatus; text: string }) {
  const [first] = useState(status);
  const [said, setSaid] = useState('');
  useEffect(() => {
    if (status !== first) setSaid(text);
  }, [status]);
  return (
    <p class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
      {said}
    </p>
  );
}
