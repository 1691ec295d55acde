import { ValidationError } from '../../domain/errors';
import type { OrderCursor } from '../../store/search/port';
import type { PrivacyAuditCursor } from '../../store/privacy/port';
import type { TransactionCursor } from '../../store/payments/port';

/** Opaque page cursors: base64url of the last item's sort key, a pair of strings. */
function encodeKey(key: readonly [string, string]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** @throws ValidationError for a cursor this server did not issue. */
function decodeKey(text: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string')) {
      return [value[0] as string, value[1] as string];
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('the request query is not valid', [{ path: 'cursor', message: 'not a cursor from this API' }]);
}

/** An order page's cursor (orders by creation). */
export function encodeCursor(cursor: OrderCursor | null): string | null {
  return cursor ? encodeKey([cursor.created_at, cursor.id]) : null;
}

/** @throws ValidationError for a cursor this server did not issue. */
export function decodeCursor(text: string): OrderCursor {
  const [createdAt, id] = decodeKey(text);
  return { created_at: createdAt, id };
}

/** A privacy audit page's cursor (entries by time). */
export function encodeAuditCursor(cursor: PrivacyAuditCursor | null): string | null {
  return cursor ? encodeKey([cursor.at, cursor.id]) : null;
}

/** @throws ValidationError for a cursor this server did not issue. */
export function decodeAuditCursor(text: string): PrivacyAuditCursor {
  const [at, id] = decodeKey(text);
  return { at, id };
}

/** A courier page's cursor (couriers by id). */
export function encodeCourierCursor(courierId: string | null): string | null {
  return courierId === null ? null : encodeKey(['courier', courierId]);
}

/** @throws ValidationError for a cursor this server did not issue. */
export function decodeCourierCursor(text: string): string {
  return decodeKey(text)[1];
}

/** A transactions page's cursor (newest recorded first). */
export function encodeTransactionCursor(cursor: TransactionCursor | null): string | null {
  return cursor ? encodeKey([cursor.recorded_at, cursor.id]) : null;
}

/** @throws ValidationError for a cursor this server did not issue. */
export function decodeTransactionCursor(text: string): TransactionCursor {
  const [recordedAt, id] = decodeKey(text);
  // A time the stores compare with theirs: anything else was not issued here.
  if (Number.isNaN(Date.parse(recordedAt))) {
    throw new ValidationError('the request query is not valid', [{ path: 'cursor', message: 'not a cursor from this API' }]);
  }
  return { recorded_at: new Date(recordedAt).toISOString(), id };
}
