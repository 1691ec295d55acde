// setTimeout takes at most a signed 32-bit delay; a longer wait is re-armed when it fires.
const MAX_TIMER_MS = 2 ** 31 - 1;
const SECOND = 1000;

/**
 * When things run out, kept by the second they fall in, with one timer for all of them rather than one per item:
 * a node holding tens of thousands of sockets keeps one timer for their tokens' expiries, not tens of thousands.
 * An item expires at the end of its second (tokens' expiries are whole seconds, so exactly then), never before.
 */
export class ExpirySchedule<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private timer: NodeJS.Timeout | null = null;
  /** The bucket the timer is armed for. */
  private armedFor = Infinity;

  constructor(
    private readonly onExpired: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Calls `onExpired(item)` once `expiresAt` (epoch ms) has passed, unless the item is removed first. */
  add(item: T, expiresAt: number): void {
    const bucket = Math.ceil(expiresAt / SECOND) * SECOND;
    let items = this.buckets.get(bucket);
    if (!items) {
      items = new Set();
      this.buckets.set(bucket, items);
    }
    items.add(item);
    if (bucket < this.armedFor) this.arm(bucket);
  }

  remove(item: T, expiresAt: number): void {
    const bucket = Math.ceil(expiresAt / SECOND) * SECOND;
    const items = this.buckets.get(bucket);
    if (!items?.delete(item)) return;
    // An emptied bucket goes; the timer, if armed for it, finds nothing due and re-arms for the next.
    if (items.size === 0) this.buckets.delete(bucket);
  }

  /** Items waiting (for metrics and tests). */
  get size(): number {
    let size = 0;
    for (const items of this.buckets.values()) size += items.size;
    return size;
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Infinity;
    this.buckets.clear();
  }

  private arm(bucket: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = bucket;
    this.timer = setTimeout(() => this.fire(), Math.min(Math.max(0, bucket - this.now()), MAX_TIMER_MS));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = this.now();
    let next = Infinity;
    const due: T[] = [];
    for (const [bucket, items] of this.buckets) {
      if (bucket <= now) {
        this.buckets.delete(bucket);
        for (const item of items) due.push(item);
      } else if (bucket < next) {
        next = bucket;
      }
    }
    if (next !== Infinity) this.arm(next);
    for (const item of due) this.onExpired(item);
  }
}
