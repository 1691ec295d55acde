/**
 * How the tracking page speaks of each status, a courier's scan and a failed attempt's reason (API.md "Orders",
 * "Proof of delivery"): the catalog keys that say them (checked against the catalog by the compiler) and each
 * status's tone.
 */
import type { FailReason } from '../../domain/proof';
import type { ScanType } from '../../domain/scan';
import { MAIN_PATH, type OrderStatus } from '../../domain/status';
import type { MessageKey } from './i18n/en';

/** Progress colour: on the main path, finished, needs attention, or will not arrive. */
export type Tone = 'progress' | 'done' | 'warning' | 'stopped';

export const STATUS_TONES: Record<OrderStatus, Tone> = {
  placed: 'progress',
  processing: 'progress',
  shipped: 'progress',
  in_transit: 'progress',
  out_for_delivery: 'progress',
  delivered: 'done',
  failed_attempt: 'warning',
  on_hold: 'warning',
  returned: 'stopped',
  cancelled: 'stopped',
};

/** The headline: the status in words. */
export function statusTitle(status: OrderStatus): `status_${OrderStatus}` & MessageKey {
  return `status_${status}`;
}

/** One sentence: what the status means for the customer. */
export function statusSentence(status: OrderStatus): `status_${OrderStatus}_sentence` & MessageKey {
  return `status_${status}_sentence`;
}

/** The progress bar's steps: the main path. */
export const STEPS: readonly OrderStatus[] = MAIN_PATH;

/** Each step's name under the progress bar (shorter than the headline where that is long). */
const STEP_NAMES: Partial<Record<OrderStatus, MessageKey>> = {
  placed: 'step_placed',
  processing: 'step_processing',
  shipped: 'step_shipped',
  in_transit: 'step_in_transit',
  out_for_delivery: 'step_out_for_delivery',
  delivered: 'step_delivered',
};

export function stepName(status: OrderStatus): MessageKey {
  return STEP_NAMES[status] ?? statusTitle(status);
}

/** Index on the main path (of {@link STEPS}), or -1 for the exception statuses. */
export function stepIndex(status: OrderStatus): number {
  return MAIN_PATH.indexOf(status);
}

/** What a courier's scan adds to its status in the timeline. */
export function scanWords(scan: ScanType): `scan_${ScanType}` & MessageKey {
  return `scan_${scan}`;
}

/**
 * A failed attempt's reason (API.md "Proof of delivery"): `line` for its timeline entry, `sentence` for the status
 * panel (followed there by `attempt_next`). The reason's `note` stays with the business.
 */
export function reasonWords(reason: FailReason): { line: `reason_${FailReason}` & MessageKey; sentence: `reason_${FailReason}_sentence` & MessageKey } {
  return { line: `reason_${reason}`, sentence: `reason_${reason}_sentence` };
}
