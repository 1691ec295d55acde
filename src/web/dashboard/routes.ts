import { useHashRoute } from '../shared/hash-route';

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
  return useHashRoute(parseRoute);
}
