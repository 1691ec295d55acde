/** Small pieces shared by the dashboard's views. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { filterQuery, type BoardFilters } from './board-filters';
import type { DashboardApi } from './dashboard-api';
import type { ExceptionReason } from './exceptions-model';
import type { Payment } from '../../domain/payment';
import { errorWords, paymentBadgeLabel, paymentStatusLabel, statusLabel } from './format';

/** A status as a coloured label; `pop` marks one that just changed live. */
export function StatusBadge({ status, pop }: { status: string; pop?: boolean }) {
  return <span class={`badge status-${status}${pop ? ' pop' : ''}`}>{statusLabel(status)}</span>;
}

/**
 * Where an order's payment stands, as a coloured label ("Cash due"; `long`: "Cash to collect on delivery"); nothing
 * when no payment is recorded (`none`).
 */
export function PaymentBadge({ payment, long }: { payment: Pick<Payment, 'status'> | null | undefined; long?: boolean }) {
  const label = payment && paymentBadgeLabel(payment.status) !== null ? (long ? paymentStatusLabel(payment) : paymentBadgeLabel(payment.status)) : null;
  if (!payment || !label) return null;
  return (
    <span class={`badge payment-badge pay-${payment.status}`} data-testid="payment-badge" data-payment-status={payment.status}>
      {label}
    </span>
  );
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

/** A column of a table: its header and the class it carries (widths, alignment, what narrow screens hide). */
export interface Column {
  label: ComponentChildren;
  class?: string;
}

/** A table's header row; a column given as `false` is not shown. */
export function TableHead({ columns }: { columns: ReadonlyArray<Column | string | false> }) {
  return (
    <thead>
      <tr>
        {columns
          .filter((column): column is Column | string => column !== false)
          .map((column): Column => (typeof column === 'string' ? { label: column } : column))
          .map((column, index) => (
            <th key={index} scope="col" class={column.class}>
              {column.label}
            </th>
          ))}
      </tr>
    </thead>
  );
}

/** What an action the user started came to, in words. */
export interface Outcome {
  ok: boolean;
  text: string;
}

/**
 * An action started from a button or a form: one at a time (a click while one runs does nothing), `running` names
 * it meanwhile, and `outcome` says what it did (the text `work` resolves to, if any) or why it failed.
 */
export function useAction<Kind extends string = 'action'>(failureWords: (failure: unknown) => string = errorWords) {
  const [running, setRunning] = useState<Kind | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const run = async (work: () => Promise<string | void>, kind = 'action' as Kind): Promise<void> => {
    if (running !== null) return;
    setRunning(kind);
    setOutcome(null);
    try {
      const done = await work();
      if (done) setOutcome({ ok: true, text: done });
    } catch (failure) {
      setOutcome({ ok: false, text: failureWords(failure) });
    } finally {
      setRunning(null);
    }
  };
  return { running, busy: running !== null, outcome, run };
}

/** Fetches a file the API serves to the signed-in dashboard (it needs the bearer token) and has the browser save it. */
export async function download(api: DashboardApi, path: string, filename: string): Promise<void> {
  const blob = await (await api.fetch(path)).blob();
  const url = URL.createObjectURL(blob);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = filename;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The browser has taken the file by then; the object URL only holds memory.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * The orders CSV (`GET /v1/reports/orders.csv` with the board's filters) as a link. The export needs the bearer
 * token, so the click fetches it and hands the browser a Blob URL to save as orders.csv.
 */
export function CsvExport({ api, filters, label = 'Export CSV' }: { api: DashboardApi; filters: BoardFilters; label?: string }) {
  const { busy, outcome, run } = useAction();
  const path = `/v1/reports/orders.csv?${filterQuery(filters).toString()}`;

  const save = (event: MouseEvent): void => {
    event.preventDefault();
    void run(() => download(api, path, 'orders.csv'));
  };

  return (
    <span class="csv-export">
      <a href={path} download="orders.csv" class="button" data-testid="csv-export" aria-busy={busy} onClick={save}>
        <span class="icon-download" aria-hidden="true" />
        {busy ? 'Preparing…' : label}
      </a>
      {outcome && !outcome.ok && (
        <span class="inline-error" role="alert">
          {outcome.text}
        </span>
      )}
    </span>
  );
}

/** The `<option>`s of a select, one per choice. */
export function Options({ choices }: { choices: ReadonlyArray<{ value: string; label: string }> }) {
  return (
    <>
      {choices.map((choice) => (
        <option key={choice.value} value={choice.value}>
          {choice.label}
        </option>
      ))}
    </>
  );
}
