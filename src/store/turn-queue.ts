/**
 * Items queued during one turn of the event loop, handed over together at `setImmediate`: the way the store
 * adapters turn many calls into one statement or one message (`TurnBatch`, the store thread's requests and
 * replies).
 */
export class TurnQueue<T> {
  private items: T[] = [];

  constructor(private readonly flush: (items: T[]) => void) {}

  push(item: T): void {
    if (this.items.push(item) === 1) setImmediate(this.handOver);
  }

  /** Drops what is queued and not handed over yet. */
  clear(): void {
    this.items = [];
  }

  private readonly handOver = (): void => {
    const items = this.items;
    this.items = [];
    if (items.length > 0) this.flush(items);
  };
}
