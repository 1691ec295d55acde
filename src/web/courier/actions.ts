/** Which scans an order allows, from the server's own status machine (src/domain): the app offers only those. */
import { SCAN_STATUS, SCAN_TYPES, type ScanType } from '../../domain/scan';
import { canTransition, type OrderStatus } from '../../domain/status';
import type { QueuedAction } from './device-store';

/**
 * The scans that can move an order on from `status`. An order on hold may resume at any main-path step here (the
 * app does not know where it was held); the server refuses one too early, and the app shows why.
 */
export function allowedScans(status: OrderStatus | null): ScanType[] {
  // An order not on the courier's list: only a pickup can take it (API.md: a pickup assigns an unassigned order).
  if (status === null) return ['pickup'];
  return SCAN_TYPES.filter((type) => canTransition(status, SCAN_STATUS[type], null));
}

/** The status an order will have once the actions waiting for it are applied: the next action starts from it. */
export function expectedStatus(status: OrderStatus, waiting: readonly QueuedAction[], orderId: string): OrderStatus {
  let expected = status;
  for (const action of waiting) {
    if (action.order_id !== orderId || action.scan_sent) continue;
    const next = SCAN_STATUS[action.type];
    if (canTransition(expected, next, null)) expected = next;
  }
  return expected;
}
