import type { Store } from '../../src/store/store';

/** The privacy methods that erase a batch of orders. */
const ERASING = new Set(['eraseExpiredOrders', 'eraseCustomerOrders']);

/**
 * The store as a process that stops right after a batch of orders is erased: once `privacy.eraseExpiredOrders` or
 * `privacy.eraseCustomerOrders` has erased an order (its write is durable), every later call through this store fails,
 * as nothing a crashed process would have done next happens. For what a crash between two writes leaves behind.
 */
export function stoppingAfterErasure(store: Store): Store {
  let stopped = false;
  const repository = (target: object): object =>
    new Proxy(target, {
      get(repo, method, receiver) {
        const value: unknown = Reflect.get(repo, method, receiver);
        if (typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          if (stopped) throw new Error(`the process stopped after erasing orders (before ${String(method)})`);
          const result: unknown = await value.apply(repo, args);
          if (ERASING.has(String(method)) && Array.isArray(result) && result.length > 0) stopped = true;
          return result;
        };
      },
    });
  return new Proxy(store, { get: (target, name, receiver) => repository(Reflect.get(target, name, receiver) as object) }) as Store;
}
