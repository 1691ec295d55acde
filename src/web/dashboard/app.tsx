import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { PageSettings } from '../shared/settings';
import { Board } from './board';
import { NO_FILTERS, type BoardFilters } from './board-filters';
import { Couriers } from './couriers';
import { Settings } from './settings';
import { Transactions } from './transactions';
import { DashboardApi } from './dashboard-api';
import { Exceptions } from './exceptions';
import { ExceptionsModel } from './exceptions-model';
import { Fleet } from './fleet';
import { FleetModel } from './fleet-model';
import { formatShort } from './format';
import { LiveFeed, type LiveState } from './live-feed';
import { useModel } from './model';
import { OrderView } from './order-view';
import { Loading } from './parts';
import { Reports } from './reports';
import { href, useRoute, type Route } from './routes';
import { forgetToken, keepToken, signIn, storedToken, type Session } from './session';
import { SignIn } from './signin';

/** The dashboard: sign-in until a token is accepted, then the workspace. */
export function App({ settings }: { settings: PageSettings }) {
  const [session, setSession] = useState<Session | null>(null);
  const [restoring, setRestoring] = useState(() => storedToken() !== null);
  const [notice, setNotice] = useState<string | null>(null);

  // A reload of the tab signs in again with the token it kept, checked like a new one.
  useEffect(() => {
    const kept = storedToken();
    if (!kept) return;
    signIn(kept).then(
      (restored) => {
        setSession(restored);
        setRestoring(false);
      },
      () => {
        forgetToken();
        setNotice('Your previous session has ended. Sign in again.');
        setRestoring(false);
      },
    );
  }, []);

  const signOut = useCallback((why: string | null) => {
    forgetToken();
    setNotice(why);
    setSession(null);
  }, []);

  if (restoring) {
    return (
      <main class="splash">
        <Loading what="the dashboard" />
      </main>
    );
  }
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(signedIn) => {
          keepToken(signedIn.token);
          setNotice(null);
          setSession(signedIn);
        }}
      />
    );
  }
  return <Workspace key={session.token} session={session} settings={settings} onSignOut={signOut} />;
}

interface WorkspaceProps {
  session: Session;
  settings: PageSettings;
  onSignOut: (why: string | null) => void;
}

/** Everything after sign-in. The live feed, fleet and exceptions live as long as the session. */
function Workspace({ session, settings, onSignOut }: WorkspaceProps) {
  const route = useRoute();
  const [filters, setFilters] = useState<BoardFilters>(NO_FILTERS);
  const parts = useMemo(() => {
    const api = new DashboardApi(session.token, () => onSignOut('Your session has ended (the token expired or was revoked). Sign in again.'));
    const feed = new LiveFeed(session.token);
    return {
      api,
      feed,
      fleet: new FleetModel(api, feed),
      exceptions: new ExceptionsModel({ api, feed, staleAfterHours: settings.staleAfterHours }),
    };
  }, [session, settings]);

  useEffect(() => {
    parts.feed.start();
    void parts.fleet.refresh();
    void parts.exceptions.refresh();
    return () => {
      parts.fleet.close();
      parts.exceptions.close();
      parts.feed.close();
    };
  }, [parts]);

  // A staff token ends when it expires: sign out then rather than fail on the next click.
  useEffect(() => {
    const left = session.expiresAt === null ? null : Math.max(0, session.expiresAt - Date.now());
    // Timers cannot wait longer than about 24.8 days (2³¹ ms); a token living longer is caught by its 401.
    if (left === null || left > MAX_TIMER_MS) return undefined;
    const timer = setTimeout(() => onSignOut('Your staff token has expired. Sign in again.'), left);
    return () => clearTimeout(timer);
  }, [session, onSignOut]);

  useEffect(() => {
    document.title = `${TITLES[route.view]} · Dashboard`;
  }, [route.view]);

  return (
    <div class="shell">
      <Header route={route} session={session} parts={parts} onSignOut={() => onSignOut(null)} />
      <main class="content" id="content">
        {route.view === 'orders' && <Board api={parts.api} feed={parts.feed} filters={filters} onFilters={setFilters} />}
        {route.view === 'exceptions' && <Exceptions model={parts.exceptions} feed={parts.feed} staleAfterHours={settings.staleAfterHours} />}
        {route.view === 'fleet' && <Fleet model={parts.fleet} settings={settings} />}
        {route.view === 'reports' && <Reports api={parts.api} filters={filters} />}
        {route.view === 'couriers' && <Couriers api={parts.api} feed={parts.feed} />}
        {route.view === 'transactions' && <Transactions api={parts.api} />}
        {route.view === 'settings' && <Settings api={parts.api} role={session.role} />}
        {route.view === 'order' && (
          <OrderView
            key={route.id}
            id={route.id}
            api={parts.api}
            feed={parts.feed}
            role={session.role}
            settings={settings}
            knownCouriers={parts.fleet.all.map((courier) => courier.id)}
          />
        )}
      </main>
    </div>
  );
}

