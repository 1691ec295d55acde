/**
 * Reference for the `scale` read paths: the same store calls the HTTP routes make, called directly in process in a
 * bare sequential loop (no HTTP, no auth, no validation, no JSON), so the HTTP figure can be set against it.
 */
import type { OrderQuery } from '../../src/store/search/port';
import type { Store } from '../../src/store/store';
import { Recorder } from '../lib/stats';

export interface StoreLoopWorkload {
  name: string;
  /** Searches to run (`GET /v1/orders` equivalents) or order ids to read with their history. */
  searches?: OrderQuery[];
  orderIds?: string[];
}

/** Runs each workload against the store `open` gives (initialised here, closed after); a recorder per workload. */
export async function storeLoop(
  open: () => Store,
  tenantId: string,
  workloads: StoreLoopWorkload[],
  warmup: number,
): Promise<Map<string, Recorder>> {
  const store = open();
  await store.lifecycle.init();
  const results = new Map<string, Recorder>();
  try {
    for (const workload of workloads) {
      const run = workload.searches
        ? workload.searches.map((query) => () => store.search.searchOrders(tenantId, query))
        : (workload.orderIds ?? []).map((id) => async () => {
            // What GET /v1/orders/:id reads: the order, scoped to the tenant, then its history.
            await store.orders.getOrder(tenantId, id);
            await store.orders.history(id);
          });
      for (const call of run.slice(0, warmup)) await call();
      const recorder = new Recorder();
      for (const call of run) {
        const started = performance.now();
        await call();
        recorder.record(performance.now() - started);
      }
      results.set(workload.name, recorder);
    }
  } finally {
    await store.lifecycle.close();
  }
  return results;
}
