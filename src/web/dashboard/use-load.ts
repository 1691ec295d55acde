import { useEffect, useState } from 'preact/hooks';

/** The latest answer of a load, the failure of the latest run (if it failed), and whether a run is under way. */
export interface Loaded<T> {
  /** The last answer; kept while a newer run is under way, so a view refreshes instead of blanking. */
  value: T | null;
  failure: unknown;
  loading: boolean;
}

/**
 * Runs `load` whenever `deps` change (not at all while it is null) and keeps its answer. An answer to an older run
 * that comes after a newer run started is dropped, so a slow answer never overwrites a newer view.
 */
export function useLoad<T>(load: (() => Promise<T>) | null, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ value: null, failure: null, loading: load !== null });
  useEffect(() => {
    if (!load) return undefined;
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (value) => {
        if (current) setState({ value, failure: null, loading: false });
      },
      (failure: unknown) => {
        if (current) setState((previous) => ({ value: previous.value, failure, loading: false }));
      },
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}
