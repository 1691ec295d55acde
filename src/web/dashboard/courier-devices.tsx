import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../shared/api';
import type { DashboardApi } from './dashboard-api';
import { errorWords, formatDateTime } from './format';
import { Empty, Loading, useAction } from './parts';
import { QrCode } from './qr-code';
import type { AddedDevice, Courier, Device, DevicePage, DeviceProtocol } from './wire';

/** The apps and trackers, as a person knows them. */
export const PROTOCOL_LABELS: Record<DeviceProtocol, string> = {
  osmand: 'Traccar Client / OsmAnd',
  owntracks: 'OwnTracks',
  overland: 'Overland',
  mqtt: 'MQTT tracker',
};

const PROTOCOLS = Object.keys(PROTOCOL_LABELS) as DeviceProtocol[];

/** What a device change came to, in words: the per-courier limit and a device gone meanwhile are said plainly. */
function deviceErrorWords(failure: unknown): string {
  if (failure instanceof ApiError && failure.code === 'limit_reached') return 'This courier has as many devices as allowed: remove one first.';
  if (failure instanceof ApiError && failure.code === 'not_found') return 'That courier or device no longer exists. Refresh the list.';
  return errorWords(failure);
}

/**
 * Scrolls `element` to its start when its top is out of sight (under the sticky top bar, above or far below the
 * window): on a narrow screen the panel opens below the list, and a device's set-up above the form that added it.
 */
function reveal(element: HTMLElement | null): void {
  if (!element) return;
  const top = element.getBoundingClientRect().top;
  const bar = document.querySelector('.topbar')?.getBoundingClientRect().bottom ?? 0;
  if (top < bar || top > window.innerHeight - 120) element.scrollIntoView({ block: 'start' });
}

function devicesPath(courierId: string): string {
  return `/v1/couriers/${encodeURIComponent(courierId)}/devices`;
}

/**
 * A courier's devices (API.md "Devices"): the apps and trackers whose positions are the courier's own. Lists them,
 * adds one (its key and the app's set-up shown once, with a QR code the app imports where it can) and removes one
 * after a confirm (its key is refused at once).
 */
