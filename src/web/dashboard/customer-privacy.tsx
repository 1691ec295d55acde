import { useRef } from 'preact/hooks';
import type { DashboardApi } from './dashboard-api';
import { download, useAction } from './parts';

/**
 * A customer's personal data (API.md "Privacy"): download everything held about them as JSON, or erase it after a
 * confirmation that says what goes and what stays. Business only (the API refuses staff).
 */
export function CustomerPrivacy({ api, customerId, onErased }: { api: DashboardApi; customerId: string; onErased: () => void }) {
  const { running, busy, outcome, run } = useAction<'export' | 'erase'>();
  const dialog = useRef<HTMLDialogElement>(null);
  const base = `/v1/customers/${encodeURIComponent(customerId)}`;

  const exportData = (): Promise<void> => run(() => download(api, `${base}/export`, `customer-${customerId}.json`), 'export');

  const erase = (): Promise<void> => {
    dialog.current?.close();
    return run(async () => {
      const { orders } = await api.delete<{ orders: number }>(`${base}/personal-data`);
      onErased();
      return `Personal data erased from ${orders} order${orders === 1 ? '' : 's'}.`;
    }, 'erase');
  };

  return (
    <div class="customer-privacy">
      <p class="muted small">
        Customer <span class="mono">{customerId}</span>
      </p>
      <div class="actions">
        <button type="button" data-testid="customer-export" aria-busy={running === 'export'} disabled={busy} onClick={() => void exportData()}>
          {running === 'export' ? 'Preparing…' : 'Export data'}
        </button>
        <button type="button" class="danger" data-testid="customer-erase" disabled={busy} onClick={() => dialog.current?.showModal()}>
          {running === 'erase' ? 'Erasing…' : 'Erase personal data'}
        </button>
      </div>
      {outcome && (
        <p class={outcome.ok ? 'form-note' : 'inline-error'} role={outcome.ok ? 'status' : 'alert'} data-testid="customer-privacy-result">
          {outcome.text}
        </p>
      )}
      <dialog ref={dialog} data-testid="erase-dialog" aria-labelledby="erase-title">
        <h2 id="erase-title">Erase this customer’s personal data?</h2>
        <p>
          Name, email, phone, delivery addresses, event notes and locations and alert preferences of every order of{' '}
          <span class="mono">{customerId}</span> are erased for good. Orders, statuses, times, amounts and points stay.
        </p>
        <div class="actions">
          <button type="button" data-testid="erase-cancel" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="button" class="danger" data-testid="erase-confirm" onClick={() => void erase()}>
            Erase
          </button>
        </div>
      </dialog>
    </div>
  );
}
