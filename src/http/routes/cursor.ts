import { ValidationError } from '../../domain/errors';
import type { OrderCursor } from '../../store/ports/order-search';

/** Opaque page cursors: base64url of the last item's sort key. */
export function encodeCursor(cursor: OrderCursor | null): string | null {
  return cursor ? Buffer.from(JSON.stringify([cursor.created_at, cursor.id])).toString('base64url') : null;
}

/** @throws ValidationError for a cursor this server did not issue. */
export function decodeCursor(text: string): OrderCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string')) {
      return { created_at: value[0] as string, id: value[1] as string };
    }
  } catch {
    // fall through to the validation error
  }
  throw new ValidationError('the request query is not valid', [{ path: 'cursor', message: 'not a cursor from this API' }]);
}
