import { destinationPoint, estimateArrival, etaMoved, SpeedTrack } from '../domain/eta';
import type { LatLng, Location, Order } from '../domain/order';
import { COURIER_ACTIVE_STATUSES } from '../domain/status';
import { DEFAULT_TENANT_SETTINGS } from '../domain/tenant-settings';
import type { OrderSearch } from '../store/search/port';
import type { TenantDirectory } from '../store/tenants/port';
import type { Actor } from './actor-system';

/** A courier's position with its optional motion fields. */
export interface CourierPosition extends Location {
  heading?: number;
  speed?: number;
}

export type CourierMessage =
  | { kind: 'ping'; position: CourierPosition }
  /** An order of this courier changed on this node: keep the active set exact without a store read. */
  | { kind: 'order_changed'; order: Order }
  /** Forget what is known (an assignment moved an order to or from this courier). */
  | { kind: 'invalidate' }
  /** An arriving claim this actor asked for could not be made (the store was unreachable): ask again. */
  | { kind: 'arrival_unclaimed'; orderId: string };

/** What a ping leads to. */
export interface PingResult {
  /** The orders to push the position to (the courier's orders on the way). */
  orderIds: readonly string[];
  /** Those of them out for delivery: only their customers and tracking links are shown the position. */
  outForDelivery: readonly string[];
  /** New ETAs of orders out for delivery, each moved by a minute or more since the last one (API.md "Arrival"). */
  etas: Array<{ orderId: string; eta: string }>;
  /** Orders whose destination the courier just came within the tenant's arrival radius of: claim their arrival. */
  arrivals: string[];
}

export interface CourierActorDeps {
  /** Reads the courier's orders on the way and the tenant's arrival radius. */
  store: { search: Pick<OrderSearch, 'searchOrders'>; tenants: Pick<TenantDirectory, 'getTenantSettings'> };
  now: () => number;
  /**
   * How long the active set (and the tenant's arrival radius) is trusted before it is re-read. Changes made on this
   * node arrive at once; this bounds how long a change made on another node can go unseen.
   */
  refreshMs: number;
}

/** What the actor keeps of an order on the way. */
interface OnTheWay {
  status: Order['status'];
  destination: LatLng | null;
  /** The last ETA pushed (by this node) or stored. */
  eta: string | null;
  /** Arriving already, or its claim is being made: never claimed again from here. */
  arriving: boolean;
}

// A courier carries a few dozen orders at most; more than this on the way at once is not a courier's day.
const MAX_ACTIVE_ORDERS = 500;

const NOTHING: PingResult = { orderIds: [], outForDelivery: [], etas: [], arrivals: [] };

/**
 * One courier's orders that are on the way (`shipped`, `in_transit`, `out_for_delivery`), kept in memory so a
 * position ping costs no store query, and the courier's recent positions, whose speed gives the ETA of each order
 * out for delivery. Replies to `ping` with the orders to push the position to, the ETAs that moved and the orders
 * the courier just reached the arrival radius of. One actor per courier and node: mailbox order makes the speed
 * history and the "arriving" marks race-free here; across nodes the store's arriving claim decides.
 */
export class CourierActor implements Actor<CourierMessage, PingResult> {
  private active: Map<string, OnTheWay> | null = null;
  private loadedAt = 0;
  private radiusM = DEFAULT_TENANT_SETTINGS.arrival_radius_m;
  private readonly track = new SpeedTrack();

  constructor(
    private readonly tenantId: string,
    private readonly courierId: string,
    private readonly deps: CourierActorDeps,
  ) {}

  async receive(message: CourierMessage): Promise<PingResult> {
    switch (message.kind) {
      case 'invalidate':
        this.active = null;
        return NOTHING;
      case 'order_changed':
        if (this.active) {
          const { order } = message;
          if (order.courier_id === this.courierId && COURIER_ACTIVE_STATUSES.has(order.status)) {
            // The actor's own ETA and arriving mark are newer than the order actor's copy of the order.
            const known = this.active.get(order.id);
            this.active.set(order.id, { ...onTheWay(order), ...(known ? { eta: known.eta, arriving: known.arriving } : {}) });
          } else {
            this.active.delete(order.id);
          }
        }
        return NOTHING;
      case 'arrival_unclaimed': {
        const order = this.active?.get(message.orderId);
        if (order) order.arriving = false;
        return NOTHING;
      }
      case 'ping':
        if (!this.active || this.deps.now() - this.loadedAt > this.deps.refreshMs) await this.load();
        return this.ping(message.position);
    }
  }

  private ping(position: CourierPosition): PingResult {
    const active = this.active!;
    this.track.add(position);
    const etas: PingResult['etas'] = [];
    const arrivals: string[] = [];
    const outForDelivery: string[] = [];
    const now = this.deps.now();
    let speed: number | null = null;
    for (const [orderId, order] of active) {
      if (order.status !== 'out_for_delivery') continue;
      outForDelivery.push(orderId);
      if (!order.destination) continue;
      speed ??= this.track.speed();
      const estimate = estimateArrival(position, order.destination, speed, now);
      if (etaMoved(order.eta, estimate.etaMs)) {
        order.eta = new Date(estimate.etaMs).toISOString();
        etas.push({ orderId, eta: order.eta });
      }
      // Once per order from here, however the fixes jitter across the radius; the store's claim makes it once overall.
      if (!order.arriving && estimate.remainingM <= this.radiusM) {
        order.arriving = true;
        arrivals.push(orderId);
      }
    }
    return { orderIds: [...active.keys()], outForDelivery, etas, arrivals };
  }

  private async load(): Promise<void> {
    const [page, settings] = await Promise.all([
      this.deps.store.search.searchOrders(this.tenantId, {
        courierId: this.courierId,
        statuses: [...COURIER_ACTIVE_STATUSES],
        limit: MAX_ACTIVE_ORDERS,
      }),
      this.deps.store.tenants.getTenantSettings(this.tenantId),
    ]);
    const previous = this.active;
    this.active = new Map(
      page.items.map((order) => {
        const known = previous?.get(order.id);
        // What this actor pushed and marked stays: the read may predate the last flush or a claim being made.
        const fresh = onTheWay(order);
        return [order.id, { ...fresh, eta: known?.eta ?? fresh.eta, arriving: fresh.arriving || (known?.arriving ?? false) }];
      }),
    );
    this.radiusM = settings?.arrival_radius_m ?? DEFAULT_TENANT_SETTINGS.arrival_radius_m;
    this.loadedAt = this.deps.now();
  }
}

function onTheWay(order: Order): OnTheWay {
  return {
    status: order.status,
    destination: destinationPoint(order.destination),
    eta: order.eta,
    arriving: Boolean(order.arriving_at),
  };
}
