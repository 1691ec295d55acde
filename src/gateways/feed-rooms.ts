import type { AppliedEvent, LoyaltyEvent, PaymentEvent } from '../actors/event-bus';
import type { TenantPrincipal } from '../domain/principal';
import { rooms, toStatusUpdate, type LoyaltyUpdate, type PaymentUpdate } from './events';
import type { IoServer } from './io';
import type { IoSocket } from './session';

/**
 * The rooms a socket is in without subscribing: its tenant's feed (business and staff sockets get every event of
 * their tenant) or its customer account (loyalty bookings).
 */
export function joinFeedRooms(socket: IoSocket, principal: TenantPrincipal): void {
  if (principal.role === 'business' || principal.role === 'staff') void socket.join(rooms.tenant(principal.tenantId));
  if (principal.role === 'customer') void socket.join(rooms.customer(principal.tenantId, principal.subject));
}

/**
 * Pushes an applied event to its tenant's feed on every node, except to sockets in the order's room: those get it
 * from the order's live stream, in order and once.
 */
export function pushToTenantFeed(io: IoServer, { event, order }: AppliedEvent): void {
  io.to(rooms.tenant(order.tenant_id)).except(rooms.order(order.id)).emit('order_status_update', toStatusUpdate(event));
}

/** Pushes a loyalty booking to the customer's sockets on every node. */
export function pushLoyalty(io: IoServer, { tenantId, entry, balance }: LoyaltyEvent): void {
  const update: LoyaltyUpdate = {
    customer_id: entry.customer_id,
    balance,
    delta: entry.delta,
    reason: entry.reason,
    order_id: entry.order_id,
  };
  io.to(rooms.customer(tenantId, entry.customer_id)).emit('loyalty_update', update);
}

/**
 * Pushes an order's new payment to its watchers and its tenant's feed on every node (a socket in both gets it once),
 * but not to tracking links: their view shows no amounts, and a link may be passed on.
 */
export function pushPayment(io: IoServer, { order }: PaymentEvent): void {
  const update: PaymentUpdate = { order_id: order.id, payment: order.payment };
  io.to(rooms.order(order.id)).to(rooms.tenant(order.tenant_id)).except(rooms.trackers(order.id)).emit('payment_update', update);
}
