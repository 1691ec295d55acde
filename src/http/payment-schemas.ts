import { z } from 'zod';
import { id, moneySchema } from './schemas';

/** `POST /v1/orders/:id/payments`: cash collected on delivery. */
export const paymentBody = z.strictObject({
  event_id: id.describe('the poster\'s id for the transaction: the same id again answers the first transaction'),
  kind: z.literal('cod_collected'),
  amount: moneySchema.describe('in the currency of the amount due'),
});

/** A payment transaction (API.md "Payments"). */
export const transactionResponse = z.object({
  id: z.string(),
  order_id: z.string().nullable(),
  provider: z.string().nullable(),
  provider_event_id: z.string().nullable(),
  kind: z.enum(['authorization', 'capture', 'refund', 'failure', 'cod_collected', 'payment']),
  amount: moneySchema,
  occurred_at: z.string(),
  recorded_at: z.string(),
  courier_id: z.string().nullable(),
});
