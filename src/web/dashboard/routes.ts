import { useEffect, useState } from 'preact/hooks';

/** The dashboard's views, addressed by the URL's fragment (`#/orders/ord_…`): no token ever goes in a URL. */
export type Route =
  | { view: 'orders' }
  | { view: 'exceptions' }
  | { view: 'fleet' }
  | { view: 'reports' }
  | { view: 'couriers' }
  | { view: 'transactions' }
  | { view: 'settings' }
  | { view: 'order'; id: string };

/** The route a fragment names; anything unknown is the order board. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [first, second] = parts;
  if (first === 'orders' && second) return { view: 'order', id: decodeURIComponent(second) };
  if (first === 'exceptions' || first === 'fleet' || first === 'reports' || first === 'couriers' || first === 'transactions' || first === 'settings') return { view: first };
  return { view: 'orders' };
}

/** The fragment of a route, for links. */
export function href(route: Route): string {
  return route.view === 'order' ? `#/orders/${encodeURIComponent(route.id)}` : `#/${route.view}`;
}

/** The current route; follows the browser's back and forward buttons. */
export function useRoute(): Route {
  const [shown, setShown] = useState(() => ({ hash: location.hash, route: parseRoute(location.hash) }));
  useEffect(() => {
    const follow = (): void => {
      const hash = location.hash;
      setShown((current) => (current.hash === hash ? current : { hash, route: parseRoute(hash) }));
    };
    window.addEventListener('hashchange', follow);
    // A change made before the listener was there (a tab clicked as soon as it showed) is followed as well.
    follow();
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return shown.route;
}
