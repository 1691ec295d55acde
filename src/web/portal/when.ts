import type { Formats } from '../shared/i18n';

/** A time as short as it can be said: the time alone today, with the day otherwise (in the viewer's time zone). */
export function when(formats: Formats, iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === now.toDateString() ? formats.formatTime(iso) : formats.formatDateTime(iso);
}
