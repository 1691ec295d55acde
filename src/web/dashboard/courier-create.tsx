import { useRef, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { errorWords } from './format';
import { useAction } from './parts';
import type { Courier } from './wire';

/** What creating a courier came to, in words: an id the tenant has already is said plainly. */
export function courierErrorWords(failure: unknown, courierId?: string): string {
  if (failure instanceof ApiError && failure.code === 'already_exists') {
    return `A courier with the id “${courierId ?? ''}” exists already. Choose another id, or find that courier in the list.`;
  }
  if (failure instanceof ApiError && failure.code === 'not_found') return 'That courier no longer exists. Refresh the list.';
  return errorWords(failure);
}

const EMPTY = { id: '', name: '', phone: '', vehicle: '' };

/** Adds a courier record: an id of the business's choosing, a name, and optionally a phone number and vehicle. */
export function CourierCreate({ api, onCreated }: { api: DashboardApi; onCreated: (courier: Courier) => void }) {
  const [fields, setFields] = useState(EMPTY);
  // The id the last submission asked for, for its refusal's words (read when the answer comes).
  const attempted = useRef('');
  const { busy, outcome, run } = useAction((failure) => courierErrorWords(failure, attempted.current));
  const set = (name: keyof typeof EMPTY) => (event: Event) => setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement).value });

  const submit = (event: Event): void => {
    event.preventDefault();
    const id = fields.id.trim();
    const name = fields.name.trim();
    if (!id || !name) return;
    attempted.current = id;
    void run(async () => {
      const courier = await api.post<Courier>('/v1/couriers', {
        id,
        name,
        ...(fields.phone.trim() ? { phone: fields.phone.trim() } : {}),
        ...(fields.vehicle.trim() ? { vehicle: fields.vehicle.trim() } : {}),
      });
      setFields(EMPTY);
      onCreated(courier);
      return `${courier.name} (${courier.id}) added.`;
    });
  };

  return (
    <form class="stack" onSubmit={submit} data-testid="courier-form">
      <div class="field-pair">
        <label class="field">
          <span>Courier id</span>
          <input type="text" required maxLength={200} autocomplete="off" data-testid="courier-id-input" value={fields.id} onInput={set('id')} placeholder="e.g. k7" />
        </label>
        <label class="field">
          <span>Name</span>
          <input type="text" required maxLength={200} autocomplete="off" data-testid="courier-name-input" value={fields.name} onInput={set('name')} placeholder="e.g. Chan Tai Man" />
        </label>
      </div>
      <div class="field-pair">
        <label class="field">
          <span>Phone (optional)</span>
          <input type="tel" maxLength={16} autocomplete="off" data-testid="courier-phone-input" value={fields.phone} onInput={set('phone')} placeholder="+85291234567" />
        </label>
        <label class="field">
          <span>Vehicle (optional)</span>
          <input type="text" maxLength={100} autocomplete="off" data-testid="courier-vehicle-input" value={fields.vehicle} onInput={set('vehicle')} placeholder="e.g. Van, bicycle" />
        </label>
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary" data-testid="courier-create-submit" disabled={busy || !fields.id.trim() || !fields.name.trim()}>
          {busy ? 'Adding…' : 'Add courier'}
        </button>
        {outcome && (
          <p class={outcome.ok ? 'form-ok' : 'form-error'} role={outcome.ok ? 'status' : 'alert'} data-testid="courier-form-result">
            {outcome.text}
          </p>
        )}
      </div>
    </form>
  );
}
