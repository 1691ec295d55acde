import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { STATUSES } from '../../domain/status';
import { filterQuery, isFiltered, NO_FILTERS, statusesOf, type BoardFilters, type StatusChoice } from './board-filters';
import type { DashboardApi } from './dashboard-api';
import { errorWords, statusLabel } from './format';
import type { LiveFeed } from './live-feed';
import { Throttle } from './model';
import { OrderTable } from './order-table';
import { Banner, CsvExport, Empty, Loading, Options } from './parts';
import { useLoad } from './use-load';
import type { OrderPage } from './wire';

const PAGE_SIZES = [25, 50, 100] as const;
/** Typing pauses this long before the search is sent. */
const SEARCH_DELAY_MS = 300;

interface BoardProps {
  api: DashboardApi;
  feed: LiveFeed;
  filters: BoardFilters;
  onFilters: (filters: BoardFilters) => void;
}

/**
 * The order board: search, status and creation-day filters, cursor pages. Rows follow the tenant feed; on the
 * first page a new order (its first event, seq 1) or one that moves into the status filtered for brings a refetch.
 */
export function Board({ api, feed, filters, onFilters }: BoardProps) {
  const [pageSize, setPageSize] = useState<number>(25);
  const query = filterQuery(filters).toString();
  const viewKey = `${query}|${pageSize}`;
  // Cursors of the pages walked through (the first page has none); a new view starts over.
  const [walk, setWalk] = useState<{ key: string; cursors: Array<string | null> }>({ key: viewKey, cursors: [null] });
  const cursors = walk.key === viewKey ? walk.cursors : [null];
  const cursor = cursors[cursors.length - 1] ?? null;
  const [reloads, setReloads] = useState(0);
  const [, setTick] = useState(0);
  const path = `/v1/orders?${query}${query ? '&' : ''}limit=${pageSize}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const { value: page, failure, loading } = useLoad(() => api.get<OrderPage>(path), [api, path, reloads]);
  const error = failure ? errorWords(failure) : null;
  const pageRef = useRef<OrderPage | null>(null);
  pageRef.current = page;

  const firstPage = cursor === null;
  const statuses = statusesOf(filters.status);
  useEffect(() => {
    const refetch = new Throttle(() => setReloads((count) => count + 1), 300, 1500);
    const stopStatus = feed.on('status', (update) => {
      const shown = pageRef.current?.items.some((order) => order.id === update.order_id);
      if (shown) setTick((tick) => tick + 1);
      else if (firstPage && (update.seq === 1 || (statuses !== null && statuses.includes(update.status)))) refetch.request();
    });
    // A payment changes a shown row's badge; it never moves an order in or out of the filtered list.
    const stopPayment = feed.on('payment', (update) => {
      if (pageRef.current?.items.some((order) => order.id === update.order_id)) setTick((tick) => tick + 1);
    });
    const stopResync = feed.on('resynced', () => refetch.request());
    return () => {
      stopStatus();
      stopPayment();
      stopResync();
      refetch.cancel();
    };
  }, [feed, firstPage, statuses?.join(',')]);

  const goNext = (): void => {
    if (page?.next_cursor) setWalk({ key: viewKey, cursors: [...cursors, page.next_cursor] });
  };
  const goPrevious = (): void => setWalk({ key: viewKey, cursors: cursors.slice(0, -1) });

  return (
    <div class="view board">
      <div class="view-head">
        <h1>Orders</h1>
        <CsvExport api={api} filters={filters} />
      </div>
      <FilterBar filters={filters} onFilters={onFilters} />
      {error && <Banner>{error}</Banner>}
      <div class={`board-body${loading && page ? ' refreshing' : ''}`} aria-busy={loading}>
        {!page && loading ? (
          <Loading what="orders" />
        ) : (
          <OrderTable
            orders={page?.items ?? []}
            feed={feed}
            empty={
              isFiltered(filters) ? (
                <Empty title="No orders match these filters.">
                  <button type="button" class="link-button" onClick={() => onFilters(NO_FILTERS)}>
                    Clear the filters
                  </button>
                </Empty>
              ) : (
                <Empty title="No orders yet.">Orders placed through the API appear here as they come in.</Empty>
              )
            }
          />
        )}
      </div>
      <nav class="pager" aria-label="Pages">
        <span class="muted">
          {page && page.items.length > 0
            ? `Page ${cursors.length} · ${page.items.length} order${page.items.length === 1 ? '' : 's'}`
            : `Page ${cursors.length}`}
        </span>
        <label class="compact-field">
          <span>Per page</span>
          <select value={String(pageSize)} onChange={(event) => setPageSize(Number(event.currentTarget.value))}>
            {PAGE_SIZES.map((size) => (
              <option key={size} value={String(size)}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <div class="pager-buttons">
          <button type="button" class="button" data-testid="page-previous" disabled={cursors.length <= 1 || loading} onClick={goPrevious}>
            ← Newer
          </button>
          <button type="button" class="button" data-testid="page-next" disabled={!page?.next_cursor || loading} onClick={goNext}>
            Older →
          </button>
        </div>
      </nav>
    </div>
  );
}

const STATUS_CHOICES: Array<{ value: StatusChoice; label: string }> = [
  { value: 'all', label: 'All statuses' },
  { value: 'open', label: 'Open (not finished)' },
  { value: 'on_the_road', label: 'On the road' },
  ...STATUSES.map((status) => ({ value: status, label: statusLabel(status) })),
];

function FilterBar({ filters, onFilters }: { filters: BoardFilters; onFilters: (filters: BoardFilters) => void }) {
  const [text, setText] = useState(filters.q);
  const latest = useRef(filters);
  latest.current = filters;
  // The box follows the filters when they change elsewhere (cleared).
  useEffect(() => setText(filters.q), [filters.q]);
  useEffect(() => {
    if (text === latest.current.q) return undefined;
    const timer = setTimeout(() => onFilters({ ...latest.current, q: text }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text]);
  const set = (change: Partial<BoardFilters>): void => onFilters({ ...filters, ...change });
  const filtered = useMemo(() => isFiltered(filters), [filters]);

  return (
    <form class="filters" role="search" onSubmit={(event) => {
      event.preventDefault();
      set({ q: text });
    }}>
      <label class="search">
        <span class="visually-hidden">Search orders</span>
        <span class="icon-search" aria-hidden="true" />
        <input
          type="search"
          data-testid="search-input"
          placeholder="Search id, reference, customer name, email or phone"
          value={text}
          onInput={(event) => setText(event.currentTarget.value)}
        />
      </label>
      <label class="compact-field">
        <span>Status</span>
        <select data-testid="status-filter" value={filters.status} onChange={(event) => set({ status: event.currentTarget.value as StatusChoice })}>
          <Options choices={STATUS_CHOICES} />
        </select>
      </label>
      <label class="compact-field">
        <span>Created from</span>
        <input type="date" data-testid="created-from" value={filters.from} max={filters.to || undefined} onChange={(event) => set({ from: event.currentTarget.value })} />
      </label>
      <label class="compact-field">
        <span>to</span>
        <input type="date" data-testid="created-to" value={filters.to} min={filters.from || undefined} onChange={(event) => set({ to: event.currentTarget.value })} />
      </label>
      {filtered && (
        <button type="button" class="link-button" onClick={() => onFilters(NO_FILTERS)}>
          Clear
        </button>
      )}
    </form>
  );
}
