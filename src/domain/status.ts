/** Order statuses and the transition rules of API.md ("Orders"). Pure code. */

// The main path comes first among the statuses.
const MAIN_STEPS = ['placed', 'processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered'] as const;

export const STATUSES = [...MAIN_STEPS, 'failed_attempt', 'on_hold', 'returned', 'cancelled'] as const;
export type OrderStatus = (typeof STATUSES)[number];

/** The main path, in order. A move forward may skip steps. */
export const MAIN_PATH: readonly OrderStatus[] = MAIN_STEPS;

/**
 * Statuses in which an order's course is over (a delivered order may still be returned): retention counts from them
 * (API.md "Privacy"). Listed in the order of the partial indexes `orders_unerased_terminal`, which a query naming
 * them the same way is served by.
 */
export const TERMINAL_STATUSES = ['delivered', 'returned', 'cancelled'] as const satisfies readonly OrderStatus[];

/** Statuses that alert the customer (API.md "Notifications"). */
export const NOTIFYING_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'shipped',
  'out_for_delivery',
  'delivered',
  'failed_attempt',
  'returned',
]);

/** Statuses during which a courier's live position is pushed to watchers. */
export const COURIER_ACTIVE_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'shipped',
  'in_transit',
  'out_for_delivery',
]);

const RETURNABLE: ReadonlySet<OrderStatus> = new Set<OrderStatus>([
  'shipped',
  'in_transit',
  'out_for_delivery',
  'failed_attempt',
  'on_hold',
  'delivered',
]);

function mainIndex(status: OrderStatus): number {
  return MAIN_PATH.indexOf(status);
}

/**
 * Whether `from → to` is legal. `heldAt` is the main-path status an `on_hold` order was held at
 * (needed only when `from` is `on_hold`).
 */
export function canTransition(from: OrderStatus, to: OrderStatus, heldAt?: OrderStatus | null): boolean {
  if (from === 'returned' || from === 'cancelled') return false;
  if (from === 'delivered') return to === 'returned';
  switch (to) {
    case 'placed':
      return false;
    case 'cancelled':
      return from === 'placed' || from === 'processing';
    case 'failed_attempt':
      return from === 'out_for_delivery';
    case 'on_hold':
      // From any non-terminal status after `placed`; holding an order already on hold is not a move, and a
      // failed attempt leads only to another delivery attempt or a return.
      return from !== 'placed' && from !== 'on_hold' && from !== 'failed_attempt';
    case 'returned':
      return RETURNABLE.has(from);
    default:
      break;
  }
  // `to` is on the main path (after placed).
  if (from === 'failed_attempt') return to === 'out_for_delivery';
  if (from === 'on_hold') {
    const floor = heldAt ? mainIndex(heldAt) : mainIndex('processing');
    return mainIndex(to) >= floor;
  }
  const fromIndex = mainIndex(from);
  const toIndex = mainIndex(to);
  if (to === 'in_transit' && from === 'in_transit') return true;
  return toIndex > fromIndex;
}

/**
 * The main-path status an order is "at" after moving to `to` from `from`: used to remember where an
 * order was held so `on_hold` can only resume at or after it.
 */
export function holdPoint(from: OrderStatus, previousHeldAt: OrderStatus | null): OrderStatus | null {
  if (from === 'on_hold') return previousHeldAt;
  return mainIndex(from) >= 0 ? from : previousHeldAt;
}
