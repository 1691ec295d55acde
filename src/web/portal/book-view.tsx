import { useMemo, useState } from 'preact/hooks';
import type { LatLng } from '../../domain/order';
import { newId } from '../courier/ids';
import { ApiError } from '../shared/api';
import type { PageSettings } from '../shared/settings';
import type { MessageKey } from './i18n/en';
import { localValue, localToIso, readCoordinate } from './typed';
import { Notice } from './parts';
import { PickMap } from './pick-map';
import type { PortalApi } from './portal-api';
import { useText } from './text';
import type { CustomerView, PortalOrder } from './wire';
import { refusalWords } from './words';

interface BookViewProps {
  api: PortalApi;
  customerId: string;
  me: CustomerView | null;
  /** Where the map looks first: the customer's latest destination, when one is known. */
  near: LatLng | null;
  settings: PageSettings;
  onPlaced: (order: PortalOrder) => void;
}

interface ItemLine {
  key: string;
  name: string;
  quantity: string;
}

/** API.md "Orders": instructions are at most 500 characters. */
const MAX_INSTRUCTIONS = 500;

const emptyLine = (): ItemLine => ({ key: newId(), name: '', quantity: '1' });

/**
 * Booking a delivery for oneself (`POST /v1/orders` with the customer's token, API.md "Customer portal"): where to
 * (an address, and the spot on the map or typed as coordinates), what, instructions for the courier and the time it
 * should arrive by. The booking carries an `Idempotency-Key` kept while it is retried, so a lost answer books once.
 */
