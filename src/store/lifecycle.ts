/** Opening, probing and closing a store. */
export interface StoreLifecycle {
  /** Runs schema migrations; safe when several processes start at once. */
  init(): Promise<void>;
  /** Resolves when the store answers; used by `/readyz`. */
  ping(): Promise<void>;
  /** Flushes pending writes, then releases the store. */
  close(): Promise<void>;
}
