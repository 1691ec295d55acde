import { useHashRoute } from '../shared/hash-route';
import { parseRoute, routeHref, type Route } from './routes';

/** The current route, following the fragment. */
export function useRoute(): Route {
  return useHashRoute(parseRoute);
}

export function go(route: Route): void {
  window.location.hash = routeHref(route);
}
