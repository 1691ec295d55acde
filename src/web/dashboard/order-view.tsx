import { useEffect, useState } from 'preact/hooks';
import type { OrderEvent } from '../../domain/order';
import type { PageSettings } from '../shared/settings';
import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { DeliveryProof } from './delivery-proof';
import { errorWords, failReasonLabel, formatAgo, formatDateTime, formatMoney, paymentMethodLabel, paymentStatusLabel, statusLabel } from './format';
import type { LiveFeed } from './live-feed';
import { Throttle } from './model';
import { AssignForm, StatusForm } from './order-actions';
import { CustomerPrivacy } from './customer-privacy';
import { useLoad } from './use-load';
import { OrderMap } from './order-map';
import { isLate } from './order-table';
import { Banner, Empty, Loading, PaymentBadge, Section, StatusBadge, TableHead } from './parts';
import { href } from './routes';
import type { DashboardRole } from './session';
import { WebhookDeliveries } from './webhook-deliveries';
import type { DeliveryLogEntry, Order, OrderWithHistory } from './wire';

interface OrderViewProps {
  id: string;
  api: DashboardApi;
  feed: LiveFeed;
  role: DashboardRole;
  settings: PageSettings;
  /** Courier ids to suggest when assigning. */
  knownCouriers: string[];
}

/** One order: its details, timeline, delivery log and webhook deliveries; assign a courier, post a status. */
export function OrderView({ id, api, feed, role, settings, knownCouriers }: OrderViewProps) {
  const [reloads, setReloads] = useState(0);
  const reload = (): void => setReloads((count) => count + 1);
  const loaded = useLoad(
    () =>
      Promise.all([
        api.get<OrderWithHistory>(`/v1/orders/${encodeURIComponent(id)}`),
        api.get<{ items: DeliveryLogEntry[] }>(`/v1/orders/${encodeURIComponent(id)}/notifications`),
      ]),
    [api, id, reloads],
  );
  const [order, deliveries] = loaded.value ?? [null, null];
  const log = deliveries?.items ?? null;
  const missing = loaded.failure instanceof ApiError && loaded.failure.code === 'not_found';
  const error = loaded.failure && !missing ? errorWords(loaded.failure) : null;

  // Every event and payment of this order (from anywhere) refreshes the view: the history carries what the event lacks.
  useEffect(() => {
    const refetch = new Throttle(reload, 250, 1000);
    const stops = [
      feed.on('status', (update) => {
        if (update.order_id === id) refetch.request();
      }),
      // A payment changed: its transactions and amounts are read again with the order.
      feed.on('payment', (update) => {
        if (update.order_id === id) refetch.request();
      }),
      feed.on('resynced', () => refetch.request()),
    ];
    return () => {
      refetch.cancel();
      for (const stop of stops) stop();
    };
  }, [feed, id]);

  if (missing) {
    return (
      <div class="view order-view">
        <a class="back" href={href({ view: 'orders' })}>
          ← Orders
        </a>
        <Empty title="No such order.">It does not exist, or it belongs to another tenant.</Empty>
      </div>
    );
  }
  if (!order) {
    return (
      <div class="view order-view">
        <a class="back" href={href({ view: 'orders' })}>
          ← Orders
        </a>
        {error ? <Banner>{error}</Banner> : <Loading what="the order" />}
      </div>
    );
  }

  const shown = feed.overlay(order);
  const late = isLate(shown);
  return (
    <div class="view order-view" data-testid="order-view" data-order-id={shown.id}>
      <a class="back" href={href({ view: 'orders' })}>
        ← Orders
      </a>
      <div class="order-head">
        <div>
          <h1>
            {shown.external_id ?? shown.id} <StatusBadge key={shown.version} status={shown.status} pop={shown !== order} />
          </h1>
          <p class="muted mono small">{shown.id}</p>
        </div>
        <dl class="facts">
          <div>
            <dt>Placed</dt>
            <dd>{formatDateTime(shown.created_at)}</dd>
          </div>
          <div>
            <dt>Last change</dt>
            <dd title={formatDateTime(shown.updated_at)}>{formatAgo(shown.updated_at)}</dd>
          </div>
          <div class={late ? 'late' : undefined}>
            <dt>Promised by</dt>
            <dd>
              {formatDateTime(shown.promised_by)}
              {late && <span class="late-note"> · late</span>}
            </dd>
          </div>
          <div>
            <dt>ETA</dt>
            <dd>{formatDateTime(shown.eta)}</dd>
          </div>
        </dl>
      </div>
      {error && <Banner>{error}</Banner>}
      <div class="order-grid">
        <div class="order-main">
          <Section title="Details">
            <dl class="details">
              <div>
                <dt>Customer</dt>
                <dd>
                  {shown.customer.name ?? shown.customer.id}
                  <span class="sub">{[shown.customer.email, shown.customer.phone].filter(Boolean).join(' · ') || shown.customer.id}</span>
                </dd>
              </div>
              <div>
                <dt>Destination</dt>
                <dd>{shown.destination?.address ?? '—'}</dd>
              </div>
              <div>
                <dt>Amount</dt>
                <dd>{formatMoney(shown.amount)}</dd>
              </div>
              <div>
                <dt>Courier</dt>
                <dd class="mono">{shown.courier_id ?? '—'}</dd>
              </div>
              <div>
                <dt>Items</dt>
                <dd>{shown.items?.length ?? 0}</dd>
              </div>
              <div>
                <dt>Alerts by</dt>
                <dd>{[shown.notify?.email && 'email', shown.notify?.sms && 'SMS'].filter(Boolean).join(', ') || 'customer preferences'}</dd>
              </div>
              <PaymentFacts payment={shown.payment} />
              <div class="wide">
                <dt>Instructions for the courier</dt>
                <dd data-testid="order-instructions">{shown.instructions ?? <span class="muted">None</span>}</dd>
              </div>
            </dl>
          </Section>
          {shown.proof && (
            <Section title="Proof of delivery">
              <DeliveryProof proof={shown.proof} />
            </Section>
          )}
          <Section title="Timeline" aside={<span class="count">{order.history.length}</span>}>
            <Timeline events={order.history} />
          </Section>
          <OrderMap order={shown} feed={feed} settings={settings} />
        </div>
        <div class="order-side">
          <Section title="Post a status">
            <StatusForm api={api} orderId={shown.id} current={shown.status} onDone={reload} />
          </Section>
          <Section title="Assign a courier">
            <AssignForm api={api} orderId={shown.id} current={shown.courier_id} known={knownCouriers} onDone={reload} />
          </Section>
          <Section title="Delivery log" aside={<span class="count">{log?.length ?? 0}</span>}>
            <DeliveryLog entries={log ?? []} history={order.history} />
          </Section>
          {role === 'business' && (
            <Section title="Customer data">
              <CustomerPrivacy api={api} customerId={shown.customer.id} onErased={reload} />
            </Section>
          )}
          <Section title="Webhook deliveries">
            <WebhookDeliveries api={api} orderId={shown.id} role={role} reloads={reloads} />
          </Section>
        </div>
      </div>
    </div>
  );
}

