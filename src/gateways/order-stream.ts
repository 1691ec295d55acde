import { NotFoundError } from '../domain/errors';
import type { Order, OrderEvent } from '../domain/order';
import type { OrderHead } from '../store/orders/port';
import { toStatusUpdate, type OrderStatusUpdate } from './events';

/** What a stream needs from its node. */
export interface StreamHost {
  loadOrder(orderId: string): Promise<Order | null>;
  /** Applied events with `seq > afterSeq`, in seq order. */
  loadEvents(orderId: string, afterSeq: number, limit: number): Promise<OrderEvent[]>;
  /**
   * Sends an update to this node's sockets in the order's room; answers whether a socket watching on the
   * customer's behalf (the customer, or the order's tracking link) was among them.
   */
  emit(update: OrderStatusUpdate): boolean;
  /** The order now belongs to another courier (or to none): watchers who lost the right must go. */
  onCourierChanged(orderId: string, courierId: string | null): void;
  onError(error: unknown): void;
}

// Gap fills and catch-ups read the store in pages of this many events.
const PAGE = 500;
// Seqs remembered as handed to a customer-side watcher: alerts are decided within seconds of their event, and an
// order rarely has more than a handful of events in that time.
const HANDED_MEMORY = 64;

/**
 * One order's live events on one node, delivered to the order's room strictly in seq order, each once.
 * Updates arrive from Redis (published by whichever node applied them), from this node's own actors and from
 * the node's periodic comparison with the store, possibly out of order or twice; a gap is filled from the store
 * before anything after it is delivered. Every delivery and every new subscriber's catch-up run one at a time,
 * so a subscriber joins the room at an exact seq: it gets everything up to it in its acknowledgement and
 * everything after it live.
 */
export class OrderStream {
  /** Highest seq delivered to the room; -1 until the first subscriber initialises the stream. */
  private lastSeq = -1;
  /** The order's courier as last seen; undefined until initialised. */
  private courierId: string | null | undefined;
  private readonly pending = new Map<number, OrderStatusUpdate>();
  private chain: Promise<void> = Promise.resolve();
  /** The store version seen at the previous check while this stream was behind it (see {@link observe}). */
  private behindTarget: number | null = null;
  private readonly handed = new Set<number>();
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();
  /** Sockets subscribed or subscribing here. */
  members = 0;

  constructor(
    readonly orderId: string,
    private readonly host: StreamHost,
  ) {}

  /** Whether a first subscriber has initialised the stream (only then is there a position to compare). */
  get started(): boolean {
    return this.lastSeq >= 0;
  }

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
   * Compares the stream with the order as stored. An event the store holds that has not arrived by the next
   * check (one interval later) was lost on the way (a failed publish, a node that died after its commit, a
   * reconnect): it is read from the store then. Waiting one interval leaves events still on their way through
   * Redis to arrive by themselves, so a healthy cluster pays no extra reads.
   */
  observe(head: Pick<OrderHead, 'version' | 'courier_id'>): void {
    if (this.lastSeq < 0) return;
    if (this.courierId !== undefined && head.courier_id !== this.courierId) this.courierChanged(head.courier_id);
    if (head.version <= this.lastSeq) {
      this.behindTarget = null;
      return;
    }
    if (this.behindTarget !== null && this.lastSeq < this.behindTarget) this.resync();
    this.behindTarget = head.version;
  }

  /** Another node changed the order's courier (or this node did). */
  courierChanged(courierId: string | null): void {
    if (courierId === this.courierId) return;
    this.courierId = courierId;
    this.host.onCourierChanged(this.orderId, courierId);
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

  /** Records that a customer-side watcher was handed these seqs (in a subscribe acknowledgement). */
  markHanded(seqs: Iterable<number>): void {
    for (const seq of seqs) this.remember(seq);
  }

  /**
   * Whether event `seq` was handed to a customer-side watcher on this node, waiting up to `waitMs` for the
   * stream to reach it (an event may still be on its way here when the question comes).
   */
  async handedTo(seq: number, waitMs: number): Promise<boolean> {
    if (this.lastSeq < seq) {
      await new Promise<void>((resolve) => {
        const waiter = { seq, resolve: () => done() };
        const timer = setTimeout(() => done(), waitMs);
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve();
        };
        this.waiters.add(waiter);
      });
    }
    return this.handed.has(seq);
  }

  private async load(): Promise<Order> {
    const order = await this.host.loadOrder(this.orderId);
    // The store no longer has it: to a subscriber, an order that does not exist (as API.md answers it), not a fault.
    if (!order) throw new NotFoundError('order');
    if (this.courierId === undefined) this.courierId = order.courier_id;
    else if (order.courier_id !== this.courierId) this.courierChanged(order.courier_id);
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
    if (this.host.emit(update)) this.remember(update.seq);
    for (const waiter of this.waiters) if (waiter.seq <= this.lastSeq) waiter.resolve();
  }

  private remember(seq: number): void {
    this.handed.add(seq);
    if (this.handed.size > HANDED_MEMORY) this.handed.delete(this.handed.values().next().value!);
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
