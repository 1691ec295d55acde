/** What the tracking page says about each status, in the customer's words (API.md "Orders"). */
import type { ScanType } from '../../domain/scan';
import { MAIN_PATH, type OrderStatus } from '../../domain/status';

export type Tone = 'progress' | 'done' | 'warning' | 'stopped';

interface StatusWords {
  /** The headline: the status in words. */
  title: string;
  /** One sentence: what it means for the customer. */
  sentence: string;
  /** Progress colour: on the main path, finished, needs attention, or will not arrive. */
  tone: Tone;
}

export const STATUS_WORDS: Record<OrderStatus, StatusWords> = {
  placed: { title: 'Order placed', sentence: 'We have your order and will start preparing it soon.', tone: 'progress' },
  processing: { title: 'Being prepared', sentence: 'Your order is being packed for shipping.', tone: 'progress' },
  shipped: { title: 'Shipped', sentence: 'Your parcel has left the sender and is with our courier.', tone: 'progress' },
  in_transit: { title: 'On its way', sentence: 'Your parcel is moving through our network towards you.', tone: 'progress' },
  out_for_delivery: { title: 'Out for delivery', sentence: 'A courier is on the way to you with your parcel.', tone: 'progress' },
  delivered: { title: 'Delivered', sentence: 'Your parcel has been delivered. Enjoy!', tone: 'done' },
  failed_attempt: {
    title: 'Delivery attempt missed',
    sentence: 'The courier could not deliver your parcel this time; it will be tried again or sent back, and we will keep you posted here.',
    tone: 'warning',
  },
  on_hold: {
    title: 'On hold',
    sentence: 'Your order is paused for now and will continue as soon as the hold is lifted.',
    tone: 'warning',
  },
  returned: {
    title: 'Returned',
    sentence: 'Your parcel is going back to the sender, who will be in touch about what happens next.',
    tone: 'stopped',
  },
  cancelled: { title: 'Cancelled', sentence: 'This order was cancelled and will not be delivered.', tone: 'stopped' },
};

/** Shorter names for the progress bar where the headline is long. */
const STEP_NAMES: Partial<Record<OrderStatus, string>> = { placed: 'Placed', processing: 'Preparing' };

/** The progress bar's steps: the main path, each with its label. */
export const STEPS: ReadonlyArray<{ status: OrderStatus; label: string }> = MAIN_PATH.map((status) => ({
  status,
  label: STEP_NAMES[status] ?? STATUS_WORDS[status].title,
}));

/** What a courier's scan adds to its status in the timeline. */
export const SCAN_WORDS: Record<ScanType, string> = {
  pickup: 'Picked up by the courier',
  hub_in: 'Arrived at a sorting hub',
  hub_out: 'Left a sorting hub',
  out_for_delivery: 'Loaded for delivery',
  delivered: 'Confirmed by the courier',
  failed_attempt: 'Reported by the courier',
};

/** Index on the main path (of {@link STEPS}), or -1 for the exception statuses. */
export function stepIndex(status: OrderStatus): number {
  return MAIN_PATH.indexOf(status);
}
