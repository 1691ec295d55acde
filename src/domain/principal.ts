import { ForbiddenError, NotFoundError } from './errors';
import type { EventSource, Order } from './order';

/** Who is calling, as established by their token. */
export type Principal =
  | { role: 'admin' }
  | { role: 'business'; tenantId: string }
  | { role: 'staff'; tenantId: string; subject: string }
  | { role: 'courier'; tenantId: string; subject: string }
  | { role: 'customer'; tenantId: string; subject: string }
  /** `generation`: which of the order's tracking links it holds (see `Order.tracking_generation`). */
  | { role: 'tracker'; tenantId: string; orderId: string; generation: number };

export type TenantPrincipal = Exclude<Principal, { role: 'admin' }>;
export type PrincipalRole = Principal['role'];

/**
 * Narrows to the roles allowed to do something at all.
 * @throws ForbiddenError when the role may not do this (403, whatever the resource).
 */
export function requireRole<R extends PrincipalRole>(
  principal: Principal,
  roles: readonly R[],
): Extract<Principal, { role: R }> {
  if (!(roles as readonly string[]).includes(principal.role)) throw new ForbiddenError();
  return principal as Extract<Principal, { role: R }>;
}

/** Whether the principal may read this order. Callers answer 404 when not, so existence never leaks. */
export function canReadOrder(principal: Principal, order: Order): boolean {
  switch (principal.role) {
    case 'admin':
      return false;
    case 'business':
    case 'staff':
      return order.tenant_id === principal.tenantId;
    case 'courier':
      return order.tenant_id === principal.tenantId && order.courier_id === principal.subject;
    case 'customer':
      return order.tenant_id === principal.tenantId && order.customer.id === principal.subject;
    case 'tracker':
      return order.tenant_id === principal.tenantId && order.id === principal.orderId;
  }
}

/**
 * A customer acts only on its own account; anyone else's is not there for it (404, existence never leaks).
 * @throws NotFoundError
 */
export function requireOwnAccount(principal: TenantPrincipal, customerId: string): void {
  if (principal.role === 'customer' && principal.subject !== customerId) throw new NotFoundError('customer');
}

/** A stable name for the caller inside its tenant (idempotency-key scope, logs). */
export function principalScope(principal: Principal): string {
  switch (principal.role) {
    case 'admin':
    case 'business':
      return principal.role;
    case 'tracker':
      return `tracker:${principal.orderId}`;
    default:
      return `${principal.role}:${principal.subject}`;
  }
}

/**
 * The namespace in which an order's `external_id` is unique. A business and its staff share the tenant's; a
 * customer placing its own orders has its own, so it can neither collide with nor learn of anyone else's ids.
 */
export function externalIdScope(principal: TenantPrincipal): string {
  return principal.role === 'customer' ? `customer:${principal.subject}` : 'tenant';
}

/** Where an event a principal posts comes from, as its history records it. */
export function eventSourceOf(principal: TenantPrincipal): EventSource {
  return principal.role === 'staff' ? 'staff' : principal.role === 'courier' ? 'courier' : 'business';
}
