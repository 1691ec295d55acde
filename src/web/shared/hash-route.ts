import { useEffect, useMemo, useState } from 'preact/hooks';

/**
 * The page's view as `parse` reads it from the address's fragment, following the fragment's changes (a link followed,
 * the back and forward buttons). The fragment is read once more when the page starts listening, so a change made
 * before the listener was there (a tab clicked as soon as it showed) is followed as well.
 */
export function useHashRoute<R>(parse: (hash: string) => R): R {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const follow = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', follow);
    follow();
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return useMemo(() => parse(hash), [parse, hash]);
}