function Timeline({ events }: { events: OrderEvent[] }) {
  const newestFirst = [...events].reverse();
  return (
    <ol class="timeline" data-testid="order-timeline">
      {newestFirst.map((event) => (
        <li key={`${event.event_id}-${event.seq ?? 'late'}`} class={`event status-${event.status}${event.applied ? '' : ' unapplied'}`} data-seq={event.seq ?? undefined}>
          <span class="event-dot" aria-hidden="true" />
          <div class="event-body">
            <div class="event-title">
              <strong>{statusLabel(event.status)}</strong>
              {event.type === 'scan' && event.scan_type && <span class="chip">scan: {event.scan_type.replace(/_/g, ' ')}</span>}
              {!event.applied && <span class="chip chip-warn">arrived late, not applied</span>}
              {event.reason && (
                <span class="chip chip-warn" data-testid="event-reason" data-reason={event.reason}>
                  {failReasonLabel(event.reason)}
                </span>
              )}
              {event.proof && <span class="chip">with proof of delivery</span>}
            </div>
            <div class="event-meta muted">
              <time dateTime={event.occurred_at} title={`recorded ${formatDateTime(event.recorded_at)}`}>
                {formatDateTime(event.occurred_at)}
              </time>
              <span> · by {event.source}</span>
              {event.seq !== null && <span> · #{event.seq}</span>}
              {event.location && (
                <span>
                  {' '}
                  · {event.location.lat.toFixed(4)}, {event.location.lng.toFixed(4)}
                </span>
              )}
            </div>
            {event.note && <p class="event-note">{event.note}</p>}
          </div>
        </li>
      ))}
    </ol>
  );
}

/** The order's payment (API.md "Payments"): where it stands, how, and the amounts known so far. */
function PaymentFacts({ payment }: { payment: Order['payment'] }) {
  const amounts = [
    payment.amount_due && `due ${formatMoney(payment.amount_due)}`,
    payment.amount_paid && `paid ${formatMoney(payment.amount_paid)}`,
    payment.amount_refunded && `refunded ${formatMoney(payment.amount_refunded)}`,
  ].filter(Boolean);
  const method = paymentMethodLabel(payment);
  return (
    <div class="wide" data-testid="order-payment" data-payment-status={payment.status}>
      <dt>Payment</dt>
      <dd>
        {payment.status === 'none' ? paymentStatusLabel(payment) : <PaymentBadge payment={payment} long />}
        {method && <span class="chip">{method}</span>}
        {amounts.length > 0 && <span class="sub">{amounts.join(' · ')}</span>}
      </dd>
    </div>
  );
}

const CHANNEL_LABELS: Record<DeliveryLogEntry['channel'], string> = { websocket: 'Live page', push: 'Web Push', email: 'Email', sms: 'SMS' };

function DeliveryLog({ entries, history }: { entries: DeliveryLogEntry[]; history: OrderEvent[] }) {
  if (entries.length === 0) return <p class="muted pad">No alerts sent for this order yet.</p>;
  const statusOfSeq = new Map(history.filter((event) => event.seq !== null).map((event) => [event.seq!, event.status]));
  return (
    <table class="log">
      <TableHead columns={['Alert', 'Channel', 'Outcome', 'When']} />
      <tbody>
        {entries.map((entry, index) => (
          <tr key={`${entry.seq}-${entry.channel}-${index}`}>
            <td>{statusOfSeq.has(entry.seq) ? statusLabel(statusOfSeq.get(entry.seq)!) : `#${entry.seq}`}</td>
            <td>{CHANNEL_LABELS[entry.channel] ?? entry.channel}</td>
            <td>
              <span class={`outcome outcome-${entry.status}`}>{entry.status}</span>
              {entry.attempts > 1 && <span class="sub">{entry.attempts} attempts</span>}
              {(entry.reason || entry.error) && <span class="sub">{(entry.reason ?? entry.error)!.replace(/_/g, ' ')}</span>}
            </td>
            <td title={formatDateTime(entry.at)}>{formatAgo(entry.at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
