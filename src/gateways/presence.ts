import type { Order } from '../domain/order';
import type { Presence } from '../domain/presence';
import type { OrderArriving } from './events';
import type { IoServer } from './io';

/** A node's own answer: was event `seq` of the order handed to a customer-side watcher here? */
export type LocalWitness = (orderId: string, seq: number, waitMs: number) => Promise<boolean>;

export interface ClusterPresenceOptions {
  io: IoServer;
  /** This node's sockets; absent on a node that serves none (a worker-only process). */
  local?: LocalWitness;
  /** Hands an arriving notice to this node's watchers of the order (see `Gateway.handArriving`); absent: none here. */
  localArriving?: (update: OrderArriving) => boolean;
  /**
   * How long a node waits for an event still on its way to it before answering (a failed publish reaches it from
   * the store within about a second). Below the adapter's 5 s limit for answers: a node that does not answer in
   * time counts as not having handed it.
   * @default 3000
   */
  waitMs?: number;
}

/**
 * {@link Presence} across the cluster: the node deciding an alert answers for its own sockets and asks every
 * other node, through the Socket.IO adapter, to answer for theirs.
 */
export class ClusterPresence implements Presence {
  private readonly waitMs: number;

  constructor(private readonly options: ClusterPresenceOptions) {
    this.waitMs = options.waitMs ?? 3000;
    if (!(this.waitMs >= 0 && this.waitMs < 4000)) throw new RangeError('ClusterPresence: waitMs must be in [0, 4000)');
    options.io.on('handed', (orderId, seq, reply) => {
      void this.askHere(orderId, seq).then(reply);
    });
    options.io.on('arriving', (update, reply) => reply(this.options.localArriving?.(update) ?? false));
  }

  handArrivingToWatcher(order: Order, arrivingAt: string): Promise<boolean> {
    const update: OrderArriving = { order_id: order.id, arriving_at: arrivingAt };
    const elsewhere = this.gather(['arriving', update]);
    // Handed here settles it; the other nodes have the notice already and hand it to their own watchers.
    return this.options.localArriving?.(update) ? Promise.resolve(true) : elsewhere;
  }

  async handedToWatcher(order: Order, seq: number): Promise<boolean> {
    const elsewhere = this.askOthers(order.id, seq);
    // Handed here settles it; no need to wait for the others (one of them may be slow to answer, or cut off).
    return (await this.askHere(order.id, seq)) || elsewhere;
  }

  private askHere(orderId: string, seq: number): Promise<boolean> {
    return this.options.local ? this.options.local(orderId, seq, this.waitMs) : Promise.resolve(false);
  }

  private askOthers(orderId: string, seq: number): Promise<boolean> {
    return this.gather(['handed', orderId, seq]);
  }

  /** Asks every other node; whether any answered true (none, when Redis is unreachable or nobody answers in time). */
  private gather(request: ['handed', string, number] | ['arriving', OrderArriving]): Promise<boolean> {
    return new Promise((resolve) => {
      // On a timeout the answers that did come are still given, beside the error.
      const answered = (_error: Error | null, answers: boolean[] | undefined): void => resolve((answers ?? []).some(Boolean));
      // The adapter's own call, whose promise can be caught: `io.serverSideEmit` drops it, and it rejects while
      // Redis is unreachable (then nobody can be shown to have the event).
      const asking = this.options.io.of('/').adapter.serverSideEmit([...request, answered]) as unknown;
      Promise.resolve(asking).catch(() => resolve(false));
    });
  }
}
