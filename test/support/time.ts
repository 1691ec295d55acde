/** An ISO instant `offsetMs` from now: an event's `occurred_at`, a scan's time, a deadline. */
export function iso(offsetMs = 0): string {
  return new Date(Date.now() + offsetMs).toISOString();
}