export function CourierDevices({ api, courier, onDone }: { api: DashboardApi; courier: Courier; onDone: () => void }) {
  const [devices, setDevices] = useState<Device[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [protocol, setProtocol] = useState<DeviceProtocol>('owntracks');
  const [name, setName] = useState('');
  const [added, setAdded] = useState<AddedDevice | null>(null);
  const [removing, setRemoving] = useState<Device | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const change = useAction<'add' | 'remove'>(deviceErrorWords);

  useEffect(() => reveal(root.current?.closest('section') ?? null), [courier.id]);

  useEffect(() => {
    let current = true;
    setDevices(null);
    setAdded(null);
    setLoadError(null);
    api.get<DevicePage>(devicesPath(courier.id)).then(
      (page) => current && setDevices(page.items),
      (failure: unknown) => current && setLoadError(deviceErrorWords(failure)),
    );
    return () => {
      current = false;
    };
  }, [api, courier.id]);

  const add = (event: Event): void => {
    event.preventDefault();
    void change.run(async () => {
      const device = await api.post<AddedDevice>(devicesPath(courier.id), { protocol, ...(name.trim() ? { name: name.trim() } : {}) });
      setAdded(device);
      setName('');
      setDevices((known) => [...(known ?? []), { id: device.id, protocol: device.protocol, name: device.name, created_at: device.created_at }]);
    }, 'add');
  };

  const askRemove = (device: Device): void => {
    setRemoving(device);
    dialog.current?.showModal();
  };

  const remove = (): Promise<void> => {
    const device = removing;
    dialog.current?.close();
    if (!device) return Promise.resolve();
    return change.run(async () => {
      await api.delete(`${devicesPath(courier.id)}/${encodeURIComponent(device.id)}`);
      setDevices((known) => (known ?? []).filter((other) => other.id !== device.id));
      if (added?.id === device.id) setAdded(null);
      return `${deviceTitle(device)} removed: its key is refused from now on.`;
    }, 'remove');
  };

  return (
    <div ref={root} class="devices" data-testid="courier-devices" data-courier-id={courier.id}>
      <p class="muted small">
        Their positions are {courier.name}'s own{courier.active ? '' : ' once the courier is active again'}: live tracking, ETAs, last seen.
      </p>
      {added && <DeviceSetup device={added} courier={courier} onDone={() => setAdded(null)} />}
      {loadError ? (
        <p class="form-error" role="alert">
          {loadError}
        </p>
      ) : !devices ? (
        <Loading what="devices" />
      ) : devices.length === 0 ? (
        <Empty title="No devices yet.">Add the app the courier uses below.</Empty>
      ) : (
        <ul class="device-list">
          {devices.map((device) => (
            <li key={device.id} class="device-row" data-testid="device-row" data-device-id={device.id} data-protocol={device.protocol}>
              <div class="device-facts">
                <span class="cell-main">{PROTOCOL_LABELS[device.protocol]}</span>
                <span class="sub">
                  {device.name && <>{device.name} · </>}
                  added <time dateTime={device.created_at}>{formatDateTime(device.created_at)}</time>
                </span>
              </div>
              <button
                type="button"
                class="button subtle"
                data-testid="device-remove"
                disabled={change.busy}
                aria-label={`Remove ${deviceTitle(device)}`}
                onClick={() => askRemove(device)}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {change.outcome && (
        <p class={change.outcome.ok ? 'form-ok' : 'form-error'} role={change.outcome.ok ? 'status' : 'alert'} data-testid="device-change-result">
          {change.outcome.text}
        </p>
      )}
      <form class="device-form" onSubmit={add} data-testid="device-form">
        <h3>Add a device</h3>
        <div class="field-pair">
          <label class="field">
            <span>App or tracker</span>
            <select data-testid="device-protocol" value={protocol} onChange={(event) => setProtocol(event.currentTarget.value as DeviceProtocol)}>
              {PROTOCOLS.map((choice) => (
                <option key={choice} value={choice}>
                  {PROTOCOL_LABELS[choice]}
                </option>
              ))}
            </select>
          </label>
          <label class="field">
            <span>Name (optional)</span>
            <input type="text" maxLength={100} autocomplete="off" data-testid="device-name" value={name} placeholder="e.g. Work phone" onInput={(event) => setName(event.currentTarget.value)} />
          </label>
        </div>
        <div class="form-actions">
          <button type="submit" class="button primary" data-testid="device-add" disabled={change.busy} aria-busy={change.running === 'add'}>
            {change.running === 'add' ? 'Adding…' : 'Add device'}
          </button>
          <button type="button" class="button subtle" data-testid="courier-devices-done" onClick={onDone}>
            Close
          </button>
        </div>
      </form>
      <dialog ref={dialog} class="confirm" data-testid="device-remove-dialog" aria-labelledby="device-remove-title" onClose={() => setRemoving(null)}>
        {removing && (
          <>
            <h2 id="device-remove-title">Remove {deviceTitle(removing)}?</h2>
            <p>Its key is refused at once on every server: the app stops reporting {courier.name}'s position. To use it again, add it again and set the app up with the new key.</p>
            <div class="form-actions">
              <button type="button" class="button" data-testid="device-remove-cancel" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
              <button type="button" class="button danger" data-testid="device-remove-confirm" onClick={() => void remove()}>
                Remove
              </button>
            </div>
          </>
        )}
      </dialog>
    </div>
  );
}

function deviceTitle(device: Pick<Device, 'protocol' | 'name'>): string {
  return device.name ? `${device.name} (${PROTOCOL_LABELS[device.protocol]})` : PROTOCOL_LABELS[device.protocol];
}

/**
 * A device just added: its key, which is shown here only, and how to set the app up with it. The addresses are not
 * followed from here but for the app links, which open the app when this page is on the courier's phone.
 */
function DeviceSetup({ device, courier, onDone }: { device: AddedDevice; courier: Courier; onDone: () => void }) {
  const setup = device.setup;
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => reveal(panel.current), [device.id]);
  return (
    <div ref={panel} class="device-setup" data-testid="device-setup" data-device-id={device.id}>
      <h3>Set up {PROTOCOL_LABELS[device.protocol]}</h3>
      <p class="once-note" role="note">
        <strong>Shown only now:</strong> set the app up before you close this. A lost key cannot be shown again.
      </p>
      <CopyField label="Device key" value={device.key} testid="device-key" />
      {'device_id' in setup && (
        <>
          <p class="muted small">In Traccar Client, paste the server URL and the device identifier:</p>
          <CopyField label="Server URL" value={setup.url} testid="device-setup-url" />
          <CopyField label="Device identifier" value={setup.device_id} testid="device-setup-device-id" />
          <p class="muted small">OsmAnd (trip recording → online tracking) takes this web address:</p>
          <CopyField label="OsmAnd web address" value={`${setup.url}?id=${setup.device_id}&lat={0}&lon={1}&timestamp={2}&altitude={4}&bearing={6}`} />
        </>
      )}
      {'config_url' in setup && (
        <>
          <p class="muted small">Scan with the phone's camera, or open the link on the phone: OwnTracks takes the whole set-up.</p>
          <AppLink href={setup.config_url} qrLabel={`QR code of the OwnTracks set-up for ${courier.name}`} label="Open in OwnTracks" />
          <details class="by-hand">
            <summary>Set up by hand</summary>
            <p class="muted small">Preferences → Connection: mode HTTP, then:</p>
            <CopyField label="URL" value={setup.url} />
            <CopyField label="User name" value={setup.username} />
            <p class="muted small">Password: the device key above.</p>
          </details>
        </>
      )}
      {'import_url' in setup && (
        <>
          <p class="muted small">Scan with the phone's camera, or open the link on the phone: Overland takes the receiver.</p>
          <AppLink href={setup.import_url} qrLabel={`QR code of the Overland set-up for ${courier.name}`} label="Open in Overland" />
          <details class="by-hand">
            <summary>Set up by hand</summary>
            <CopyField label="Receiver endpoint" value={setup.url} />
          </details>
        </>
      )}
      {'topic' in setup && (
        <>
          <p class="muted small">The tracker publishes its positions to this topic of the server's MQTT broker:</p>
          <CopyField label="Topic" value={setup.topic} testid="device-setup-topic" />
          <p class="muted small">OwnTracks in MQTT mode publishes here instead:</p>
          <CopyField label="OwnTracks topic" value={setup.owntracks_topic} />
        </>
      )}
      <div class="form-actions">
        <button type="button" class="button" data-testid="device-setup-done" onClick={onDone}>
          Done: hide the key
        </button>
      </div>
    </div>
  );
}

/** An app's set-up link, as a QR code for the phone's camera and as a link for a page opened on the phone. */
function AppLink({ href, qrLabel, label }: { href: string; qrLabel: string; label: string }) {
  return (
    <div class="app-link">
      <QrCode text={href} label={qrLabel} testid="device-setup-qr" modulePx={3} />
      <a href={href} class="button" data-testid="device-setup-link">
        {label}
      </a>
    </div>
  );
}

/** A value to paste elsewhere: read-only, selected on focus, with a copy button. */
function CopyField({ label, value, testid }: { label: string; value: string; testid?: string }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('copied');
    } catch {
      // No clipboard access (an insecure origin, or permission refused): select it for the person to copy.
      field.current?.select();
      setCopied('selected');
    }
  };
  return (
    <label class="field">
      <span>{label}</span>
      <div class="inline">
        <input ref={field} type="text" readOnly class="mono copy-value" value={value} data-testid={testid} onFocus={(event) => event.currentTarget.select()} />
        <button type="button" class="button" title={copied === 'selected' ? 'Selected: press Ctrl+C (⌘C) to copy' : undefined} onClick={() => void copy()}>
          {copied === 'copied' ? 'Copied' : copied === 'selected' ? 'Selected' : 'Copy'}
        </button>
      </div>
    </label>
  );
}
