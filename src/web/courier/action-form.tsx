import { useEffect, useRef, useState } from 'preact/hooks';
import { FAIL_REASONS, MAX_PROOF_PHOTOS, type FailReason } from '../../domain/proof';
import type { Money } from '../shared/i18n';
import { amountText, parseAmount } from './cash';
import type { QueuedAction, QueuedPicture } from './device-store';
import type { MessageKey } from './i18n/en';
import { newId } from './ids';
import { downscalePhoto } from './photos';
import { SignatureField, type SignatureHandle } from './signature';
import { useText } from './text';
import type { CourierOrder, ScanType } from './wire';

interface ActionFormProps {
  type: ScanType;
  /** The order (null: a code not on the courier's list, which only a pickup may take). */
  order: CourierOrder | null;
  orderId: string;
  courierId: string;
  place: () => { lat: number; lng: number } | undefined;
  onQueue: (action: QueuedAction) => Promise<void>;
  onBack: () => void;
}

interface Photo {
  blob: Blob;
  /** A `blob:` URL for its preview, let go when the photo is removed or the form closes. */
  url: string;
}

/**
 * One action's form: a delivery's proof (recipient, signature, photos, cash collected on a cash-on-delivery
 * order), a failed attempt's reason and note, or only a confirmation for the other scans. Submitting keeps the
 * action in the outbox with the time it was done; sending is the outbox's work.
 */
