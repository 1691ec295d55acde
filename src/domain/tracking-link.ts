import type { Order } from './order';
import { TERMINAL_STATUSES } from './status';

const DAY_MS = 24 * 3600 * 1000;
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/**
 * Whether a tracking link of generation `generation` still opens the order (API.md "Tracking links"): it is the
 * order's current link, the customer's personal data is still held, and the order has not been over (delivered,
 * returned or cancelled) for more than `linkDays` days. The order's last applied event is the one that made it
 * terminal, so its time is when the order's course ended.
 */
export function trackingLinkHolds(
  order: Pick<Order, 'status' | 'last_event_at' | 'erased_at' | 'tracking_generation'>,
  generation: number,
  linkDays: number,
  nowMs: number,
): boolean {
  if (generation !== (order.tracking_generation ?? 0)) return false;
  if (order.erased_at) return false;
  if (!TERMINAL.has(order.status)) return true;
  return nowMs < Date.parse(order.last_event_at) + linkDays * DAY_MS;
}

/** The tracking page of an order as links hand it out (alerts, previews): `base` is the server's public origin. */
export function trackingPageUrl(base: string, orderId: string, token: string): string {
  return `${base.replace(/\/+$/, '')}/track/${encodeURIComponent(orderId)}?token=${token}`;
}
