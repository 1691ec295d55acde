/** Times in the viewer's own time zone and language (Intl.DateTimeFormat with the browser's defaults). */

const timeOnly = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });
const dayKey = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });
const relative = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }) : null;

/** "14:05" today, "yesterday, 14:05"-style day names otherwise: short enough for a phone's timeline. */
export function formatWhen(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const days = dayDifference(date, now);
  if (days === 0) return timeOnly.format(date);
  if ((days === -1 || days === 1) && relative) return `${capitalise(relative.format(days, 'day'))}, ${timeOnly.format(date)}`;
  return dayAndTime.format(date);
}

/** The unambiguous form, for a tooltip. */
export function formatFull(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : full.format(date);
}

/** Whole calendar days from `now` to `date` in the viewer's zone (negative: in the past). */
function dayDifference(date: Date, now: Date): number {
  const day = (value: Date): number => Date.parse(`${dayKey.format(value)}T00:00:00Z`);
  return Math.round((day(date) - day(now)) / 86_400_000);
}

function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
