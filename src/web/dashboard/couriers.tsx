import { useEffect, useRef, useState } from 'preact/hooks';
import type { DashboardApi } from './dashboard-api';
import { CourierCreate, courierErrorWords } from './courier-create';
import { CourierDevices } from './courier-devices';
import { CourierInvite } from './courier-invite';
import { formatAgo, formatDateTime, formatMoney } from './format';
import type { LiveFeed } from './live-feed';
import { Throttle } from './model';
import { Banner, Empty, Loading, Section, TableHead, useAction } from './parts';
import type { Courier, CourierInvite as Invite, CourierPage, PaymentReport } from './wire';

type ActiveFilter = 'all' | 'active' | 'inactive';

const FILTERS: Array<{ value: ActiveFilter; label: string }> = [
  { value: 'all', label: 'All' },
  { value: 'active', label: 'Active' },
  { value: 'inactive', label: 'Inactive' },
];

/** Couriers a page of the list holds: the API's largest page, so most tenants see every courier at once. */
const PAGE = 200;
/** Active orders and cash change without a status event (assignments, collections): read again this often. */
const REFRESH_MS = 30_000;
/**
 * The cash a courier holds: what it collected over the last day (a shift, even one across midnight). The range's end
 * is ahead of now, so a collection recorded on a server whose clock runs ahead of this browser's still counts.
 */
const HELD_WINDOW_MS = 24 * 3600_000;
const CLOCK_SLACK_MS = 3600_000;

interface Directory {
  items: Courier[];
  next: string | null;
  cash: PaymentReport['cash'];
}

function listPath(filter: ActiveFilter, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (filter !== 'all') query.set('active', String(filter === 'active'));
  if (cursor) query.set('cursor', cursor);
  return `/v1/couriers?${query.toString()}`;
}

