import { DateTime } from 'luxon';
import type { QuietHours } from './tenant-settings';

/**
 * When the quiet hours around `now` end, or null when `now` is outside them (API.md "Arrival": email and SMS
 * alerts due inside wait for the end). `start`–`end` is a daily span of local times in `time_zone`; one that
 * runs past midnight (21:00–08:00) ends on the next day. Daylight-saving gaps are Luxon's: a local time that does
 * not exist that day moves forward to the first one that does.
 */
export function quietHoursEnd(quiet: QuietHours | null, now: Date): Date | null {
  if (!quiet) return null;
  const local = DateTime.fromJSDate(now, { zone: quiet.time_zone });
  if (!local.isValid) return null;
  const minute = local.hour * 60 + local.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const overnight = start > end;
  const inside = overnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inside) return null;
  // Past midnight already (or a same-day span): today's end; before midnight of an overnight span: tomorrow's.
  const day = overnight && minute >= start ? local.plus({ days: 1 }) : local;
  return day.set({ hour: Math.floor(end / 60), minute: end % 60, second: 0, millisecond: 0 }).toJSDate();
}

function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours! * 60 + minutes!;
}
