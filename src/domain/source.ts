import { randomBytes } from 'node:crypto';
import type { OrderStatus } from './status';

/**
 * Codes one source may map. A carrier's whole code list is a few dozen; past this a map is a mistake (a code per
 * parcel), and every batch reads the map whole.
 */
export const MAX_SOURCE_CODES = 200;

/** Events in one batch a source posts (as scans: a backlog in one call, bounded). */
export const MAX_SOURCE_BATCH = 500;

/** The error code of a batch item whose code the source's map does not hold (an item's result, never a response). */
export const UNMAPPED_CODE = 'unmapped_code';

/**
 * Our status for a source's code, or null for a code its map does not hold. Own keys only: a code such as
 * `constructor` or `__proto__` is a code like any other, never something inherited.
 */
export function statusForCode(statusMap: Readonly<Record<string, OrderStatus>>, code: string): OrderStatus | null {
  return Object.hasOwn(statusMap, code) ? statusMap[code]! : null;
}

/**
 * A source's signing secret as Standard Webhooks writes it: `whsec_` and the base64 of 32 random bytes (the spec
 * asks for 24 to 64).
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
