import type { OrderStatus } from '../domain/status';

/**
 * Statuses as SQL string literals (`'delivered', 'returned'`), the same in both SQL dialects, for statements that name
 * statuses the domain decides: the names are checked against the domain's statuses, and a list comes from the
 * domain's own constant.
 */
export function sqlStatuses(...statuses: ReadonlyArray<OrderStatus>): string {
  return statuses.map((status) => `'${status}'`).join(', ');
}
