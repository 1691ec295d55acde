import { useEffect, useState } from 'preact/hooks';
import { useObservable } from '../courier/observable';
import type { Language } from '../shared/i18n';
import type { PageSettings } from '../shared/settings';
import { BookView } from './book-view';
import type { Brand } from './branding';
import type { MessageKey } from './i18n/en';
import { PortalLive } from './live';
import { MyOrders } from './my-orders';
import { OrderPage } from './order-page';
import { OrdersView } from './orders-view';
import { Icon, LiveBadge } from './parts';
import { Points } from './points';
import { PointsView } from './points-view';
import { PortalApi } from './portal-api';
import { PreferencesView } from './preferences-view';
import { tabOf, type Tab } from './routes';
import { go, useRoute } from './use-route';
import type { PortalSession } from './session';
import { useText } from './text';
import type { CustomerView, PortalOrder } from './wire';

interface WorkspaceProps {
  slug: string;
  session: PortalSession;
  settings: PageSettings;
  brand: Brand;
  onEnd: (why: MessageKey | null) => void;
  onLanguage: (language: Language) => void;
  onCustomerLocale: (locale: string | null) => void;
}

/** What the signed-in portal is made of: built once per session, closed with it. */
interface Parts {
  api: PortalApi;
  live: PortalLive;
  orders: MyOrders;
  points: Points;
}

const TABS: readonly Tab[] = ['orders', 'points', 'book', 'preferences'];
// Timers cannot wait longer than about 24.8 days (2³¹ ms); a token living longer is caught by its 401.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The signed-in portal: the shop's bar, the view the fragment names, and the tabs at the bottom (thumb's reach). */
export function Workspace({ slug, session, settings, brand, onEnd, onLanguage, onCustomerLocale }: WorkspaceProps) {
  const { t } = useText();
  const route = useRoute();
  const [parts] = useState<Parts>(() => {
    // A 401 on any call, or a socket refused: the token expired or was revoked.
    const api = new PortalApi(session.token, () => onEnd('session_ended'));
    const live = new PortalLive(session.token, () => onEnd('session_ended'));
    return { api, live, orders: new MyOrders(api, live), points: new Points(api, live, session.customerId) };
  });
  const [me, setMe] = useState<CustomerView | null>(null);
  const [booked, setBooked] = useState<string | null>(null);
  useObservable(parts.live);

  useEffect(() => {
    const { api, live, orders, points } = parts;
    void orders.load();
    void points.load();
    api.get<CustomerView>('/v1/customers/me').then(
      (read) => {
        setMe(read);
        onCustomerLocale(read.locale);
      },
      () => {
        // The name and locale are niceties: the portal works without them.
      },
    );
    // Back online, or back in front: the business may have placed or moved orders meanwhile.
    const wake = (): void => {
      if (document.visibilityState !== 'visible') return;
      void orders.load();
      void points.load();
    };
    window.addEventListener('online', wake);
    window.addEventListener('focus', wake);
    document.addEventListener('visibilitychange', wake);
    return () => {
      window.removeEventListener('online', wake);
      window.removeEventListener('focus', wake);
      document.removeEventListener('visibilitychange', wake);
      orders.close();
      points.close();
      live.close();
    };
  }, [parts]);

  // The session ends when its token does.
  useEffect(() => {
    if (session.expiresAt === null) return undefined;
    const left = session.expiresAt - Date.now();
    if (left > MAX_TIMER_MS) return undefined;
    const timer = setTimeout(() => onEnd('session_expired'), Math.max(0, left));
    return () => clearTimeout(timer);
  }, [session, onEnd]);

  // Each view starts at its top.
  useEffect(() => window.scrollTo(0, 0), [route.view]);

  const placed = (order: PortalOrder): void => {
    parts.orders.add(order);
    setBooked(order.id);
    go({ view: 'orders' });
  };

  const current = tabOf(route);
  return (
    <div class="portal">
      <header class="topbar">
        {brand.logo ? <img class="brand-logo" src={brand.logo} alt="" /> : <span class="brand-mark" aria-hidden="true" />}
        <span class="shop" dir="auto">
          {brand.name ?? t('app_title')}
        </span>
        <LiveBadge state={parts.live.state} />
      </header>
      <main class="content" id="content">
        {route.view === 'orders' && <OrdersView orders={parts.orders} booked={booked} onDismissBooked={() => setBooked(null)} />}
        {route.view === 'order' && <OrderPage key={route.orderId} api={parts.api} live={parts.live} orderId={route.orderId} settings={settings} />}
        {route.view === 'points' && <PointsView points={parts.points} />}
        {route.view === 'book' && <BookView api={parts.api} customerId={session.customerId} me={me} near={parts.orders.latestDestination()} settings={settings} onPlaced={placed} />}
        {route.view === 'preferences' && (
          <PreferencesView
            api={parts.api}
            slug={slug}
            session={session}
            me={me}
            onMe={setMe}
            onLanguage={onLanguage}
            onSignOut={() => onEnd(null)}
          />
        )}
      </main>
      <nav class="tabs" aria-label={t('nav_label')}>
        {TABS.map((tab) => (
          <a key={tab} href={`#/${tab}`} class="tab" data-testid={`portal-tab-${tab}`} aria-current={current === tab ? 'page' : undefined}>
            <Icon name={tab} />
            <span class="tab-label">{t(`tab_${tab}`)}</span>
          </a>
        ))}
      </nav>
    </div>
  );
}
