import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import type { IoServer } from './io';

export interface ErasureBroadcastOptions {
  /** The cluster's Socket.IO server: erasures reach the other nodes through its adapter. */
  io: IoServer;
  /** This node's erasures (`erased`). */
  bus: EventBus;
  /** Drops erased orders from this node's memory (its order actors); absent on a node that holds none. */
  drop?: (orderIds: readonly string[]) => void;
  logger: Logger;
}

/**
 * Erased orders leave every node's memory (their actors hold them): on this node at once, on the others through the
 * adapter. Should Redis miss a node, its stale actor still cannot write (an erasure moves the revision on) and is
 * passivated when idle.
 */
export class ErasureBroadcast {
  private readonly unsubscribe: () => void;

  constructor(options: ErasureBroadcastOptions) {
    const { io, drop, logger } = options;
    if (drop) io.on('orders_erased', drop);
    this.unsubscribe = options.bus.on('erased', ({ orderIds }) => {
      drop?.(orderIds);
      // The adapter's own call, whose promise can be caught (io.serverSideEmit drops it; it rejects without Redis).
      Promise.resolve(io.of('/').adapter.serverSideEmit(['orders_erased', orderIds]) as unknown).catch((error: unknown) =>
        logger.warn({ err: error }, 'erasure not announced to the other nodes'),
      );
    });
  }

  /** Stops announcing this node's erasures. */
  close(): void {
    this.unsubscribe();
  }
}
