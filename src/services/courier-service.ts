import { ActorSystem } from '../actors/actor-system';
import { CourierActor, type CourierActorDeps, type CourierMessage, type CourierPosition } from '../actors/courier-actor';
import type { EventBus } from '../actors/event-bus';
import type { Location } from '../domain/order';
import type { OrderLog } from '../store/ports/order-log';

/** A position as a courier reports it: without a time, it is taken when it arrives. */
export type ReportedPosition = Omit<CourierPosition, 'at'> & { at?: string };

export interface CourierServiceOptions {
  /** Couriers' orders on the way (for their actors) and the coalesced `last_location` writes. */
  store: CourierActorDeps['store'] & Pick<OrderLog, 'updateLastLocations'>;
  /** Hears of order changes and assignments; carries each position (`position`) to whoever pushes it live. */
  bus: EventBus;
  /**
   * How often coalesced `last_location` writes are flushed: a courier pinging every second costs one write per
   * order per interval, not per ping.
   * @default 2000
   */
  flushMs?: number;
  /** See {@link CourierActorDeps.refreshMs}. @default 5000 */
  refreshMs?: number;
  idleMs?: number;
  maxActors?: number;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
  /** Told when a batch of positions could not be stored (they are retried with the next flush). */
  onFlushError?: (error: unknown) => void;
}

/** Couriers' live positions: published at once for watchers, stored as `last_location` in coalesced batches. */
export class CourierService {
  private readonly actors: ActorSystem<string, CourierMessage, readonly string[]>;
  private readonly pendingLocations = new Map<string, Location>();
  private readonly timer: NodeJS.Timeout;
  private readonly store: CourierServiceOptions['store'];
  private readonly bus: EventBus;
  private readonly now: () => number;
  private flushing: Promise<void> = Promise.resolve();
  private readonly onFlushError: (error: unknown) => void;

  constructor(options: CourierServiceOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.onFlushError = options.onFlushError ?? (() => {});
    this.now = options.now ?? Date.now;
    const deps: CourierActorDeps = { store: options.store, now: this.now, refreshMs: options.refreshMs ?? 5000 };
    this.actors = new ActorSystem({
      create: (key) => {
        const [tenantId, courierId] = splitKey(key);
        return new CourierActor(tenantId, courierId, deps);
      },
      idleMs: options.idleMs,
      maxActors: options.maxActors,
      now: this.now,
    });
    options.bus.on('applied', ({ order }) => {
      if (order.courier_id !== null) this.tellIfLive(order.tenant_id, order.courier_id, { kind: 'order_changed', order });
    });
    // An order moved to or from a courier: both couriers' cached sets are re-read on their next ping.
    options.bus.on('assigned', ({ order, previousCourierId }) => {
      for (const courierId of [order.courier_id, previousCourierId]) {
        if (courierId !== null) this.tellIfLive(order.tenant_id, courierId, { kind: 'invalidate' });
      }
    });
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 2000);
    this.timer.unref();
  }

  /** A courier's position: published now for its orders on the way, stored with the next flush. */
  async record(tenantId: string, courierId: string, reported: ReportedPosition): Promise<void> {
    const position: CourierPosition = { ...reported, at: reported.at ?? new Date(this.now()).toISOString() };
    const orderIds = await this.actors.ask(key(tenantId, courierId), { kind: 'ping' });
    if (orderIds.length === 0) return;
    this.bus.emit('position', { tenantId, courierId, orderIds, position });
    const stored: Location = { lat: position.lat, lng: position.lng, at: position.at };
    for (const orderId of orderIds) this.pendingLocations.set(orderId, stored);
  }

  /** Writes the latest position of every order that has one pending. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pendingLocations.size === 0) return;
      const updates = [...this.pendingLocations].map(([orderId, location]) => ({ orderId, location }));
      this.pendingLocations.clear();
      await this.store.updateLastLocations(updates).catch((error: unknown) => {
        this.onFlushError(error);
        // Keep the newest position of each order for the next flush unless a newer one arrived meanwhile.
        for (const update of updates) if (!this.pendingLocations.has(update.orderId)) this.pendingLocations.set(update.orderId, update.location);
      });
    });
    return this.flushing;
  }

  /** Stops the actors and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.actors.stop();
    await this.flush();
  }

  private tellIfLive(tenantId: string, courierId: string, message: CourierMessage): void {
    const actorKey = key(tenantId, courierId);
    if (this.actors.has(actorKey)) void this.actors.ask(actorKey, message).catch(() => {});
  }
}

function key(tenantId: string, courierId: string): string {
  return `${tenantId}\u0000${courierId}`;
}

function splitKey(actorKey: string): [string, string] {
  const at = actorKey.indexOf('\u0000');
  return [actorKey.slice(0, at), actorKey.slice(at + 1)];
}
