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

/** An amount in minor units of its row's currency. */
const minorUnits = z.number().int();

/** `GET /v1/reports/payments` (API.md "Payments"). */
export const paymentReportResponse = z.object({
  by_provider: z
    .array(
      z.object({
        provider: z.string(),
        currency: z.string(),
        paid: minorUnits.describe('captures and payments'),
        refunded: minorUnits,
        count: z.number().int().describe('transactions of every kind'),
      }),
    )
    .describe('per provider and currency, the transactions a provider reported that were recorded in [from, to)'),
  cash: z
    .array(
      z.object({
        courier_id: z.string(),
        currency: z.string(),
        due: minorUnits.describe(
          'now, whatever the range: amount_due of the orders assigned to the courier whose payment is cod_due, not cancelled or returned',
        ),
        collected: minorUnits.describe('cod_collected transactions recorded in [from, to) on the courier'),
      }),
    )
    .describe('per courier and currency'),
  unmatched: z.number().int().describe('transactions recorded in [from, to) that name no known order'),
});