export function ActionForm({ type, order, orderId, courierId, place, onQueue, onBack }: ActionFormProps) {
  const { t, formats } = useText();
  const [recipient, setRecipient] = useState('');
  const [note, setNote] = useState('');
  const [reason, setReason] = useState<FailReason | ''>('');
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [processing, setProcessing] = useState(0);
  const [problem, setProblem] = useState<MessageKey | null>(null);
  const [busy, setBusy] = useState(false);
  const signature = useRef<SignatureHandle>(null);

  const due = order?.payment?.status === 'cod_due' ? (order.payment.amount_due ?? order.amount) : null;
  const [cash, setCash] = useState(() => (due ? amountText(due) : ''));

  const shown = useRef(photos);
  shown.current = photos;
  useEffect(() => () => shown.current.forEach((photo) => URL.revokeObjectURL(photo.url)), []);

  const addPhotos = async (input: HTMLInputElement): Promise<void> => {
    const files = Array.from(input.files ?? []).slice(0, Math.max(0, MAX_PROOF_PHOTOS - photos.length - processing));
    input.value = '';
    if (files.length === 0) {
      setProblem('photos_limit');
      return;
    }
    setProblem(null);
    setProcessing((count) => count + files.length);
    for (const file of files) {
      try {
        const blob = await downscalePhoto(file);
        setPhotos((current) => [...current, { blob, url: URL.createObjectURL(blob) }]);
      } catch {
        setProblem('photo_unreadable');
      } finally {
        setProcessing((count) => count - 1);
      }
    }
  };

  const removePhoto = (photo: Photo): void => {
    URL.revokeObjectURL(photo.url);
    setPhotos((current) => current.filter((kept) => kept !== photo));
  };

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (type === 'failed_attempt' && !reason) return setProblem('reason_missing');
    if (type === 'failed_attempt' && reason === 'other' && !note.trim()) return setProblem('note_missing');
    let collected: Money | null = null;
    if (type === 'delivered' && due) {
      const amount = parseAmount(cash, due.currency);
      if (amount === null) return setProblem('cash_invalid');
      collected = amount.value > 0 ? amount : null;
    }
    setBusy(true);
    try {
      const pictures: QueuedPicture[] = [];
      if (type === 'delivered') {
        const drawn = await signature.current?.picture();
        if (drawn) pictures.push({ key: newId(), kind: 'signature', blob: drawn, id: null });
        for (const photo of photos) pictures.push({ key: newId(), kind: 'photo', blob: photo.blob, id: null });
      }
      const location = place();
      await onQueue({
        event_id: newId(),
        courier_id: courierId,
        queued_at: Date.now(),
        order_id: orderId,
        order_ref: order ? (order.external_id ?? order.id) : orderId,
        type,
        occurred_at: new Date().toISOString(),
        ...(location ? { location } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
        ...(type === 'failed_attempt' && reason ? { reason } : {}),
        ...(type === 'delivered' && recipient.trim() ? { recipient_name: recipient.trim() } : {}),
        pictures,
        cash: collected ? { event_id: newId(), amount: collected } : null,
        scan_sent: false,
      });
    } catch {
      // The phone's storage refused it (full, say): nothing was kept, so the courier is told and can try again.
      setProblem('save_failed');
      setBusy(false);
    }
  };

  return (
    <form class="action-form" onSubmit={(event) => void submit(event)}>
      <div class="sheet-body">
        {type === 'delivered' && (
          <>
            <label class="field">
              <span>{t('proof_recipient')}</span>
              <input
                type="text"
                data-testid="proof-recipient"
                autocomplete="off"
                maxLength={200}
                value={recipient}
                onInput={(event) => setRecipient(event.currentTarget.value)}
              />
            </label>
            <SignatureField handle={signature} />
            <div class="field">
              <span id="photos-label">{t('proof_photos', { max: formats.formatNumber(MAX_PROOF_PHOTOS) })}</span>
              {photos.length > 0 && (
                <ul class="photos">
                  {photos.map((photo, index) => (
                    <li key={photo.url}>
                      <img src={photo.url} alt={t('proof_photo_alt', { number: formats.formatNumber(index + 1) })} />
                      <button type="button" class="button subtle" onClick={() => removePhoto(photo)}>
                        {t('remove')}
                      </button>
                    </li>
                  ))}
                </ul>
              )}
              {processing > 0 && <p class="hint">{t('photos_processing')}</p>}
              <label class={`button wide photo-button${photos.length + processing >= MAX_PROOF_PHOTOS ? ' disabled' : ''}`}>
                {t('proof_add_photo')}
                <input
                  class="visually-hidden"
                  type="file"
                  accept="image/*"
                  capture="environment"
                  multiple
                  data-testid="proof-photo"
                  aria-labelledby="photos-label"
                  disabled={photos.length + processing >= MAX_PROOF_PHOTOS}
                  onChange={(event) => void addPhotos(event.currentTarget)}
                />
              </label>
            </div>
            {due && (
              <label class="field cash">
                <span>{t('cash_collected', { amount: formats.formatMoney(due) })}</span>
                <span class="cash-input">
                  <input
                    type="text"
                    inputMode="decimal"
                    dir="ltr"
                    data-testid="cod-collected"
                    autocomplete="off"
                    value={cash}
                    onInput={(event) => setCash(event.currentTarget.value)}
                  />
                  <span class="currency">{due.currency}</span>
                </span>
              </label>
            )}
          </>
        )}
        {type === 'failed_attempt' && (
          <label class="field">
            <span>{t('fail_reason')}</span>
            <select data-testid="fail-reason" value={reason} required onChange={(event) => setReason(toReason(event.currentTarget.value))}>
              <option value="">{t('fail_reason_choose')}</option>
              {FAIL_REASONS.map((code) => (
                <option key={code} value={code}>
                  {t(`reason_${code}`)}
                </option>
              ))}
            </select>
          </label>
        )}
        {type !== 'delivered' && type !== 'failed_attempt' && <p class="confirm">{t('confirm_scan', { action: t(`action_${type}`) })}</p>}
        <label class="field">
          <span>{type === 'failed_attempt' && reason === 'other' ? t('note_needed') : t('note')}</span>
          <textarea rows={2} maxLength={2000} data-testid="action-note" value={note} onInput={(event) => setNote(event.currentTarget.value)} />
        </label>
        {problem && (
          <p class="notice warning" role="alert">
            {t(problem)}
          </p>
        )}
      </div>
      <footer class="sheet-foot">
        <button type="button" class="button subtle" onClick={onBack}>
          {t('back')}
        </button>
        <button type="submit" class="button primary grow" data-testid="action-submit" disabled={busy || processing > 0}>
          {t(type === 'delivered' ? 'submit_delivered' : type === 'failed_attempt' ? 'submit_failed' : 'submit_scan')}
        </button>
      </footer>
    </form>
  );
}

function toReason(value: string): FailReason | '' {
  return FAIL_REASONS.find((reason) => reason === value) ?? '';
}
