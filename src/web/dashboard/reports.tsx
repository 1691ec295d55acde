import { useState } from 'preact/hooks';
import { dayOf, filterQuery, isFiltered, localDay, type BoardFilters } from './board-filters';
import { DailyBars, RateRing } from './charts';
import type { DashboardApi } from './dashboard-api';
import { errorWords, formatDuration, formatPercent, statusLabel } from './format';
import { Banner, CsvExport, Empty, Loading, Section, TableHead } from './parts';
import { useLoad } from './use-load';
import type { ReportSummary } from './wire';

interface ReportsProps {
  api: DashboardApi;
  /** The board's filters: the CSV export applies them. */
  filters: BoardFilters;
}

interface Range {
  from: string;
  to: string;
}

const PRESETS: Array<{ label: string; days: number }> = [
  { label: '7 days', days: 7 },
  { label: '14 days', days: 14 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
];

/** The last `days` local days, today included. */
function lastDays(days: number, now = new Date()): Range {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - (days - 1));
  return { from: dayOf(from), to: dayOf(now) };
}

/** `[from, to)` as the summary takes it: from the first day's local midnight to the one after the last day. */
function rangeQuery(range: Range): { from: string; to: string } {
  const end = localDay(range.to);
  end.setDate(end.getDate() + 1);
  return { from: localDay(range.from).toISOString(), to: end.toISOString() };
}

/** Every UTC day the answer covers, with zeros for days the summary left out. */
function everyDay(summary: ReportSummary): ReportSummary['by_day'] {
  const known = new Map(summary.by_day.map((day) => [day.date, day]));
  const days: ReportSummary['by_day'] = [];
  const last = new Date(Date.parse(summary.to) - 1).toISOString().slice(0, 10);
  const cursor = new Date(`${summary.from.slice(0, 10)}T00:00:00Z`);
  for (let guard = 0; guard < 400; guard++) {
    const date = cursor.toISOString().slice(0, 10);
    days.push(known.get(date) ?? { date, placed: 0, delivered: 0 });
    if (date >= last) break;
    cursor.setUTCDate(cursor.getUTCDate() + 1);
  }
  // Days outside the range the server still reported (its own day boundaries) are kept, in order.
  for (const day of summary.by_day) if (!days.some((known) => known.date === day.date)) days.push(day);
  return days.sort((a, b) => (a.date < b.date ? -1 : 1));
}

/** Reports: the summary of a date range with its charts, and the orders CSV. */
export function Reports({ api, filters }: ReportsProps) {
  const [range, setRange] = useState<Range>(() => lastDays(14));
  const ready = Boolean(range.from) && Boolean(range.to) && range.from <= range.to;
  const { from, to } = ready ? rangeQuery(range) : { from: '', to: '' };
  const { value: summary, failure, loading } = useLoad(
    ready ? () => api.get<ReportSummary>(`/v1/reports/summary?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`) : null,
    [api, ready, from, to],
  );
  const error = failure ? errorWords(failure) : null;

  return (
    <div class="view reports">
      <div class="view-head">
        <h1>Reports</h1>
        <form class="range" onSubmit={(event) => event.preventDefault()} aria-label="Date range">
          <div class="segmented" role="group" aria-label="Quick ranges">
            {PRESETS.map((preset) => {
              const preset_range = lastDays(preset.days);
              const active = preset_range.from === range.from && preset_range.to === range.to;
              return (
                <button key={preset.days} type="button" class={active ? 'active' : undefined} aria-pressed={active} onClick={() => setRange(preset_range)}>
                  {preset.label}
                </button>
              );
            })}
          </div>
          <label class="compact-field">
            <span>From</span>
            <input type="date" data-testid="report-from" value={range.from} max={range.to} onChange={(event) => setRange({ ...range, from: event.currentTarget.value })} />
          </label>
          <label class="compact-field">
            <span>to</span>
            <input type="date" data-testid="report-to" value={range.to} min={range.from} onChange={(event) => setRange({ ...range, to: event.currentTarget.value })} />
          </label>
        </form>
      </div>
      {error && <Banner>{error}</Banner>}
      {!summary && loading && <Loading what="the summary" />}
      {summary && <SummaryView summary={summary} refreshing={loading} />}
      <Section title="Orders CSV" class="export-panel">
        <div class="export-row">
          <p class="muted">
            One row per order matching the board's filters
            {isFiltered(filters) ? <>: {describeFilters(filters)}</> : ' (none set: every order)'}.
          </p>
          <CsvExport api={api} filters={filters} label="Download orders.csv" />
        </div>
        <p class="muted small mono">{`GET /v1/reports/orders.csv?${filterQuery(filters).toString()}`}</p>
      </Section>
    </div>
  );
}

