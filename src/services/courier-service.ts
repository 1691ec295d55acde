import { ActorSystem } from '../actors/actor-system';
import { CourierActor, type CourierActorDeps, type CourierMessage, type CourierPosition, type PingResult } from '../actors/courier-actor';
import type { EventBus } from '../actors/event-bus';
import type { DeviceProtocol } from '../domain/device-setup';
import type { Location } from '../domain/order';
import { keptSettings } from '../notifiers/tenant-cache';
import type { ArrivalLog } from '../store/arrival/port';
import type { CourierRecords, CourierSighting } from '../store/couriers/port';
import type { OrderLog } from '../store/orders/port';

/** A position as a courier reports it: without a time, it is taken when it arrives. */
export type ReportedPosition = Omit<CourierPosition, 'at'> & { at?: string };

/**
 * Where a position came from (`positions_taken_total{source}`): the courier's app one at a time (`app`) or buffered
 * (`batch`), or a device, by its protocol.
 */
export type PositionSource = 'app' | 'batch' | DeviceProtocol;

export interface CourierServiceOptions {
  /**
   * Couriers' orders on the way and the arrival radius (for their actors), the coalesced `last_location` and `eta`
   * writes (of orders, and of couriers' records), and the arriving claims.
   */
  store: CourierActorDeps['store'] & {
    orders: Pick<OrderLog, 'updateLastLocations'>;
    arrival: ArrivalLog;
    couriers: Pick<CourierRecords, 'recordSightings'>;
  };
  /**
   * Hears of order changes and assignments; carries each position (`position`), new ETAs (`eta`) and arriving claims
   * made here (`arriving`) to whoever pushes them live or owes their alert.
   */
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
  /** Told when a batch of positions or ETAs could not be stored (they are retried with the next flush). */
  onFlushError?: (error: unknown) => void;
  /** Told when an arriving claim could not be made (it is asked for again with the courier's next position). */
  onClaimError?: (error: unknown) => void;
  /** `positions_taken_total{source}`: each position taken, once its courier's actor has it. @default not counted */
  counted?: { inc(labels: { source: PositionSource }): void };
}

/**
 * Couriers' live positions: published at once for watchers, stored as `last_location` in coalesced batches; the
 * ETAs they give orders out for delivery likewise (pushed when they move by a minute, never a new event); and the
 * arriving claim when a courier first comes within the arrival radius.
 */
export class CourierService {
  private readonly actors: ActorSystem<string, CourierMessage, PingResult>;
  private readonly pendingLocations = new Map<string, Location>();
  private readonly pendingEtas = new Map<string, string>();
  /** By courier (actor key), its newest position, for its record's `last_location`. */
  private readonly pendingSightings = new Map<string, CourierSighting>();
  private readonly timer: NodeJS.Timeout;
  private readonly store: CourierServiceOptions['store'];
  private readonly bus: EventBus;
  private readonly now: () => number;
  private flushing: Promise<void> = Promise.resolve();
  private readonly onFlushError: (error: unknown) => void;
  private readonly onClaimError: (error: unknown) => void;
  private readonly counted: CourierServiceOptions['counted'];

