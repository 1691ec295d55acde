import { useEffect, useRef, useState } from 'preact/hooks';
import { canTransition, STATUSES, type OrderStatus } from '../../domain/status';
import type { DashboardApi } from './dashboard-api';
import { statusLabel } from './format';
import { useAction, type Outcome } from './parts';

/** Statuses the order may move to next (legal per API.md), then the others, which the API will refuse. */
function statusChoices(current: OrderStatus): { next: OrderStatus[]; other: OrderStatus[] } {
  const next = STATUSES.filter((status) => canTransition(current, status, null));
  return { next, other: STATUSES.filter((status) => !next.includes(status)) };
}

/** A fresh event id per intended change: a double click or a retry posts the same event once. */
function newEventId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `dash-${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** Posts a status change; the API's refusal (an illegal move, say) is shown in words. */
export function StatusForm({ api, orderId, current, onDone }: { api: DashboardApi; orderId: string; current: OrderStatus; onDone: () => void }) {
  const { next, other } = statusChoices(current);
  const [status, setStatus] = useState<OrderStatus | ''>(next[0] ?? '');
  const [note, setNote] = useState('');
  const { busy, outcome, run } = useAction();
  const eventId = useRef(newEventId());
  // A new status of the order resets the suggestion.
  useEffect(() => setStatus(statusChoices(current).next[0] ?? ''), [current]);

  const submit = (event: Event): void => {
    event.preventDefault();
    if (!status) return;
    void run(async () => {
      try {
        await api.post(`/v1/orders/${encodeURIComponent(orderId)}/status`, { status, event_id: eventId.current, ...(note.trim() ? { note: note.trim() } : {}) });
      } finally {
        // Posted or refused, the next change is another event.
        eventId.current = newEventId();
      }
      setNote('');
      onDone();
      return `Status set to ${statusLabel(status).toLowerCase()}.`;
    });
  };

  return (
    <form class="stack" onSubmit={submit} data-testid="status-form">
      <label class="field">
        <span>New status</span>
        <select data-testid="status-select" value={status} onChange={(event) => setStatus(event.currentTarget.value as OrderStatus)}>
          {next.length > 0 && (
            <optgroup label="Next steps">
              {next.map((choice) => (
                <option key={choice} value={choice}>
                  {statusLabel(choice)}
                </option>
              ))}
            </optgroup>
          )}
          <optgroup label={next.length > 0 ? 'Others (not allowed from here)' : 'No move is allowed from here'}>
            {other.map((choice) => (
              <option key={choice} value={choice}>
                {statusLabel(choice)}
              </option>
            ))}
          </optgroup>
        </select>
      </label>
      <label class="field">
        <span>Note (optional)</span>
        <input type="text" maxLength={500} value={note} onInput={(event) => setNote(event.currentTarget.value)} placeholder="e.g. Customer asked to leave it at reception" />
      </label>
      <div class="form-actions">
        <button type="submit" class="button primary" data-testid="status-submit" disabled={busy || !status}>
          {busy ? 'Posting…' : 'Post status'}
        </button>
        <OutcomeLine outcome={outcome} testid="status-result" />
      </div>
    </form>
  );
}

/** Assigns the order to a courier (suggesting the couriers on the road). */
export function AssignForm({ api, orderId, current, known, onDone }: { api: DashboardApi; orderId: string; current: string | null; known: string[]; onDone: () => void }) {
  const [courier, setCourier] = useState(current ?? '');
  const { busy, outcome, run } = useAction();
  useEffect(() => setCourier(current ?? ''), [current]);

  const submit = (event: Event): void => {
    event.preventDefault();
    const courierId = courier.trim();
    if (!courierId) return;
    void run(async () => {
      await api.post(`/v1/orders/${encodeURIComponent(orderId)}/assign`, { courier_id: courierId });
      onDone();
      return `Assigned to ${courierId}.`;
    });
  };

  return (
    <form class="stack" onSubmit={submit} data-testid="assign-form">
      <label class="field">
        <span>Courier id</span>
        <div class="inline">
          <input type="text" list="known-couriers" data-testid="assign-input" value={courier} onInput={(event) => setCourier(event.currentTarget.value)} placeholder="e.g. k7" autocomplete="off" />
          <button type="submit" class="button" data-testid="assign-submit" disabled={busy || !courier.trim() || courier.trim() === current}>
            {busy ? 'Assigning…' : current ? 'Reassign' : 'Assign'}
          </button>
        </div>
      </label>
      <datalist id="known-couriers">
        {known.map((id) => (
          <option key={id} value={id} />
        ))}
      </datalist>
      <OutcomeLine outcome={outcome} />
    </form>
  );
}

/** What the form's last submission came to (announced: an error at once, a success politely). */
function OutcomeLine({ outcome, testid }: { outcome: Outcome | null; testid?: string }) {
  if (!outcome) return null;
  return (
    <p class={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'} data-testid={testid}>
      {outcome.text}
    </p>
  );
}
