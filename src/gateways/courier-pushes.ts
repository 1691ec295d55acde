import type { EtaEvent, PositionEvent } from '../actors/event-bus';
import { rooms, type CourierLocationUpdate, type EtaUpdate } from './events';
import type { IoServer } from './io';

/**
 * A courier's positions and its orders' new ETAs, pushed to its tenant's feed, and to the watchers of each order it
 * carries while that order is out for delivery: before, the courier is out among other customers' doors, which the
 * order's customer and tracking links are not shown (`courierShownToCustomer`; staff and the business see the fleet). This node's sockets get them at once; the other nodes through one message per ping rather than
 * two room broadcasts per order (the adapter publishes each broadcast to Redis before delivering it even locally),
 * and each delivers to its own sockets.
 */
export class CourierPushes {
  constructor(private readonly io: IoServer) {
    io.on('courier_locations', (tenantId, updates, outForDelivery) => this.deliverLocations(tenantId, updates, new Set(outForDelivery)));
    io.on('eta_updates', (tenantId, updates) => this.deliverEtas(tenantId, updates));
  }

  /** Pushes a courier's position to the tenant feed and to watchers of each of its orders out for delivery. */
  pushPosition({ tenantId, courierId, orderIds, outForDelivery, position }: PositionEvent): void {
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
    this.io.serverSideEmit('courier_locations', tenantId, updates, outForDelivery);
  }

  /** Pushes new ETAs wherever the courier's positions go. */
  pushEtas({ tenantId, etas }: EtaEvent): void {
    const updates = etas.map(({ orderId, eta }) => ({ order_id: orderId, eta }));
    this.deliverEtas(tenantId, updates);
    this.io.serverSideEmit('eta_updates', tenantId, updates);
  }

  /**
   * Delivers positions to this node's tenant-feed sockets, and to the watchers of each order in `outForDelivery`
   * (a socket in both rooms gets one copy).
   */
  private deliverLocations(tenantId: string, updates: CourierLocationUpdate[], outForDelivery: ReadonlySet<string>): void {
    for (const update of updates) {
      if (!outForDelivery.has(update.order_id)) {
        this.io.local.to(rooms.tenant(tenantId)).emit('courier_location', update);
        continue;
      }
      this.io.local.to(rooms.order(update.order_id)).emit('courier_location', update);
      this.io.local.to(rooms.tenant(tenantId)).except(rooms.order(update.order_id)).emit('courier_location', update);
    }
  }

  /** Delivers ETAs to this node's watchers of each order and to its tenant-feed sockets, like positions. */
  private deliverEtas(tenantId: string, updates: EtaUpdate[]): void {
    for (const update of updates) {
      this.io.local.to(rooms.order(update.order_id)).emit('eta_update', update);
      this.io.local.to(rooms.tenant(tenantId)).except(rooms.order(update.order_id)).emit('eta_update', update);
    }
  }
}
