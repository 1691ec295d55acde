import type { DashboardApi } from './dashboard-api';
import type { LiveFeed } from './live-feed';
import { PolledModel } from './model';
import { OPEN_STATUSES } from './board-filters';
import type { Order, OrderPage } from './wire';

export type ExceptionReason = 'failed_attempt' | 'late' | 'on_hold' | 'stale';

/** Most pressing first: a customer who was missed, then a broken promise, then a held or forgotten order. */
export const REASON_ORDER: readonly ExceptionReason[] = ['failed_attempt', 'late', 'on_hold', 'stale'];

export interface ExceptionRow {
  order: Order;
  reasons: ExceptionReason[];
}

/** Each exception query reads at most this many orders (the API's largest page). */
const PAGE = 200;
/** Late and stale depend on the clock, not only on events: looked at again this often. */
const REFRESH_MS = 60_000;

export interface ExceptionsOptions {
  api: DashboardApi;
  feed: LiveFeed;
  /** No event for this many hours makes an open order stale (`STALE_AFTER_H`). */
  staleAfterHours: number;
  now?: () => number;
}

/**
 * Orders that need someone: a failed delivery attempt, on hold, past `promised_by` and not delivered, or with
 * no event for `staleAfterHours` (approximated by `updated_to`, among open orders). Kept fresh from the tenant
 * feed: an event of a listed order, or one that makes an order an exception, refetches (throttled).
 */
export class ExceptionsModel extends PolledModel {
  rows: ExceptionRow[] = [];
  private readonly now: () => number;

  constructor(private readonly options: ExceptionsOptions) {
    super(REFRESH_MS);
    this.now = options.now ?? Date.now;
    this.listen(
      options.feed.on('status', (update) => {
        const listed = this.rows.some((row) => row.order.id === update.order_id);
        if (listed) this.changed(); // its row shows the new status at once; the refetch decides if it stays
        if (listed || update.status === 'failed_attempt' || update.status === 'on_hold') this.throttle.request();
      }),
      options.feed.on('resynced', () => this.throttle.request()),
    );
  }

  get count(): number {
    return this.rows.length;
  }

  /** The orders of each kind of exception, with their reasons; `truncated` when a kind had more than one page. */
  protected async read(): Promise<() => void> {
    const { api, feed, staleAfterHours } = this.options;
    const open = OPEN_STATUSES.join(',');
    const now = this.now();
    const queries: Array<[ExceptionReason | null, string]> = [
      [null, `status=failed_attempt,on_hold&limit=${PAGE}`],
      ['stale', `status=${open}&updated_to=${encodeURIComponent(new Date(now - staleAfterHours * 3_600_000).toISOString())}&limit=${PAGE}`],
      ['late', `status=${open}&promised_to=${encodeURIComponent(new Date(now).toISOString())}&limit=${PAGE}`],
    ];
    const pages = await Promise.all(queries.map(([, query]) => api.get<OrderPage>(`/v1/orders?${query}`)));
    return () => {
      const byId = new Map<string, ExceptionRow>();
      pages.forEach((page, index) => {
        const fixed = queries[index]![0];
        for (const fetched of page.items) {
          const order = feed.overlay(fetched);
          const row = byId.get(order.id) ?? { order, reasons: [] };
          byId.set(order.id, row);
          const reason = fixed ?? (order.status === 'failed_attempt' ? 'failed_attempt' : order.status === 'on_hold' ? 'on_hold' : null);
          if (reason && !row.reasons.includes(reason)) row.reasons.push(reason);
        }
      });
      this.rows = [...byId.values()]
        .filter((row) => row.reasons.length > 0 && OPEN_STATUSES.includes(row.order.status))
        .map((row) => ({ ...row, reasons: REASON_ORDER.filter((reason) => row.reasons.includes(reason)) }))
        .sort(compareRows);
      this.truncated = pages.some((page) => page.next_cursor !== null);
    };
  }
}

function compareRows(a: ExceptionRow, b: ExceptionRow): number {
  const rank = (row: ExceptionRow): number => REASON_ORDER.indexOf(row.reasons[0]!);
  return rank(a) - rank(b) || (a.order.updated_at < b.order.updated_at ? -1 : a.order.updated_at > b.order.updated_at ? 1 : 0);
}
