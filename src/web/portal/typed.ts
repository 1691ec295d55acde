/** What the portal's forms read from what the customer typed. */

/** A coordinate as typed (a comma for the decimal point too), or null; `limit` is 90 or 180. */
export function readCoordinate(typed: string, limit: number): number | null {
  const text = typed.trim().replace(',', '.');
  if (!/^-?\d{1,3}(\.\d+)?$/.test(text)) return null;
  const value = Number(text);
  return Math.abs(value) <= limit ? value : null;
}

/** A `datetime-local` value (the device's own zone) as an ISO instant, or null. */
export function localToIso(value: string): string | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** The `datetime-local` value of an instant in the device's zone, to the minute. */
export function localValue(date: Date): string {
  const pad = (part: number): string => String(part).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Points typed in any digits the customer's keyboard gives (Arabic-Indic included), as a whole number. */
export function readPoints(typed: string): number | null {
  const western = typed.trim().replace(/[\u0660-\u0669]/g, (digit) => String(digit.charCodeAt(0) - 0x0660)).replace(/[\u06f0-\u06f9]/g, (digit) => String(digit.charCodeAt(0) - 0x06f0));
  if (!/^\d{1,9}$/.test(western)) return null;
  const points = Number(western);
  return points >= 1 ? points : null;
}
