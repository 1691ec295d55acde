import { SCAN_TYPES, statusForScan, type ScanType } from '../../src/domain/scan';
import type { OrderStatus } from '../../src/domain/status';

/** API.md "Couriers": scan types → status, written out by hand. */
const EXPECTED: Record<ScanType, OrderStatus> = {
  pickup: 'shipped',
  hub_in: 'in_transit',
  hub_out: 'in_transit',
  out_for_delivery: 'out_for_delivery',
  delivered: 'delivered',
  failed_attempt: 'failed_attempt',
};

describe('scan types', () => {
  it.each(Object.entries(EXPECTED))('a %s scan moves the order to %s', (type, status) => {
    expect(statusForScan(type as ScanType)).toBe(status);
  });

  it('knows exactly the scan types of the contract', () => {
    expect([...SCAN_TYPES].sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});
