/** Times in the viewer's own time zone, in the page's language (`Intl`, see shared/i18n.ts). */
import { Formats, type Language } from '../shared/i18n';

const dayKey = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit' });

/** The tracking page's formats: the shared ones, and the short and full times its timeline and panels show. */
export class TrackFormats extends Formats {
  private readonly full: Intl.DateTimeFormat;
  private readonly relative: Intl.RelativeTimeFormat | null;

  /** @param dayAndTime joins a day's name and a time of day as the language does ("Yesterday, 14:05") */
  constructor(
    language: Language,
    private readonly dayAndTime: (day: string, time: string) => string,
  ) {
    super(language);
    this.full = new Intl.DateTimeFormat(language, { dateStyle: 'full', timeStyle: 'short' });
    this.relative = typeof Intl.RelativeTimeFormat === 'function' ? new Intl.RelativeTimeFormat(language, { numeric: 'auto' }) : null;
  }

  /** "14:05" today, "Yesterday, 14:05"-style day names next to it, a date further off: short enough for a phone. */
  formatWhen(iso: string, now = new Date()): string {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    const days = dayDifference(date, now);
    if (days === 0) return this.formatTime(iso);
    if ((days === -1 || days === 1) && this.relative) return this.dayAndTime(capitalise(this.relative.format(days, 'day')), this.formatTime(iso));
    return this.formatDateTime(iso);
  }

  /** The unambiguous form, for a tooltip. */
  formatFull(iso: string): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : this.full.format(date);
  }
}

/** Whole calendar days from `now` to `date` in the viewer's zone (negative: in the past). */
function dayDifference(date: Date, now: Date): number {
  const day = (value: Date): number => Date.parse(`${dayKey.format(value)}T00:00:00Z`);
  return Math.round((day(date) - day(now)) / 86_400_000);
}

/** A sentence's first letter in capitals (scripts without case are left as they are). */
function capitalise(text: string): string {
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