const MAX_TIMER_MS = 2 ** 31 - 1;

const TITLES: Record<Route['view'], string> = {
  orders: 'Orders',
  exceptions: 'Exceptions',
  fleet: 'Fleet',
  reports: 'Reports',
  couriers: 'Couriers',
  transactions: 'Transactions',
  settings: 'Settings',
  order: 'Order',
};

interface HeaderProps {
  route: Route;
  session: Session;
  parts: { feed: LiveFeed; fleet: FleetModel; exceptions: ExceptionsModel };
  onSignOut: () => void;
}

function Header({ route, session, parts, onSignOut }: HeaderProps) {
  useModel(parts.exceptions);
  useModel(parts.fleet);
  const tabs: Array<{ view: Exclude<Route['view'], 'order'>; label: string; count?: number; alert?: boolean }> = [
    { view: 'orders', label: 'Orders' },
    { view: 'exceptions', label: 'Exceptions', count: parts.exceptions.loaded ? parts.exceptions.count : undefined, alert: parts.exceptions.count > 0 },
    { view: 'fleet', label: 'Fleet', count: parts.fleet.loaded ? parts.fleet.couriers.size : undefined },
    { view: 'reports', label: 'Reports' },
    { view: 'couriers', label: 'Couriers' },
    { view: 'transactions', label: 'Transactions' },
    { view: 'settings', label: 'Settings' },
  ];
  const active = route.view === 'order' ? 'orders' : route.view;
  return (
    <header class="topbar">
      <a class="brand" href={href({ view: 'orders' })}>
        <span class="brand-mark" aria-hidden="true" />
        <span>Order tracking</span>
      </a>
      <nav class="tabs" aria-label="Views">
        {tabs.map((tab) => (
          <a key={tab.view} href={href({ view: tab.view })} class={tab.view === active ? 'tab active' : 'tab'} aria-current={tab.view === active ? 'page' : undefined} data-testid={`tab-${tab.view}`}>
            {tab.label}
            {tab.count !== undefined && <span class={`count tab-count${tab.alert ? ' alert' : ''}`}>{tab.count}</span>}
          </a>
        ))}
      </nav>
      <div class="topbar-end">
        <LiveIndicator feed={parts.feed} />
        <span class="identity" title={session.expiresAt ? `Token valid until ${formatShort(new Date(session.expiresAt).toISOString())}` : undefined}>
          {session.role === 'staff' ? `Staff · ${session.subject ?? ''}` : 'Tenant API key'}
        </span>
        <button type="button" class="button subtle" data-testid="sign-out" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

const LIVE_WORDS: Record<LiveState, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

function LiveIndicator({ feed }: { feed: LiveFeed }) {
  const [state, setState] = useState<LiveState>(feed.state);
  useEffect(() => {
    setState(feed.state);
    return feed.on('state', setState);
  }, [feed]);
  return (
    <span class={`live live-${state}`} data-testid="live-state" data-state={state} role="status" aria-live="polite">
      <span class="live-dot" aria-hidden="true" />
      {LIVE_WORDS[state]}
    </span>
  );
}
