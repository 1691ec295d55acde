import { useState } from 'preact/hooks';
import type { Language } from '../shared/i18n';
import type { PageSettings } from '../shared/settings';
import { expectedStatus } from './actions';
import type { DeviceStore, QueuedAction } from './device-store';
import type { MessageKey } from './i18n/en';
import { LanguagePicker } from './language-picker';
import { useObservable } from './observable';
import { OrderList } from './order-list';
import { OrderSheet, type Selection } from './order-sheet';
import { hasPlaces, OrdersMap } from './orders-map';
import type { Outbox } from './outbox';
import { Results } from './results';
import { ScanBar } from './scan-bar';
import { useShop } from './shop';
import type { CourierSession } from './session';
import type { Shift } from './shift';
import { useText } from './text';
import type { TodayOrders } from './today-orders';

/** What the signed-in app is made of; built once per session (see App). */
export interface Parts {
  store: DeviceStore;
  orders: TodayOrders;
  outbox: Outbox;
  shift: Shift;
}

interface ScreenProps {
  parts: Parts;
  session: CourierSession;
  settings: PageSettings;
  onSignOut: () => void;
  onLanguage: (language: Language) => void;
}

/**
 * The courier's day on one phone screen: the top bar (shift, what waits to send), the latest results, the map and
 * list of today's orders, and at the bottom (where a thumb reaches) the scanner; a chosen order opens over it.
 */
export function Screen({ parts, session, settings, onSignOut, onLanguage }: ScreenProps) {
  const { t, formats } = useText();
  const { orders, outbox, shift } = parts;
  useObservable(orders);
  useObservable(outbox);
  useObservable(shift);
  const shop = useShop(session.token);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [message, setMessage] = useState<{ key: MessageKey; tone: 'info' | 'warning' } | null>(null);

  const choose = async (code: string): Promise<void> => {
    setMessage(null);
    const found = await orders.lookUp(code);
    if ('order' in found) setSelection({ order: found.order });
    else setSelection({ code: code.trim(), missing: found.missing });
  };

  // The chosen order as the list now has it (the list is read again after each send).
  const chosen = selection && 'order' in selection ? { order: orders.items.find((order) => order.id === selection.order.id) ?? selection.order } : selection;

  const queue = async (action: QueuedAction): Promise<void> => {
    await outbox.add(action);
    setSelection(null);
    setMessage({ key: navigator.onLine ? 'queued_sending' : 'queued_offline', tone: 'info' });
  };

  const signOut = async (): Promise<void> => {
    if (outbox.waiting.length > 0 && !window.confirm(t('signout_confirm_waiting', { count: outbox.waiting.length }))) return;
    if (shift.on) shift.toggle();
    await parts.store.forgetShown();
    onSignOut();
  };

  const here = shift.on ? shift.here : null;
  const waitingFor = (orderId: string): number => outbox.waiting.filter((action) => action.order_id === orderId && !action.scan_sent).length;

  return (
    <div class="screen">
      <header class="topbar">
        {shop?.logo_url ? (
          <img class="shop-logo" src={shop.logo_url} alt={shop.display_name} title={shop.display_name} data-testid="shop-logo" />
        ) : (
          <span class="brand-mark small" aria-hidden="true" title={shop?.display_name} />
        )}
        <span class="who">
          <span class="who-name" dir="auto">
            {session.name}
          </span>
          <span
            class={`outbox${outbox.waiting.length > 0 ? ' waiting' : ''}`}
            data-testid="outbox-count"
            data-count={String(outbox.waiting.length)}
            role="status"
            aria-live="polite"
          >
            {outbox.waiting.length > 0
              ? t(outbox.sending ? 'outbox_sending' : 'outbox_waiting', { count: formats.formatNumber(outbox.waiting.length) })
              : t('outbox_empty')}
          </span>
        </span>
        <button
          type="button"
          class={`shift-toggle${shift.on ? ' on' : ''}`}
          data-testid="shift-toggle"
          data-on={String(shift.on)}
          aria-pressed={shift.on}
          onClick={() => shift.toggle()}
        >
          <span class="switch" aria-hidden="true" />
          {shift.on ? t('shift_on') : t('shift_off')}
        </button>
      </header>

      <main class="content" id="content">
        {message && (
          <p class={`notice ${message.tone}`} role="status">
            {t(message.key)}
          </p>
        )}
        {shift.on && shift.trouble && (
          <p class="notice warning" role="alert">
            {t(`location_${shift.trouble}`)}
          </p>
        )}
        {orders.stale && (
          <p class="notice warning" role="status" data-testid="orders-stale">
            {orders.readAt === null ? t('orders_unreachable') : t('orders_stale', { time: formats.formatTime(new Date(orders.readAt).toISOString()) })}
          </p>
        )}
        <Results results={outbox.results} />
        <h1 class="section-title">
          {t('orders_title')} <span class="count">{formats.formatNumber(orders.items.length)}</span>
        </h1>
        {hasPlaces(orders.items, here) && <OrdersMap orders={orders.items} here={here} settings={settings} onSelect={(order) => setSelection({ order })} />}
        <OrderList
          orders={orders.items}
          loaded={orders.readAt !== null || orders.stale}
          waitingFor={waitingFor}
          onSelect={(order) => {
            setMessage(null);
            setSelection({ order });
          }}
        />
        {/* Rarely needed, so out of the way: at the end of the page. */}
        <footer class="settings">
          <LanguagePicker onLanguage={onLanguage} />
          <button type="button" class="button subtle" data-testid="sign-out" onClick={() => void signOut()}>
            {t('signout')}
          </button>
        </footer>
      </main>

      <ScanBar onCode={(code) => void choose(code)} onTrouble={(key) => setMessage({ key, tone: 'warning' })} />

      {chosen && (
        <OrderSheet
          key={'order' in chosen ? chosen.order.id : chosen.code}
          selection={chosen}
          expected={'order' in chosen ? expectedStatus(chosen.order.status, outbox.waiting, chosen.order.id) : null}
          courierId={session.courierId}
          place={() => shift.recentPlace()}
          onQueue={queue}
          onClose={() => setSelection(null)}
        />
      )}
    </div>
  );
}
