/**
 * What the tracking page says about each status, a failed attempt's reason and a delivery's proof, in the customer's
 * words (API.md "Orders", "Proof of delivery").
 */
import type { FailReason } from '../../domain/proof';
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

/**
 * A failed attempt's reason (API.md "Proof of delivery"), whole sentences so each moves into a catalog as it is:
 * `line` for its timeline entry, `sentence` for the status panel. The reason's `note` stays with the business.
 */
export const REASON_WORDS: Record<FailReason, { line: string; sentence: string }> = {
  not_home: { line: 'Nobody was home', sentence: 'We couldn’t deliver: nobody was home.' },
  refused: { line: 'The delivery was refused', sentence: 'We couldn’t deliver: the delivery was refused.' },
  address_not_found: { line: 'The address could not be found', sentence: 'We couldn’t deliver: the address could not be found.' },
  access_denied: { line: 'The courier could not get in', sentence: 'We couldn’t deliver: the courier could not get in.' },
  damaged: { line: 'The parcel was damaged', sentence: 'We couldn’t deliver: the parcel was damaged.' },
  other: { line: 'Something else prevented it', sentence: 'We couldn’t deliver: something else prevented it.' },
};

/** After a failed attempt's reason, what happens next (the status's own sentence says both, without a reason). */
export const ATTEMPT_NEXT = 'It will be tried again or sent back, and we will keep you posted here.';

/** The proof of delivery's words; `{name}` marks where a value goes (a catalog may move it). */
export const PROOF_WORDS = {
  title: 'Proof of delivery',
  deliveredTo: 'Delivered to {recipient}',
  delivered: 'Delivered',
  photos: 'Photos',
  photo: 'Delivery photo {n} of {count}',
  showPhoto: 'Show delivery photo {n} of {count} larger',
  signature: 'Signature',
  signatureOf: 'Signature of {recipient}',
  recipientSignature: 'The recipient’s signature',
  note: 'Courier’s note',
  close: 'Close',
} as const;
