import type { EtaEvent, PositionEvent } from '../actors/event-bus';
import { rooms, type CourierLocationUpdate, type EtaUpdate } from './events';
import type { IoServer } from './io';

/**
 * A courier's positions and its orders' new ETAs, pushed to the watchers of each order it carries and to its
 * tenant's feed. This node's sockets get them at once; the other nodes through one message per ping rather than
 * two room broadcasts per order (the adapter publishes each broadcast to Redis before delivering it even locally),
 * and each delivers to its own sockets.
 */
export class CourierPushes {
  constructor(private readonly io: IoServer) {
    io.on('courier_locations', (tenantId, updates) => this.deliverLocations(tenantId, updates));
    io.on('eta_updates', (tenantId, updates) => this.deliverEtas(tenantId, updates));
  }

  /** Pushes a courier's position to watchers of each of its orders on the way and to the tenant feed. */
  pushPosition({ tenantId, courierId, orderIds, position }: PositionEvent): void {
    const updates = orderIds.map((orderId) => ({
      order_id: orderId,
      courier_id: courierId,
      lat: position.lat,
      lng: position.lng,
      heading: position.heading ?? null,
      speed: position.speed ?? null,
      at: position.at,
    }));
    this.deliverLocations(tenantId, updates);
    this.io.serverSideEmit('courier_locations', tenantId, updates);
  }

  /** Pushes new ETAs wherever the courier's positions go. */
  pushEtas({ tenantId, etas }: EtaEvent): void {
    const updates = etas.map(({ orderId, eta }) => ({ order_id: orderId, eta }));
    this.deliverEtas(tenantId, updates);
    this.io.serverSideEmit('eta_updates', tenantId, updates);
  }

  /** Delivers positions to this node's watchers of each order and to its tenant-feed sockets. */
  private deliverLocations(tenantId: string, updates: CourierLocationUpdate[]): void {
    for (const update of updates) {
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
