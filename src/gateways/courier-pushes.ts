import type { EtaEvent, PositionEvent } from '../actors/event-bus';
import { rooms, type CourierLocationUpdate, type EtaUpdate, type PushCounter, type ServerToClientEvents } from './events';
import type { IoServer } from './io';

export interface CourierPushesOptions {
  io: IoServer;
  /** Counts each room emit by its event name (`events_pushed_total`). */
  pushed: PushCounter;
  /**
   * At most one position per courier (so per order) is pushed in this many ms (`LIVE_POSITION_MS`): the first after
   * a quiet spell at once, the newest of those that came meanwhile when the interval ends, so a watcher is never
   * more than an interval behind the courier (the tracking page animates between fixes). Each interval is this and
   * up to a tenth more (see `intervalMs`). 0: every position at once.
   * @default 1000
   */
  livePositionMs?: number;
}

/** A courier's pacing: when its last position went out, and the newest one held since. */
interface Paced {
  held: PositionEvent | null;
  timer: NodeJS.Timeout;
}

/**
 * A courier's positions and its orders' new ETAs, pushed to its tenant's feed, and to the watchers of each order it
 * carries while that order is out for delivery: before, the courier is out among other customers' doors, which the
 * order's customer and tracking links are not shown (`courierShownToCustomer`; staff and the business see the fleet).
 * Positions are paced per courier (`livePositionMs`) on the node that takes them. This node's sockets get them at
 * once; the other nodes through one message per position pushed rather than two room broadcasts per order (the
 * adapter publishes each broadcast to Redis before delivering it even locally), and each delivers to its own sockets.
 */
export class CourierPushes {
  private readonly livePositionMs: number;
  private readonly paced = new Map<string, Paced>();

  constructor(private readonly options: CourierPushesOptions) {
    this.livePositionMs = options.livePositionMs ?? 1000;
    if (!(Number.isInteger(this.livePositionMs) && this.livePositionMs >= 0)) {
      throw new RangeError('CourierPushes: livePositionMs must be a whole number >= 0');
    }
    const { io } = options;
    io.on('courier_locations', (tenantId, updates, outForDelivery) => this.deliverLocations(tenantId, updates, new Set(outForDelivery)));
    io.on('eta_updates', (tenantId, updates) => this.deliverEtas(tenantId, updates));
  }

  /**
   * Pushes a courier's position to the tenant feed and to watchers of each of its orders out for delivery, or holds
   * it until the courier's interval ends (a newer one replaces it meanwhile).
   */
  pushPosition(event: PositionEvent): void {
    if (this.livePositionMs === 0) {
      this.send(event);
      return;
    }
    const key = `${event.tenantId}\u0000${event.courierId}`;
    const paced = this.paced.get(key);
    if (paced) {
      // A fix reported late (an app's offline buffer) never replaces a newer one.
      if (!paced.held || paced.held.position.at <= event.position.at) paced.held = event;
      return;
    }
    this.send(event);
    this.pace(key);
  }

  /** Pushes new ETAs wherever the courier's positions go. */
  pushEtas({ tenantId, etas }: EtaEvent): void {
    const updates = etas.map(({ orderId, eta }) => ({ order_id: orderId, eta }));
    this.deliverEtas(tenantId, updates);
    this.options.io.serverSideEmit('eta_updates', tenantId, updates);
  }

  /** Stops pacing: positions held are dropped (the node is going). */
  close(): void {
    for (const { timer } of this.paced.values()) clearTimeout(timer);
    this.paced.clear();
  }

  /** Starts a courier's interval; at its end the newest position held goes and another interval starts, if any. */
  private pace(key: string): void {
    const paced: Paced = {
      held: null,
      timer: setTimeout(() => {
        this.paced.delete(key);
        if (!paced.held) return; // quiet: the next position goes at once
        this.send(paced.held);
        this.pace(key);
      }, this.intervalMs()),
    };
    paced.timer.unref();
    this.paced.set(key, paced);
  }

  /**
   * An interval: `livePositionMs` and up to a tenth more, drawn anew each time, so couriers whose intervals began
   * together (a node's start, a depot's morning) drift apart and their pushes do not all leave in one burst.
   */
  private intervalMs(): number {
    return this.livePositionMs + Math.floor(Math.random() * (this.livePositionMs / 10));
  }

  private send({ tenantId, courierId, orderIds, outForDelivery, position }: PositionEvent): void {
    const updates = orderIds.map((orderId) => ({
      order_id: orderId,
      courier_id: courierId,
      lat: position.lat,
      lng: position.lng,
      heading: position.heading ?? null,
      speed: position.speed ?? null,
      at: position.at,
    }));
    this.deliverLocations(tenantId, updates, new Set(outForDelivery));
    this.options.io.serverSideEmit('courier_locations', tenantId, updates, outForDelivery);
  }

  /**
   * Delivers positions to this node's tenant-feed sockets, and to the watchers of each order in `outForDelivery`
   * (a socket in both rooms gets one copy).
   */
  private deliverLocations(tenantId: string, updates: CourierLocationUpdate[], outForDelivery: ReadonlySet<string>): void {
    for (const update of updates) {
      const shown = outForDelivery.has(update.order_id);
      if (shown) this.emit(rooms.order(update.order_id), null, 'courier_location', update);
      this.emit(rooms.tenant(tenantId), shown ? rooms.order(update.order_id) : null, 'courier_location', update);
    }
  }

  /** Delivers ETAs to this node's watchers of each order and to its tenant-feed sockets, like positions. */
  private deliverEtas(tenantId: string, updates: EtaUpdate[]): void {
    for (const update of updates) {
      this.emit(rooms.order(update.order_id), null, 'eta_update', update);
      this.emit(rooms.tenant(tenantId), rooms.order(update.order_id), 'eta_update', update);
    }
  }

  /** Emits to this node's sockets in `room` (but those in `except`), if it has any; counted. */
  private emit<K extends 'courier_location' | 'eta_update'>(
    room: string,
    except: string | null,
    kind: K,
    ...args: Parameters<ServerToClientEvents[K]>
  ): void {
    const { io, pushed } = this.options;
    if (!io.of('/').adapter.rooms.has(room)) return;
    const target = except === null ? io.local.to(room) : io.local.to(room).except(except);
    target.emit(kind, ...args);
    pushed.inc({ kind });
  }
}
