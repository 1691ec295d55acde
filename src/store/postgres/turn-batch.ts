import { TurnQueue } from '../turn-queue';

interface Call<K, V> {
  key: K;
  resolve: (value: V) => void;
  reject: (error: unknown) => void;
}

/**
 * Calls of one turn of the event loop answered by one statement: actors load orders, and the alert queue, the
 * webhook relay and the loyalty service read settings and endpoints and clear outbox rows, one change at a time,
 * while many changes land in the same turn. Every call made in a turn waits for a statement issued after it (at
 * `setImmediate`), so an answer is never older than its call; a statement that fails fails each of its calls.
 */
export class TurnBatch<K, V> {
  private readonly pending = new TurnQueue<Call<K, V>>((calls) => {
    for (let start = 0; start < calls.length; start += this.maxKeys) void this.answer(calls.slice(start, start + this.maxKeys));
  });

  /**
   * @param run answers the distinct keys of one turn, in their order (one value per key).
   * @param identity what makes two keys the same call (one row read for both; each caller gets its own copy, so
   * what one does with its answer never shows in another's).
   */
  constructor(
    private readonly run: (keys: K[]) => Promise<V[]>,
    private readonly identity: (key: K) => string,
    private readonly maxKeys = 500,
  ) {}

  load(key: K): Promise<V> {
    return new Promise((resolve, reject) => this.pending.push({ key, resolve, reject }));
  }

  private async answer(calls: Array<Call<K, V>>): Promise<void> {
    const index = new Map<string, number>();
    const keys: K[] = [];
    for (const call of calls) {
      const id = this.identity(call.key);
      if (!index.has(id)) {
        index.set(id, keys.length);
        keys.push(call.key);
      }
    }
    try {
      const values = await this.run(keys);
      const handed = new Set<number>();
      for (const call of calls) {
        const at = index.get(this.identity(call.key))!;
        const value = values[at] as V;
        call.resolve(handed.has(at) && value !== null && typeof value === 'object' ? structuredClone(value) : value);
        handed.add(at);
      }
    } catch (error) {
      for (const call of calls) call.reject(error);
    }
  }
}
