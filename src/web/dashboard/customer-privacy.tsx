import { useRef, useState } from 'preact/hooks';
import type { DashboardApi } from './dashboard-api';
import { errorWords } from './format';

/**
 * A customer's personal data (API.md "Privacy"): download everything held about them as JSON, or erase it after a
 * confirmation that says what goes and what stays. Business only (the API refuses staff).
 */
export function CustomerPrivacy({ api, customerId, onErased }: { api: DashboardApi; customerId: string; onErased: () => void }) {
  const [busy, setBusy] = useState<'export' | 'erase' | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const base = `/v1/customers/${encodeURIComponent(customerId)}`;

  const download = async (): Promise<void> => {
    if (busy) return;
    setBusy('export');
    setResult(null);
    try {
      const blob = await (await api.fetch(`${base}/export`)).blob();
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `customer-${customerId}.json`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      // The browser has taken the file by then; the object URL only holds memory.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (failure) {
      setResult({ ok: false, text: errorWords(failure) });
    } finally {
      setBusy(null);
    }
  };

  const erase = async (): Promise<void> => {
    dialog.current?.close();
    setBusy('erase');
    setResult(null);
    try {
      const { orders } = await api.delete<{ orders: number }>(`${base}/personal-data`);
      setResult({ ok: true, text: `Personal data erased from ${orders} order${orders === 1 ? '' : 's'}.` });
      onErased();
    } catch (failure) {
      setResult({ ok: false, text: errorWords(failure) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div class="customer-privacy">
      <p class="muted small">
        Customer <span class="mono">{customerId}</span>
      </p>
      <div class="actions">
        <button type="button" data-testid="customer-export" aria-busy={busy === 'export'} disabled={busy !== null} onClick={() => void download()}>
          {busy === 'export' ? 'Preparing…' : 'Export data'}
        </button>
        <button type="button" class="danger" data-testid="customer-erase" disabled={busy !== null} onClick={() => dialog.current?.showModal()}>
          {busy === 'erase' ? 'Erasing…' : 'Erase personal data'}
        </button>
      </div>
      {result && (
        <p class={result.ok ? 'form-note' : 'inline-error'} role={result.ok ? 'status' : 'alert'} data-testid="customer-privacy-result">
          {result.text}
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