function cashPath(now = Date.now()): string {
  const from = new Date(now - HELD_WINDOW_MS).toISOString();
  const to = new Date(now + CLOCK_SLACK_MS).toISOString();
  return `/v1/reports/payments?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
}

/**
 * Couriers (API.md "Courier records"): the tenant's couriers with their active orders, when they were last seen and the
 * cash they hold; add one, deactivate or reactivate one, invite one to the courier app, and manage the devices (apps
 * and trackers) whose positions are theirs.
 */
export function Couriers({ api, feed }: { api: DashboardApi; feed: LiveFeed }) {
  const [filter, setFilter] = useState<ActiveFilter>('all');
  const [reloads, setReloads] = useState(0);
  const reload = (): void => setReloads((count) => count + 1);
  const [directory, setDirectory] = useState<Directory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [invite, setInvite] = useState<{ courier: Courier; invite: Invite } | null>(null);
  const [devicesOf, setDevicesOf] = useState<Courier | null>(null);
  const [confirming, setConfirming] = useState<Courier | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const more = useAction();
  const change = useAction<string>((failure) => courierErrorWords(failure));

  // The first page and the cash, read together so a row and its cash are of the same moment. A read is shown unless a
  // later one was shown already or the filter changed meanwhile: reads again on a busy tenant's events must not keep
  // cancelling each other while the server is slow (the list would never show).
  const shownFilter = useRef(filter);
  shownFilter.current = filter;
  const reads = useRef({ asked: 0, shown: 0 });
  useEffect(() => {
    const read = ++reads.current.asked;
    const asked = filter;
    const stale = (): boolean => shownFilter.current !== asked || read < reads.current.shown;
    setLoading(true);
    Promise.all([api.get<CourierPage>(listPath(filter, null)), api.get<PaymentReport>(cashPath())]).then(
      ([page, report]) => {
        if (stale()) return;
        reads.current.shown = read;
        setDirectory({ items: page.items, next: page.next_cursor, cash: report.cash });
        setError(null);
        setLoading(false);
      },
      (failure: unknown) => {
        if (stale()) return;
        setError(courierErrorWords(failure));
        setLoading(false);
      },
    );
  }, [api, filter, reloads]);

  // Deliveries and failures change active orders: read again (throttled) on the tenant's events, and every little while.
  useEffect(() => {
    const refetch = new Throttle(reload, 500, 3000);
    const stops = [feed.on('status', () => refetch.request()), feed.on('resynced', () => refetch.request())];
    const timer = setInterval(reload, REFRESH_MS);
    return () => {
      refetch.cancel();
      clearInterval(timer);
      for (const stop of stops) stop();
    };
  }, [feed]);

  const loadMore = (): Promise<void> =>
    more.run(async () => {
      if (!directory?.next) return;
      const page = await api.get<CourierPage>(listPath(filter, directory.next));
      setDirectory({ ...directory, items: [...directory.items, ...page.items], next: page.next_cursor });
    });

  const startInvite = (courier: Courier): Promise<void> =>
    change.run(async () => {
      const issued = await api.post<Invite>(`/v1/couriers/${encodeURIComponent(courier.id)}/invites`, {});
      setInvite({ courier, invite: issued });
    }, `invite:${courier.id}`);

  const askToggle = (courier: Courier): void => {
    setConfirming(courier);
    dialog.current?.showModal();
  };

  const toggle = (): Promise<void> => {
    const courier = confirming;
    dialog.current?.close();
    if (!courier) return Promise.resolve();
    return change.run(async () => {
      const updated = await api.patch<Courier>(`/v1/couriers/${encodeURIComponent(courier.id)}`, { active: !courier.active });
      if (!updated.active && invite?.courier.id === updated.id) setInvite(null);
      reload();
      return updated.active ? `${updated.name} is active again.` : `${updated.name} is deactivated: their sign-ins are refused.`;
    }, `active:${courier.id}`);
  };

  const couriers = directory?.items ?? [];
  return (
    <div class="view couriers">
      <div class="view-head">
        <h1>Couriers</h1>
        <div class="segmented" role="group" aria-label="Show couriers">
          {FILTERS.map((choice) => (
            <button
              key={choice.value}
              type="button"
              class={filter === choice.value ? 'active' : undefined}
              aria-pressed={filter === choice.value}
              data-testid={`courier-filter-${choice.value}`}
              onClick={() => setFilter(choice.value)}
            >
              {choice.label}
            </button>
          ))}
        </div>
        <button type="button" class="button subtle" data-testid="couriers-refresh" aria-busy={loading} onClick={reload}>
          Refresh
        </button>
      </div>
      {error && <Banner>{error}</Banner>}
      {change.outcome && (
        <p class={change.outcome.ok ? 'banner banner-info' : 'banner'} role={change.outcome.ok ? 'status' : 'alert'} data-testid="courier-change-result">
          {change.outcome.text}
        </p>
      )}
      <div class="couriers-layout">
        <Section title="Couriers" aside={<span class="count">{couriers.length}</span>} class="couriers-panel">
          {!directory ? (
            loading ? <Loading what="couriers" /> : null
          ) : couriers.length === 0 ? (
            <Empty title={filter === 'all' ? 'No couriers yet.' : `No ${filter} couriers.`}>
              {filter === 'all' ? 'Add one with the form: they can then be invited to the courier app.' : null}
            </Empty>
          ) : (
            <div class="scroll-x">
              <table class="courier-records">
                <TableHead
                  columns={[
                    'Courier',
                    'Vehicle',
                    { label: 'Active orders', class: 'num' },
                    'Last seen',
                    { label: 'Cash', class: 'num' },
                    'Status',
                    { label: <span class="visually-hidden">Actions</span> },
                  ]}
                />
                <tbody>
                  {couriers.map((courier) => (
                    <CourierRow
                      key={courier.id}
                      courier={courier}
                      cash={directory.cash.filter((row) => row.courier_id === courier.id)}
                      running={change.running}
                      devicesShown={devicesOf?.id === courier.id}
                      onInvite={() => void startInvite(courier)}
                      onDevices={() => setDevicesOf(devicesOf?.id === courier.id ? null : courier)}
                      onToggle={() => askToggle(courier)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {directory?.next && (
            <div class="pager">
              <button type="button" class="button" aria-busy={more.busy} disabled={more.busy} onClick={() => void loadMore()}>
                {more.busy ? 'Loading…' : 'Show more couriers'}
              </button>
            </div>
          )}
        </Section>
        <div class="couriers-side">
          {devicesOf && (
            <Section title={`Devices of ${devicesOf.name}`} class="devices-panel">
              <CourierDevices api={api} courier={couriers.find((courier) => courier.id === devicesOf.id) ?? devicesOf} onDone={() => setDevicesOf(null)} />
            </Section>
          )}
          {invite && (
            <Section title={`Invite ${invite.courier.name}`}>
              <CourierInvite courier={invite.courier} invite={invite.invite} onDone={() => setInvite(null)} />
            </Section>
          )}
          <Section title="Add a courier">
            <CourierCreate
              api={api}
              onCreated={() => {
                if (filter === 'inactive') setFilter('all');
                reload();
              }}
            />
          </Section>
        </div>
      </div>
      <dialog ref={dialog} class="confirm" data-testid="courier-active-dialog" aria-labelledby="courier-active-title" onClose={() => setConfirming(null)}>
        {confirming && (
          <>
            <h2 id="courier-active-title">{confirming.active ? `Deactivate ${confirming.name}?` : `Reactivate ${confirming.name}?`}</h2>
            <p>
              {confirming.active
                ? 'Their courier app is signed out at once and every sign-in of theirs is refused; no order can be assigned to them. Orders they hold stay theirs until reassigned.'
                : 'They can be assigned orders again. Sign-ins from before the deactivation stay refused: send them a new invite.'}
            </p>
            <div class="form-actions">
              <button type="button" class="button" data-testid="courier-active-cancel" onClick={() => dialog.current?.close()}>
                Cancel
              </button>
              <button type="button" class={confirming.active ? 'button danger' : 'button primary'} data-testid="courier-active-confirm" onClick={() => void toggle()}>
                {confirming.active ? 'Deactivate' : 'Reactivate'}
              </button>
            </div>
          </>
        )}
      </dialog>
    </div>
  );
}

interface CourierRowProps {
  courier: Courier;
  cash: PaymentReport['cash'];
  /** The change under way, if any (`invite:<id>`, `active:<id>`). */
  running: string | null;
  /** Whether this courier's devices are shown beside the list. */
  devicesShown: boolean;
  onInvite: () => void;
  onDevices: () => void;
  onToggle: () => void;
}

function CourierRow({ courier, cash, running, devicesShown, onInvite, onDevices, onToggle }: CourierRowProps) {
  const held = cash.filter((row) => row.collected > 0);
  const due = cash.filter((row) => row.due > 0);
  return (
    <tr data-testid="courier-row" data-courier-id={courier.id} data-active={String(courier.active)} class={courier.active ? undefined : 'inactive'}>
      <td>
        <span class="cell-main">{courier.name}</span>
        <span class="sub">
          <span class="mono">{courier.id}</span>
          {courier.phone && (
            <>
              {' · '}
              <a href={`tel:${courier.phone}`} class="mono" data-testid="courier-phone">
                {courier.phone}
              </a>
            </>
          )}
        </span>
      </td>
      <td>{courier.vehicle ?? <span class="muted">—</span>}</td>
      <td class="num">{courier.active_orders}</td>
      <td data-testid="courier-last-seen" data-at={courier.last_seen_at ?? ''} title={courier.last_seen_at ? formatDateTime(courier.last_seen_at) : undefined}>
        {courier.last_seen_at ? formatAgo(courier.last_seen_at) : 'Never'}
      </td>
      <td class="num" data-testid="courier-cash">
        {held.length === 0 && due.length === 0 && <span class="muted">—</span>}
        {held.map((row) => (
          <span key={`held-${row.currency}`} class="cash-line" title="Cash on delivery collected in the last 24 hours">
            <strong>{formatMoney({ value: row.collected, currency: row.currency })}</strong> held
          </span>
        ))}
        {due.map((row) => (
          <span key={`due-${row.currency}`} class="cash-line muted" title="Cash on delivery still to collect on orders assigned to this courier">
            {formatMoney({ value: row.due, currency: row.currency })} to collect
          </span>
        ))}
      </td>
      <td>
        <span class={`state-pill ${courier.active ? 'state-active' : 'state-inactive'}`}>{courier.active ? 'Active' : 'Inactive'}</span>
      </td>
      <td class="row-actions">
        <button
          type="button"
          class="button"
          data-testid="courier-invite"
          disabled={!courier.active || running !== null}
          aria-busy={running === `invite:${courier.id}`}
          title={courier.active ? 'A one-time sign-in link for the courier app' : 'Reactivate the courier to invite them'}
          onClick={onInvite}
        >
          Invite
        </button>
        <button
          type="button"
          class="button"
          data-testid="courier-devices-open"
          aria-pressed={devicesShown}
          title="The apps and trackers whose positions are this courier's"
          onClick={onDevices}
        >
          Devices
        </button>
        <button type="button" class="button subtle" data-testid="courier-toggle-active" disabled={running !== null} aria-busy={running === `active:${courier.id}`} onClick={onToggle}>
          {courier.active ? 'Deactivate' : 'Reactivate'}
        </button>
      </td>
    </tr>
  );
}
