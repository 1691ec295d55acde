import type { Order, OrderEvent } from '../domain/order';
import { toStatusUpdate, type OrderStatusUpdate } from './events';

/** What a stream needs from its node. */
export interface StreamHost {
  loadOrder(orderId: string): Promise<Order | null>;
  /** Applied events with `seq > afterSeq`, in seq order. */
  loadEvents(orderId: string, afterSeq: number, limit: number): Promise<OrderEvent[]>;
  /** Sends an update to this node's sockets in the order's room. */
  emit(update: OrderStatusUpdate): void;
  onError(error: unknown): void;
}

// Gap fills and catch-ups read the store in pages of this many events.
const PAGE = 500;

/**
 * One order's live events on one node, delivered to the order's room strictly in seq order, each once.
 * Updates arrive from Redis (published by whichever node applied them) and from this node's own actors,
 * possibly out of order or twice; a gap is filled from the store before anything after it is delivered.
 * Every delivery and every new subscriber's catch-up run one at a time, so a subscriber joins the room at an
 * exact seq: it gets everything up to it in its acknowledgement and everything after it live.
 */
export class OrderStream {
  /** Highest seq delivered to the room; -1 until the first subscriber initialises the stream. */
  private lastSeq = -1;
  private readonly pending = new Map<number, OrderStatusUpdate>();
  private chain: Promise<void> = Promise.resolve();
  /** Sockets subscribed or subscribing here. */
  members = 0;

  constructor(
    readonly orderId: string,
    private readonly host: StreamHost,
  ) {}

  /** Offers an update from any source; duplicates and old ones are dropped. */
  offer(update: OrderStatusUpdate): void {
    void this.enqueue(async () => {
      if (this.lastSeq < 0 || update.seq <= this.lastSeq) return;
      this.pending.set(update.seq, update);
      if (update.seq > this.lastSeq + 1) await this.fill();
      this.drainPending();
    }).catch((error: unknown) => this.host.onError(error));
  }

  /** Re-reads the store, delivering whatever was missed (after Redis comes back). */
  resync(): void {
    void this.enqueue(async () => {
      if (this.lastSeq >= 0) await this.fill();
      this.drainPending();
    }).catch((error: unknown) => this.host.onError(error));
  }

  /**
   * Brings a new subscriber in at an exact point: `ready` is called synchronously with the order as of the
   * room's current seq and the events after `sinceSeq` up to it; the caller joins the room inside `ready`.
   * Without `sinceSeq` nothing is missed: the order itself is the starting point.
   */
  join(sinceSeq: number | undefined, ready: (order: Order, missed: OrderStatusUpdate[]) => void): Promise<void> {
    return this.enqueue(async () => {
      let order = await this.load();
      if (this.lastSeq < 0) this.lastSeq = order.version;
      // The store may be ahead of what Redis has brought so far: deliver up to it first.
      while (order.version > this.lastSeq) {
        await this.fill();
        order = await this.load();
      }
      const from = Math.min(sinceSeq ?? this.lastSeq, this.lastSeq);
      const missed: OrderStatusUpdate[] = [];
      while (from + missed.length < this.lastSeq) {
        const page = await this.host.loadEvents(this.orderId, from + missed.length, PAGE);
        if (page.length === 0) break;
        for (const event of page) if (event.seq! <= this.lastSeq) missed.push(toStatusUpdate(event));
      }
      // Nothing else runs in this stream between here and the caller joining the room.
      ready(order, missed);
    });
  }

  private async load(): Promise<Order> {
    const order = await this.host.loadOrder(this.orderId);
    if (!order) throw new Error(`order ${this.orderId} vanished`);
    return order;
  }

  /** Delivers every stored event after `lastSeq`. */
  private async fill(): Promise<void> {
    for (;;) {
      const page = await this.host.loadEvents(this.orderId, this.lastSeq, PAGE);
      for (const event of page) this.deliver(toStatusUpdate(event));
      if (page.length < PAGE) return;
    }
  }

  private drainPending(): void {
    let next: OrderStatusUpdate | undefined;
    while ((next = this.pending.get(this.lastSeq + 1)) !== undefined) this.deliver(next);
    for (const seq of this.pending.keys()) if (seq <= this.lastSeq) this.pending.delete(seq);
  }

  private deliver(update: OrderStatusUpdate): void {
    if (update.seq !== this.lastSeq + 1) return;
    this.lastSeq = update.seq;
    this.pending.delete(update.seq);
    this.host.emit(update);
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.chain.then(task);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
