import type { OrderStatus } from './status';

/** Courier scan types and the status each one moves an order to (API.md "Couriers"). */
export const SCAN_STATUS = {
  pickup: 'shipped',
  hub_in: 'in_transit',
  hub_out: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  failed_attempt: 'failed_attempt',
} as const satisfies Record<string, OrderStatus>;

export type ScanType = keyof typeof SCAN_STATUS;
export const SCAN_TYPES = Object.keys(SCAN_STATUS) as ScanType[];

export function statusForScan(type: ScanType): OrderStatus {
  return SCAN_STATUS[type];
}
