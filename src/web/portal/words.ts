/** Codes of the API in the customer's words: the catalog keys that say them, and how each status looks. */
import type { MessageKey } from './i18n/en';
import type { OrderStatus } from './wire';

/** The look of a status: on the main path, finished, needs attention, or will not arrive. */
export type Tone = 'progress' | 'done' | 'warning' | 'stopped';

export const STATUS_TONE: Record<OrderStatus, Tone> = {
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

/** The progress bar's steps: the main path (the domain's MAIN_PATH, spelt out so each has its catalog key). */
export const STEPS = ['placed', 'processing', 'shipped', 'in_transit', 'out_for_delivery', 'delivered'] as const satisfies readonly OrderStatus[];

/** Index on the main path, or -1 for the exception statuses. */
export function stepIndex(status: OrderStatus): number {
  return (STEPS as readonly OrderStatus[]).indexOf(status);
}

/**
 * The furthest main-path step an order in `status` surely reached, for the progress bar of an exception status when
 * its history is not at hand (a failed attempt comes only from out for delivery).
 */
export function furthestStep(status: OrderStatus): number {
  return status === 'failed_attempt' ? stepIndex('out_for_delivery') : Math.max(0, stepIndex(status));
}

/** Refusals a customer meets, in words; any other code is said generically. */
const REFUSALS = new Map<string, MessageKey>([
  ['validation_failed', 'refusal_validation_failed'],
  ['insufficient_points', 'redeem_insufficient'],
  ['rate_limited', 'busy'],
  ['forbidden', 'refusal_forbidden'],
  ['not_found', 'refusal_not_found'],
  ['idempotency_conflict', 'refusal_other'],
]);

export function refusalWords(code: string | undefined): MessageKey {
  return (code === undefined ? undefined : REFUSALS.get(code)) ?? 'refusal_other';
}