  constructor(options: CourierServiceOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.onFlushError = options.onFlushError ?? (() => {});
    this.onClaimError = options.onClaimError ?? (() => {});
    this.counted = options.counted;
    this.now = options.now ?? Date.now;
    // The tenant's settings (its arrival radius) are kept per node, forgotten on every node when they change.
    const settings = keptSettings(options.store.tenants);
    const store = { ...options.store, tenants: { getTenantSettings: (tenantId: string) => settings.get(tenantId) } };
    const deps: CourierActorDeps = { store, now: this.now, refreshMs: options.refreshMs ?? 5000 };
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

  /**
   * A courier's position: published now for its orders on the way, with the ETAs it moved; stored with the next
   * flush. Resolves once the arriving claims it makes (rarely any) are durable.
   */
  async record(tenantId: string, courierId: string, reported: ReportedPosition, source: PositionSource = 'app'): Promise<void> {
    const position: CourierPosition = { ...reported, at: reported.at ?? new Date(this.now()).toISOString() };
    const { orderIds, outForDelivery, etas, arrivals } = await this.actors.ask(key(tenantId, courierId), { kind: 'ping', position });
    this.counted?.inc({ source });
    const sighting = { tenant_id: tenantId, courier_id: courierId, location: { lat: position.lat, lng: position.lng, at: position.at } };
    const pending = this.pendingSightings.get(key(tenantId, courierId));
    if (!pending || pending.location.at < position.at) this.pendingSightings.set(key(tenantId, courierId), sighting);
    if (orderIds.length === 0) return;
    this.bus.emit('position', { tenantId, courierId, orderIds, outForDelivery, position });
    if (etas.length > 0) this.bus.emit('eta', { tenantId, courierId, etas });
    const stored: Location = { lat: position.lat, lng: position.lng, at: position.at };
    for (const orderId of orderIds) this.pendingLocations.set(orderId, stored);
    for (const { orderId, eta } of etas) this.pendingEtas.set(orderId, eta);
    await Promise.all(arrivals.map((orderId) => this.claimArrival(tenantId, courierId, orderId, position.at)));
  }

  /**
   * Positions a courier's app buffered (say, offline) and sends at once: each goes the way of {@link record}, oldest
   * first, so watchers see the track in order, the speed behind the ETA uses every fix and the newest is kept.
   */
  async recordMany(tenantId: string, courierId: string, reported: readonly ReportedPosition[]): Promise<void> {
    const now = new Date(this.now()).toISOString();
    const positions = reported.map((position) => ({ ...position, at: position.at ?? now }));
    positions.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
    for (const position of positions) await this.record(tenantId, courierId, position, 'batch');
  }

  /** Makes the store's arriving claim; the one that wins (of any node's) owes the alert, which is queued at once. */
  private async claimArrival(tenantId: string, courierId: string, orderId: string, at: string): Promise<void> {
    try {
      const claim = await this.store.arrival.claimArrival(orderId, at);
      if (claim.claimed) this.bus.emit('arriving', { orderId, tenantId: claim.tenantId, seq: claim.seq, arrivingAt: at });
    } catch (error) {
      this.onClaimError(error);
      this.tellIfLive(tenantId, courierId, { kind: 'arrival_unclaimed', orderId });
    }
  }

  /** Writes the latest position and ETA of every order that has one pending. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      await flushPending(this.pendingLocations, (updates) =>
        this.store.orders.updateLastLocations(updates.map(([orderId, location]) => ({ orderId, location }))),
      ).catch(this.onFlushError);
      await flushPending(this.pendingEtas, (updates) => this.store.arrival.updateEtas(updates.map(([orderId, eta]) => ({ orderId, eta })))).catch(
        this.onFlushError,
      );
      await flushPending(this.pendingSightings, (updates) => this.store.couriers.recordSightings(updates.map(([, sighting]) => sighting))).catch(
        this.onFlushError,
      );
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

/**
 * Writes what `pending` holds and empties it; on a failure, puts back the value of each order unless a newer one
 * arrived meanwhile (for the next flush), and rejects.
 */
async function flushPending<T>(pending: Map<string, T>, write: (updates: Array<[string, T]>) => Promise<void>): Promise<void> {
  if (pending.size === 0) return;
  const updates = [...pending];
  pending.clear();
  try {
    await write(updates);
  } catch (error) {
    for (const [orderId, value] of updates) if (!pending.has(orderId)) pending.set(orderId, value);
    throw error;
  }
}

function key(tenantId: string, courierId: string): string {
  return `${tenantId}\u0000${courierId}`;
}

function splitKey(actorKey: string): [string, string] {
  const at = actorKey.indexOf('\u0000');
  return [actorKey.slice(0, at), actorKey.slice(at + 1)];
}