function describeFilters(filters: BoardFilters): string {
  const parts: string[] = [];
  if (filters.q.trim()) parts.push(`matching “${filters.q.trim()}”`);
  if (filters.status !== 'all') {
    parts.push(filters.status === 'open' ? 'open' : filters.status === 'on_the_road' ? 'on the road' : statusLabel(filters.status).toLowerCase());
  }
  if (filters.from) parts.push(`created from ${filters.from}`);
  if (filters.to) parts.push(`created to ${filters.to}`);
  return parts.join(', ');
}

function SummaryView({ summary, refreshing }: { summary: ReportSummary; refreshing: boolean }) {
  const days = everyDay(summary);
  const byCourier = [...summary.by_courier].sort((a, b) => b.delivered - a.delivered || a.courier_id.localeCompare(b.courier_id));
  const mostDelivered = Math.max(1, ...byCourier.map((row) => row.delivered + row.failed_attempts));
  const tiles: Array<{ label: string; value: string; tone?: string; testid: string }> = [
    { label: 'Placed', value: String(summary.placed), testid: 'placed' },
    { label: 'Delivered', value: String(summary.delivered), tone: 'good', testid: 'delivered' },
    { label: 'Failed attempts', value: String(summary.failed_attempts), tone: summary.failed_attempts ? 'poor' : undefined, testid: 'failed' },
    { label: 'Returned', value: String(summary.returned), testid: 'returned' },
    { label: 'Cancelled', value: String(summary.cancelled), testid: 'cancelled' },
    { label: 'On time', value: formatPercent(summary.on_time_rate), testid: 'on-time' },
    { label: 'Median delivery', value: formatDuration(summary.delivery_time_s?.p50), testid: 'p50' },
    { label: '90% within', value: formatDuration(summary.delivery_time_s?.p90), testid: 'p90' },
  ];
  return (
    <div class={`report-body${refreshing ? ' refreshing' : ''}`} data-testid="report-summary">
      <div class="tiles">
        {tiles.map((tile) => (
          <div key={tile.label} class={`tile${tile.tone ? ` tone-${tile.tone}` : ''}`} data-testid={`tile-${tile.testid}`}>
            <span class="tile-label">{tile.label}</span>
            <span class="tile-value">{tile.value}</span>
          </div>
        ))}
      </div>
      <div class="report-grid">
        <Section title="Orders per day" class="chart-panel">
          {summary.placed === 0 && summary.delivered === 0 ? <Empty title="No orders in this range." /> : <DailyBars days={days} />}
        </Section>
        <Section title="Promises kept" class="ring-panel">
          <RateRing
            rate={summary.on_time_rate}
            caption={
              summary.on_time_rate === null
                ? 'No order in this range with a promised time is delivered or past it yet.'
                : 'Delivered at or before the promised time, among orders with a promised time that are delivered or past it.'
            }
          />
        </Section>
      </div>
      <Section title="By courier">
        {byCourier.length === 0 ? (
          <p class="muted pad">No courier delivered or attempted an order in this range.</p>
        ) : (
          <table class="couriers-table">
            <TableHead
              columns={[
                'Courier',
                { label: 'Delivered', class: 'num' },
                { label: 'Failed attempts', class: 'num' },
                { label: <span class="visually-hidden">Share</span>, class: 'share-col' },
              ]}
            />
            <tbody>
              {byCourier.map((row) => (
                <tr key={row.courier_id}>
                  <td class="mono">{row.courier_id}</td>
                  <td class="num">{row.delivered}</td>
                  <td class={`num${row.failed_attempts ? ' poor' : ''}`}>{row.failed_attempts}</td>
                  <td class="share-col">
                    <span class="share" aria-hidden="true">
                      <span class="share-delivered" style={{ width: `${(row.delivered / mostDelivered) * 100}%` }} />
                      <span class="share-failed" style={{ width: `${(row.failed_attempts / mostDelivered) * 100}%` }} />
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
