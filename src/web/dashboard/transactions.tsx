import { useState } from 'preact/hooks';
import type { TransactionKind } from '../../domain/payment';
import { ApiError } from '../shared/api';
import { dayOf, localDay } from './board-filters';
import type { DashboardApi } from './dashboard-api';
import { errorWords, formatDateTime, formatMoney, formatShort, providerLabel, transactionKindLabel } from './format';
import { Banner, download, Empty, Loading, Section, TableHead, useAction } from './parts';
import { href } from './routes';
import { useLoad } from './use-load';
import type { PaymentReport, Transaction, TransactionPage } from './wire';

const PROVIDERS = ['stripe', 'adyen', 'checkout', 'square', 'razorpay', 'braintree'] as const;
const KINDS: TransactionKind[] = ['authorization', 'capture', 'refund', 'failure', 'cod_collected', 'payment'];
/** The provider filter's value for transactions no provider reported (posted by hand or by a courier). */
const POSTED = 'none';

/** The Transactions view's filters; days are the viewer's, '' leaves a filter out. */
interface TransactionFilters {
  from: string;
  to: string;
  provider: string;
  kind: string;
  match: '' | 'matched' | 'unmatched';
  order: string;
}

/** The last 30 local days, today included. */
function lastMonth(now = new Date()): TransactionFilters {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 29);
  return { from: dayOf(from), to: dayOf(now), provider: '', kind: '', match: '', order: '' };
}

/** `[from, to)` from the first day's local midnight to the one after the last day; null while either is unset. */
function rangeOf(filters: TransactionFilters): { from: string; to: string } | null {
  if (!filters.from || !filters.to || filters.from > filters.to) return null;
  const end = localDay(filters.to);
  end.setDate(end.getDate() + 1);
  return { from: localDay(filters.from).toISOString(), to: end.toISOString() };
}

/** The query of `GET /v1/payments/transactions` and of its CSV for these filters. */
function transactionQuery(filters: TransactionFilters): URLSearchParams {
  const query = new URLSearchParams();
  if (filters.from) query.set('from', localDay(filters.from).toISOString());
  if (filters.to) {
    const end = localDay(filters.to);
    end.setDate(end.getDate() + 1);
    query.set('to', end.toISOString());
  }
  if (filters.provider) query.set('provider', filters.provider);
  if (filters.kind) query.set('kind', filters.kind);
  if (filters.match) query.set('match', filters.match);
  const order = filters.order.trim();
  if (order) query.set('order_id', order);
  return query;
}

/**
 * Payment transactions (API.md "Payments"): the money of a date range per provider and the cash couriers collected,
 * the transactions themselves with filters and cursor pages, a way to match one that names no known order, and the
 * CSV with the same filters. The business and staff both read it.
 */
export function Transactions({ api }: { api: DashboardApi }) {
  const [filters, setFilters] = useState<TransactionFilters>(() => lastMonth());
  const [reloads, setReloads] = useState(0);
  const range = rangeOf(filters);
  const report = useLoad(
    range ? () => api.get<PaymentReport>(`/v1/reports/payments?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`) : null,
    [api, range?.from, range?.to, reloads],
  );
  const set = (change: Partial<TransactionFilters>): void => setFilters({ ...filters, ...change });

  return (
    <div class="view transactions" data-testid="transactions-view">
      <div class="view-head">
        <h1>Transactions</h1>
        <TransactionsCsv api={api} filters={filters} />
      </div>
      <FilterBar filters={filters} onChange={set} />
      {report.failure ? <Banner>{errorWords(report.failure)}</Banner> : null}
      {!range && <Banner kind="info">Choose both days of the range to see its totals.</Banner>}
      {range && !report.value && report.loading && <Loading what="the totals" />}
      {range && report.value && <Totals report={report.value} onShowUnmatched={() => set({ match: 'unmatched' })} />}
      <TransactionList api={api} filters={filters} reloads={reloads} onMatched={() => setReloads((count) => count + 1)} />
    </div>
  );
}

