import { useEffect, useState } from 'preact/hooks';
import { parseRoute, routeHref, type Route } from './routes';

/** The current route, following the fragment. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}

export function go(route: Route): void {
  window.location.hash = routeHref(route);
}
