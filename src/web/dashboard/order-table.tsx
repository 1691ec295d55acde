import type { ComponentChildren } from 'preact';
import type { ExceptionReason } from './exceptions-model';
import { formatAgo, formatMoney, formatShort } from './format';
import type { LiveFeed } from './live-feed';
import { PaymentBadge, ReasonBadge, StatusBadge, TableHead, type Column } from './parts';
import { href } from './routes';
import type { Order } from './wire';

const FINISHED = new Set(['delivered', 'returned', 'cancelled']);

/** Whether an order is past its promised time and not finished. */
export function isLate(order: Order, now = Date.now()): boolean {
  return !!order.promised_by && Date.parse(order.promised_by) < now && !FINISHED.has(order.status);
}

// The "Why" column (exceptions only) stands between these.
const LEADING_COLUMNS = ['Order', 'Customer', 'Status'];
const TRAILING_COLUMNS: Column[] = [
  { label: 'Courier', class: 'col-courier' },
  { label: 'Destination', class: 'col-destination' },
  { label: 'Promised', class: 'col-promised' },
  { label: 'Updated', class: 'col-updated' },
  { label: 'Amount', class: 'col-amount num' },
];

interface OrderTableProps {
  orders: Order[];
  feed: LiveFeed;
  /** Exception reasons per order id: shows a "Why" column. */
  reasons?: Map<string, ExceptionReason[]>;
  empty: ComponentChildren;
}

/**
 * Orders as rows (`[data-testid=order-row]` with `data-order-id`/`data-status`). Each row shows the newest
 * status the tenant feed brought, so it changes live; a status that changed live pops once.
 */
export function OrderTable({ orders, feed, reasons, empty }: OrderTableProps) {
  const now = Date.now();
  if (orders.length === 0) return <>{empty}</>;
  const open = (id: string): void => {
    location.hash = href({ view: 'order', id });
  };
  return (
    <div class="table-wrap">
      <table class="orders">
        <TableHead columns={[...LEADING_COLUMNS, !!reasons && 'Why', ...TRAILING_COLUMNS]} />
        <tbody>
          {orders.map((fetched) => {
            const order = feed.overlay(fetched);
            const changedLive = order !== fetched;
            const late = isLate(order, now);
            return (
              <tr
                key={order.id}
                data-testid="order-row"
                data-order-id={order.id}
                data-status={order.status}
                class={changedLive ? 'live-changed' : undefined}
                onClick={(event) => {
                  if (!(event.target as HTMLElement).closest('a')) open(order.id);
                }}
              >
                <td class="col-order">
                  <a href={href({ view: 'order', id: order.id })} class="order-link">
                    {order.external_id ?? order.id}
                  </a>
                  {order.external_id && <span class="sub mono">{order.id}</span>}
                </td>
                <td class="col-customer">
                  <span class="cell-main">{order.customer.name ?? order.customer.id}</span>
                  <span class="sub">{order.customer.phone ?? order.customer.email ?? order.customer.id}</span>
                </td>
                <td class="col-status">
                  <StatusBadge key={order.version} status={order.status} pop={changedLive} />
                  <PaymentBadge payment={order.payment} />
                </td>
                {reasons && (
                  <td class="col-reasons">
                    {(reasons.get(order.id) ?? []).map((reason) => (
                      <ReasonBadge key={reason} reason={reason} />
                    ))}
                  </td>
                )}
                <td class="col-courier">{order.courier_id ? <span class="mono">{order.courier_id}</span> : <span class="muted">—</span>}</td>
                <td class="col-destination">
                  <span class="truncate" title={order.destination?.address}>
                    {order.destination?.address ?? '—'}
                  </span>
                </td>
                <td class={`col-promised${late ? ' late' : ''}`}>
                  {order.promised_by ? formatShort(order.promised_by, now) : <span class="muted">—</span>}
                  {late && <span class="sub late-note">late</span>}
                </td>
                <td class="col-updated" title={order.updated_at}>
                  {formatAgo(order.updated_at, now)}
                </td>
                <td class="col-amount num">{formatMoney(order.amount)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
