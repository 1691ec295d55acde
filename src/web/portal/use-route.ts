import { useEffect, useState } from 'preact/hooks';
import { parseRoute, routeHref, type Route } from './routes';

/** The current route, following the fragment. */
export function useRoute(): Route {
  const [shown, setShown] = useState(() => ({ hash: window.location.hash, route: parseRoute(window.location.hash) }));
  useEffect(() => {
    const follow = (): void => {
      const hash = window.location.hash;
      setShown((current) => (current.hash === hash ? current : { hash, route: parseRoute(hash) }));
    };
    window.addEventListener('hashchange', follow);
    // A change made before the listener was there (a link followed as soon as it showed) is followed as well.
    follow();
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return shown.route;
}

export function go(route: Route): void {
  window.location.hash = routeHref(route);
}