function FilterBar({ filters, onChange }: { filters: TransactionFilters; onChange: (change: Partial<TransactionFilters>) => void }) {
  const [order, setOrder] = useState(filters.order);
  return (
    <form
      class="filters"
      role="search"
      aria-label="Transaction filters"
      onSubmit={(event) => {
        event.preventDefault();
        onChange({ order });
      }}
    >
      <label class="compact-field">
        <span>From</span>
        <input type="date" data-testid="transactions-from" value={filters.from} max={filters.to || undefined} onChange={(event) => onChange({ from: event.currentTarget.value })} />
      </label>
      <label class="compact-field">
        <span>to</span>
        <input type="date" data-testid="transactions-to" value={filters.to} min={filters.from || undefined} onChange={(event) => onChange({ to: event.currentTarget.value })} />
      </label>
      <label class="compact-field">
        <span>Provider</span>
        <select data-testid="transactions-provider" value={filters.provider} onChange={(event) => onChange({ provider: event.currentTarget.value })}>
          <option value="">All</option>
          {PROVIDERS.map((provider) => (
            <option key={provider} value={provider}>
              {providerLabel(provider)}
            </option>
          ))}
          <option value={POSTED}>None (posted)</option>
        </select>
      </label>
      <label class="compact-field">
        <span>Kind</span>
        <select data-testid="transactions-kind" value={filters.kind} onChange={(event) => onChange({ kind: event.currentTarget.value })}>
          <option value="">All</option>
          {KINDS.map((kind) => (
            <option key={kind} value={kind}>
              {transactionKindLabel(kind)}
            </option>
          ))}
        </select>
      </label>
      <label class="compact-field">
        <span>Order</span>
        <select data-testid="transactions-match" value={filters.match} onChange={(event) => onChange({ match: event.currentTarget.value as TransactionFilters['match'] })}>
          <option value="">Matched or not</option>
          <option value="matched">Matched to an order</option>
          <option value="unmatched">Unmatched</option>
        </select>
      </label>
      <label class="compact-field">
        <span>Order id</span>
        <input
          type="text"
          data-testid="transactions-order"
          value={order}
          spellcheck={false}
          autocomplete="off"
          placeholder="ord_…"
          onInput={(event) => setOrder(event.currentTarget.value)}
          onChange={(event) => onChange({ order: event.currentTarget.value })}
        />
      </label>
    </form>
  );
}

/** The range's money: paid and refunded per provider and currency, the cash per courier, and what is unmatched. */
function Totals({ report, onShowUnmatched }: { report: PaymentReport; onShowUnmatched: () => void }) {
  const collected = cashByCurrency(report.cash);
  return (
    <div class="money-tiles" data-testid="transactions-totals">
      {report.by_provider.map((row) => (
        <div key={`${row.provider}-${row.currency}`} class="tile" data-testid="totals-provider" data-provider={row.provider} data-currency={row.currency}>
          <span class="tile-label">
            {providerLabel(row.provider)} · {row.currency}
          </span>
          <span class="tile-value">{formatMoney({ value: row.paid, currency: row.currency })}</span>
          <span class="tile-sub">
            paid · {formatMoney({ value: row.refunded, currency: row.currency })} refunded · {row.count} transaction{row.count === 1 ? '' : 's'}
          </span>
        </div>
      ))}
      {collected.map((row) => (
        <div key={`cash-${row.currency}`} class="tile" data-testid="totals-cash" data-currency={row.currency}>
          <span class="tile-label">Cash · {row.currency}</span>
          <span class="tile-value">{formatMoney({ value: row.collected, currency: row.currency })}</span>
          <span class="tile-sub">
            collected · {formatMoney({ value: row.due, currency: row.currency })} still to collect
          </span>
        </div>
      ))}
      {report.by_provider.length === 0 && collected.length === 0 && (
        <div class="tile" data-testid="totals-none">
          <span class="tile-label">Money</span>
          <span class="tile-value">—</span>
          <span class="tile-sub">No provider or cash payments in this range.</span>
        </div>
      )}
      <div class={`tile${report.unmatched ? ' tone-alert' : ''}`} data-testid="totals-unmatched" data-count={report.unmatched}>
        <span class="tile-label">Unmatched</span>
        <span class="tile-value">{report.unmatched}</span>
        <span class="tile-sub">
          {report.unmatched ? (
            <button type="button" class="link-button" data-testid="show-unmatched" onClick={onShowUnmatched}>
              Show the ones naming no known order
            </button>
          ) : (
            'Every transaction names a known order.'
          )}
        </span>
      </div>
    </div>
  );
}