export function BookView({ api, customerId, me, near, settings, onPlaced }: BookViewProps) {
  const { t } = useText();
  const [address, setAddress] = useState('');
  const [lat, setLat] = useState('');
  const [lng, setLng] = useState('');
  const [items, setItems] = useState<ItemLine[]>(() => [emptyLine()]);
  const [instructions, setInstructions] = useState('');
  const [promised, setPromised] = useState('');
  const [key, setKey] = useState(newId);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<{ key: MessageKey; details?: string } | null>(null);
  const minimum = useMemo(() => localValue(new Date()), []);

  /** Any change makes it another booking: a new key. */
  const edit = (apply: () => void): void => {
    apply();
    setKey(newId());
    setProblem(null);
  };

  const picked: LatLng | null = (() => {
    const latitude = readCoordinate(lat, 90);
    const longitude = readCoordinate(lng, 180);
    return latitude !== null && longitude !== null ? { lat: latitude, lng: longitude } : null;
  })();

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (!address.trim()) return setProblem({ key: 'book_address_missing' });
    if ((lat.trim() || lng.trim()) && !picked) return setProblem({ key: 'book_coordinates_invalid' });
    const promisedBy = localToIso(promised);
    if (promised && (!promisedBy || Date.parse(promisedBy) <= Date.now())) return setProblem({ key: 'book_promised_past' });
    const lines = items
      .filter((line) => line.name.trim())
      .map((line) => {
        const quantity = Number(line.quantity);
        return { name: line.name.trim(), quantity: Number.isInteger(quantity) && quantity > 0 ? quantity : 1 };
      });
    const body = {
      customer: {
        id: customerId,
        ...(me?.name ? { name: me.name } : {}),
        ...(me?.email ? { email: me.email } : {}),
        ...(me?.phone ? { phone: me.phone } : {}),
        // Alerts about this order go out in the language the customer uses here.
        locale: document.documentElement.lang,
      },
      destination: { address: address.trim(), ...(picked ?? {}) },
      ...(lines.length > 0 ? { items: lines } : {}),
      ...(instructions.trim() ? { instructions: instructions.trim() } : {}),
      ...(promisedBy ? { promised_by: promisedBy } : {}),
    };
    setBusy(true);
    setProblem(null);
    try {
      const placed = await api.post<PortalOrder & { tracking_token?: string }>('/v1/orders', body, { 'Idempotency-Key': key });
      const { tracking_token: _link, ...order } = placed;
      onPlaced(order);
    } catch (error) {
      if (error instanceof ApiError) {
        setProblem({ key: refusalWords(error.code), details: fieldsOf(error.details) });
        setKey(newId());
      } else {
        setProblem({ key: 'book_offline' });
      }
      setBusy(false);
    }
  };

  return (
    <>
      <h1 class="view-title">{t('book_title')}</h1>
      <p class="lead">{t('book_lead')}</p>
      <form class="stack book-form" onSubmit={(event) => void submit(event)} noValidate>
        <section class="panel stack" aria-labelledby="book-where">
          <h2 class="panel-title" id="book-where">
            {t('book_where')}
          </h2>
          <label for="book-address">{t('book_address_label')}</label>
          <textarea
            id="book-address"
            rows={2}
            autocomplete="street-address"
            data-testid="book-address"
            value={address}
            onInput={(event) => {
              const value = event.currentTarget.value;
              edit(() => setAddress(value));
            }}
          />
          <p class="hint">{t('book_map_label')}</p>
          <PickMap
            picked={picked}
            near={near}
            settings={settings}
            onPick={(point) =>
              edit(() => {
                setLat(String(point.lat));
                setLng(String(point.lng));
              })
            }
          />
          <div class="row">
            <label class="grow">
              <span>{t('book_lat')}</span>
              <input type="text" inputMode="decimal" dir="ltr" data-testid="book-lat" value={lat} onInput={(event) => {
                const value = event.currentTarget.value;
                edit(() => setLat(value));
              }} />
            </label>
            <label class="grow">
              <span>{t('book_lng')}</span>
              <input type="text" inputMode="decimal" dir="ltr" data-testid="book-lng" value={lng} onInput={(event) => {
                const value = event.currentTarget.value;
                edit(() => setLng(value));
              }} />
            </label>
          </div>
          {(lat || lng) && (
            <button type="button" class="button subtle" onClick={() => edit(() => (setLat(''), setLng('')))}>
              {t('book_clear_pin')}
            </button>
          )}
        </section>

        <section class="panel stack" aria-labelledby="book-what">
          <h2 class="panel-title" id="book-what">
            {t('book_items_label')}
          </h2>
          {items.map((line, index) => (
            <div class="item-line" key={line.key}>
              <label class="grow">
                <span class="visually-hidden">{t('book_item_name', { n: index + 1 })}</span>
                <input
                  type="text"
                  placeholder={t('book_item_placeholder')}
                  data-testid="book-item-name"
                  value={line.name}
                  onInput={(event) => {
                    const value = event.currentTarget.value;
                    edit(() => setItems((all) => all.map((other) => (other.key === line.key ? { ...other, name: value } : other))));
                  }}
                />
              </label>
              <label class="quantity">
                <span class="visually-hidden">{t('book_item_quantity', { n: index + 1 })}</span>
                <input
                  type="number"
                  min="1"
                  step="1"
                  inputMode="numeric"
                  data-testid="book-item-quantity"
                  value={line.quantity}
                  onInput={(event) => {
                    const value = event.currentTarget.value;
                    edit(() => setItems((all) => all.map((other) => (other.key === line.key ? { ...other, quantity: value } : other))));
                  }}
                />
              </label>
              {items.length > 1 && (
                <button
                  type="button"
                  class="button subtle icon-button"
                  aria-label={t('book_item_remove', { n: index + 1 })}
                  onClick={() => edit(() => setItems((all) => all.filter((other) => other.key !== line.key)))}
                >
                  ×
                </button>
              )}
            </div>
          ))}
          <button type="button" class="button subtle" data-testid="book-item-add" onClick={() => edit(() => setItems((all) => [...all, emptyLine()]))}>
            {t('book_item_add')}
          </button>
        </section>

        <section class="panel stack" aria-labelledby="book-when">
          <h2 class="panel-title" id="book-when">
            {t('book_when')}
          </h2>
          <label for="book-promised">{t('book_promised_label')}</label>
          <input
            id="book-promised"
            type="datetime-local"
            min={minimum}
            data-testid="book-promised"
            value={promised}
            onInput={(event) => {
              const value = event.currentTarget.value;
              edit(() => setPromised(value));
            }}
          />
          <label for="book-instructions">{t('book_instructions_label')}</label>
          <textarea
            id="book-instructions"
            rows={3}
            maxLength={MAX_INSTRUCTIONS}
            placeholder={t('book_instructions_placeholder')}
            data-testid="book-instructions"
            value={instructions}
            onInput={(event) => {
              const value = event.currentTarget.value;
              edit(() => setInstructions(value));
            }}
          />
        </section>

        {problem && (
          <Notice tone="warning" testId="book-problem">
            {t(problem.key)}
            {problem.details && <span class="details" dir="ltr">{` (${problem.details})`}</span>}
          </Notice>
        )}
        <button type="submit" class="button primary wide" data-testid="book-submit" disabled={busy}>
          {busy ? t('book_sending') : t('book_submit')}
        </button>
      </form>
    </>
  );
}

/** The fields a validation error names, for the customer to find them. */
function fieldsOf(details: unknown): string | undefined {
  if (!Array.isArray(details)) return undefined;
  const paths = details.map((detail) => (detail && typeof detail === 'object' ? (detail as { path?: unknown }).path : undefined)).filter((path): path is string => typeof path === 'string' && path !== '');
  return paths.length > 0 ? paths.join(', ') : undefined;
}
