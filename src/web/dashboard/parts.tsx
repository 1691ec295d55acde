/** Small pieces shared by the dashboard's views. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { filterQuery, type BoardFilters } from './board-filters';
import type { DashboardApi } from './dashboard-api';
import type { ExceptionReason } from './exceptions-model';
import { errorWords, statusLabel } from './format';

/** A status as a coloured label; `pop` marks one that just changed live. */
export function StatusBadge({ status, pop }: { status: string; pop?: boolean }) {
  return <span class={`badge status-${status}${pop ? ' pop' : ''}`}>{statusLabel(status)}</span>;
}

const REASON_LABELS: Record<ExceptionReason, string> = {
  failed_attempt: 'Failed attempt',
  late: 'Past promised time',
  on_hold: 'On hold',
  stale: 'No recent event',
};

/** Why an order is an exception. */
export function ReasonBadge({ reason }: { reason: ExceptionReason }) {
  return <span class={`reason reason-${reason}`}>{REASON_LABELS[reason]}</span>;
}

/** A message across the view: an error (announced at once) or a note. */
export function Banner({ kind = 'error', children }: { kind?: 'error' | 'info'; children: ComponentChildren }) {
  return (
    <p class={`banner banner-${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** What a list shows when it has nothing. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <p class="muted">{children}</p>}
    </div>
  );
}

/** A quiet spinner while something loads. */
export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

/** A titled panel. */
export function Section({ title, aside, children, class: extra }: { title: string; aside?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`panel${extra ? ` ${extra}` : ''}`}>
      <header class="panel-head">
        <h2>{title}</h2>
        {aside}
      </header>
      {children}
    </section>
  );
}

/**
 * The orders CSV (`GET /v1/reports/orders.csv` with the board's filters) as a link. The export needs the bearer
 * token, so the click fetches it and hands the browser a Blob URL to save as orders.csv.
 */
export function CsvExport({ api, filters, label = 'Export CSV' }: { api: DashboardApi; filters: BoardFilters; label?: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const path = `/v1/reports/orders.csv?${filterQuery(filters).toString()}`;

  const download = async (event: MouseEvent): Promise<void> => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const blob = await (await api.fetch(path)).blob();
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = 'orders.csv';
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The browser has taken the file by then; the object URL only holds memory.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (failure) {
      setError(errorWords(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <span class="csv-export">
      <a href={path} download="orders.csv" class="button" data-testid="csv-export" aria-busy={busy} onClick={download}>
        <span class="icon-download" aria-hidden="true" />
        {busy ? 'Preparing…' : label}
      </a>
      {error && (
        <span class="inline-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