/** The couriers' cash added up per currency. */
function cashByCurrency(cash: PaymentReport['cash']): Array<{ currency: string; due: number; collected: number }> {
  const sums = new Map<string, { currency: string; due: number; collected: number }>();
  for (const row of cash) {
    const sum = sums.get(row.currency) ?? { currency: row.currency, due: 0, collected: 0 };
    sum.due += row.due;
    sum.collected += row.collected;
    sums.set(row.currency, sum);
  }
  return [...sums.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}

interface ListProps {
  api: DashboardApi;
  filters: TransactionFilters;
  reloads: number;
  onMatched: () => void;
}

/** The transactions matching the filters, newest first as the server pages them; "More" appends the next page. */
function TransactionList({ api, filters, reloads, onMatched }: ListProps) {
  const query = transactionQuery(filters).toString();
  const key = `${query}|${reloads}`;
  const first = useLoad(() => api.get<TransactionPage>(`/v1/payments/transactions?${query}`), [api, query, reloads]);
  // Pages fetched with "More" for this query; a new query (or reload) starts over.
  const [more, setMore] = useState<{ key: string; items: Transaction[]; next: string | null } | null>(null);
  // Rows matched here, shown with their order at once.
  const [matched, setMatched] = useState<Map<string, string>>(new Map());
  const { busy, outcome, run } = useAction();
  const extra = more?.key === key ? more : null;
  const items = [...(first.value?.items ?? []), ...(extra?.items ?? [])];
  const next = extra ? extra.next : (first.value?.next_cursor ?? null);

  const loadMore = (): void => {
    if (!next) return;
    void run(async () => {
      const page = await api.get<TransactionPage>(`/v1/payments/transactions?${query}${query ? '&' : ''}cursor=${encodeURIComponent(next)}`);
      setMore({ key, items: [...(extra?.items ?? []), ...page.items], next: page.next_cursor });
    });
  };

  return (
    <Section title="Transactions" aside={first.value ? <span class="count">{items.length}{next ? '+' : ''}</span> : undefined}>
      {first.failure ? <Banner>{errorWords(first.failure)}</Banner> : null}
      {!first.value && first.loading ? (
        <Loading what="transactions" />
      ) : items.length === 0 ? (
        !first.failure && <Empty title="No transactions match these filters.">Payments, refunds and cash collected appear here as they are recorded.</Empty>
      ) : (
        <div class={`table-wrap${first.loading ? ' refreshing' : ''}`}>
          <table class="orders transactions-table" data-testid="transactions-table">
            <TableHead
              columns={[
                'When',
                'Kind',
                'Provider',
                { label: 'Amount', class: 'num' },
                'Order',
                'Courier',
                'Reference',
              ]}
            />
            <tbody>
              {items.map((transaction) => (
                <TransactionRow
                  key={transaction.id}
                  api={api}
                  transaction={matched.has(transaction.id) ? { ...transaction, order_id: matched.get(transaction.id)! } : transaction}
                  onMatched={(orderId) => {
                    setMatched(new Map(matched).set(transaction.id, orderId));
                    onMatched();
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(next || (outcome && !outcome.ok)) && (
        <div class="transactions-more">
          {next && (
            <button type="button" class="button" data-testid="transactions-more" disabled={busy} onClick={loadMore}>
              {busy ? 'Loading…' : 'More'}
            </button>
          )}
          {outcome && !outcome.ok && (
            <span class="inline-error" role="alert">
              {outcome.text}
            </span>
          )}
        </div>
      )}
    </Section>
  );
}

function TransactionRow({ api, transaction, onMatched }: { api: DashboardApi; transaction: Transaction; onMatched: (orderId: string) => void }) {
  const refund = transaction.kind === 'refund';
  return (
    <tr data-testid="transaction-row" data-transaction-id={transaction.id} data-kind={transaction.kind} data-matched={transaction.order_id ? 'true' : 'false'}>
      <td title={`recorded ${formatDateTime(transaction.recorded_at)}`}>
        <time dateTime={transaction.occurred_at}>{formatShort(transaction.occurred_at)}</time>
      </td>
      <td>
        <span class={`kind kind-${transaction.kind}`}>{transactionKindLabel(transaction.kind)}</span>
      </td>
      <td>{transaction.provider === null ? <span class="muted">{providerLabel(null)}</span> : providerLabel(transaction.provider)}</td>
      <td class={`num${refund ? ' refund-amount' : ''}`} data-testid="transaction-amount">
        {refund ? '−' : ''}
        {formatMoney(transaction.amount)}
      </td>
      <td>
        {transaction.order_id ? (
          <a class="order-link mono" href={href({ view: 'order', id: transaction.order_id })} data-testid="transaction-order">
            {transaction.order_id}
          </a>
        ) : (
          <MatchForm api={api} transactionId={transaction.id} onMatched={onMatched} />
        )}
      </td>
      <td>{transaction.courier_id ? <span class="mono" data-testid="transaction-courier">{transaction.courier_id}</span> : <span class="muted">—</span>}</td>
      <td class="mono small">{transaction.provider_event_id ?? <span class="muted">—</span>}</td>
    </tr>
  );
}

/** A match by hand refused, in words. */
function matchErrorWords(orderId: string) {
  return (failure: unknown): string => {
    if (failure instanceof ApiError && failure.status === 404) return `There is no order “${orderId}” (or this transaction no longer exists).`;
    if (failure instanceof ApiError && failure.status === 409) return 'This transaction is matched to an order already.';
    return errorWords(failure);
  };
}

/** An unmatched transaction's order, entered by hand (`POST /v1/payments/transactions/:id/match`). */
function MatchForm({ api, transactionId, onMatched }: { api: DashboardApi; transactionId: string; onMatched: (orderId: string) => void }) {
  const [open, setOpen] = useState(false);
  const [orderId, setOrderId] = useState('');
  const { busy, outcome, run } = useAction(matchErrorWords(orderId.trim()));

  if (!open) {
    return (
      <span class="inline">
        <span class="unmatched-note">Unmatched</span>
        <button type="button" class="button subtle" data-testid="transaction-match" onClick={() => setOpen(true)}>
          Match…
        </button>
      </span>
    );
  }
  const submit = (event: Event): void => {
    event.preventDefault();
    const chosen = orderId.trim();
    if (!chosen) return;
    void run(async () => {
      await api.post(`/v1/payments/transactions/${encodeURIComponent(transactionId)}/match`, { order_id: chosen });
      onMatched(chosen);
    });
  };
  return (
    <form class="match-form" onSubmit={submit} data-testid="transaction-match-form">
      <label class="visually-hidden" for={`match-${transactionId}`}>
        Order id
      </label>
      <input
        id={`match-${transactionId}`}
        type="text"
        required
        spellcheck={false}
        autocomplete="off"
        placeholder="Order id"
        value={orderId}
        onInput={(event) => setOrderId(event.currentTarget.value)}
        data-testid="transaction-match-order"
      />
      <button type="submit" class="button primary" disabled={busy || !orderId.trim()} data-testid="transaction-match-submit">
        {busy ? 'Matching…' : 'Match'}
      </button>
      <button type="button" class="button subtle" onClick={() => setOpen(false)}>
        Cancel
      </button>
      {outcome && !outcome.ok && (
        <span class="inline-error" role="alert" data-testid="transaction-match-error">
          {outcome.text}
        </span>
      )}
    </form>
  );
}

/** The transactions CSV with the view's filters, fetched with the bearer token and saved as transactions.csv. */
function TransactionsCsv({ api, filters }: { api: DashboardApi; filters: TransactionFilters }) {
  const { busy, outcome, run } = useAction();
  const query = transactionQuery(filters).toString();
  const path = `/v1/payments/transactions.csv${query ? `?${query}` : ''}`;
  const save = (event: MouseEvent): void => {
    event.preventDefault();
    void run(() => download(api, path, 'transactions.csv'));
  };
  return (
    <span class="csv-export">
      <a href={path} download="transactions.csv" class="button" data-testid="transactions-csv" aria-busy={busy} onClick={save}>
        <span class="icon-download" aria-hidden="true" />
        {busy ? 'Preparing…' : 'Download transactions.csv'}
      </a>
      {outcome && !outcome.ok && (
        <span class="inline-error" role="alert">
          {outcome.text}
        </span>
      )}
    </span>
  );
}
