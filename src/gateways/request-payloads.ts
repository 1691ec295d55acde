import { z } from 'zod';
import { ValidationError } from '../domain/errors';
import { isText, NOT_TEXT_MESSAGE } from '../domain/text';

// Longer than any order id the API hands out; a longer one cannot name an order.
const MAX_ID_LENGTH = 200;

/**
 * The payload of `subscribe` and `unsubscribe` (API.md "Live updates"). `unsubscribe` takes the same checks and
 * ignores `since_seq`. Other fields are ignored.
 */
export const orderRequestPayload = z.object({
  order_id: z
    .string({ error: 'must be a non-empty string' })
    .min(1, 'must be a non-empty string')
    .max(MAX_ID_LENGTH, `must be at most ${MAX_ID_LENGTH} characters`)
    // A socket message is JSON: its `\u` escapes can spell a NUL or a lone surrogate, which no store keeps as sent.
    .refine(isText, NOT_TEXT_MESSAGE),
  since_seq: z
    .number({ error: 'must be a non-negative integer' })
    .min(0, 'must be a non-negative integer')
    // Any integer, as API.md says: `.int()` would also refuse those past 2^53.
    .refine(Number.isInteger, 'must be a non-negative integer')
    .optional(),
});

export interface OrderRequest {
  orderId: string;
  sinceSeq: number | undefined;
}

/** Reads a `subscribe`/`unsubscribe` payload; a bad one is `validation_failed`. */
export function parseOrderRequest(payload: unknown): OrderRequest {
  // No payload at all is read as an empty one: its answer names the missing `order_id`.
  const checked = orderRequestPayload.safeParse(payload ?? {});
  if (!checked.success) {
    throw new ValidationError(
      'the request payload is not valid',
      checked.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code })),
    );
  }
  return { orderId: checked.data.order_id, sinceSeq: checked.data.since_seq };
}
