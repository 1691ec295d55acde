/** The portal's views, addressed by the URL fragment (the phone's back button goes back a view). */
export type Route =
  | { view: 'orders' }
  | { view: 'order'; orderId: string }
  | { view: 'points' }
  | { view: 'book' }
  | { view: 'preferences' };

export type Tab = 'orders' | 'points' | 'book' | 'preferences';

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '');
  const order = /^orders\/(.+)$/.exec(path);
  if (order) return { view: 'order', orderId: decodeURIComponent(order[1]!) };
  if (path === 'points' || path === 'book' || path === 'preferences') return { view: path };
  return { view: 'orders' };
}

export function routeHref(route: Route): string {
  return route.view === 'order' ? `#/orders/${encodeURIComponent(route.orderId)}` : `#/${route.view}`;
}

/** The tab a view belongs to. */
export function tabOf(route: Route): Tab {
  return route.view === 'order' ? 'orders' : route.view;
}
