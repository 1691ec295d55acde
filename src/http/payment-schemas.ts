import { z } from 'zod';
import { PAYMENT_PROVIDERS } from '../payments/provider-event';
import { id, instant, moneySchema } from './schemas';

const eventId = id.describe('the poster\'s id for the transaction: the same id again answers the first transaction');

/**
 * `POST /v1/orders/:id/payments`: cash collected on delivery (the order's courier, business, staff), or a payment or a
 * refund taken elsewhere (business, staff).
 */
export const paymentBody = z.discriminatedUnion('kind', [
  z.strictObject({
    event_id: eventId,
    kind: z.literal('cod_collected'),
    amount: moneySchema.describe('in the currency of the amount due'),
  }),
  z.strictObject({
    event_id: eventId,
    kind: z.enum(['payment', 'refund']),
    amount: moneySchema.describe("in the currency of the order's payment; a refund at most what was paid less refunds"),
    method: z.enum(['card', 'wallet', 'bank_transfer', 'cash']),
    reference: z.string().min(1).max(200).optional().describe("the payment's reference where it was taken (a bank transfer's, a terminal's)"),
  }),
]);

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

const TRANSACTION_KINDS = ['authorization', 'capture', 'refund', 'failure', 'cod_collected', 'payment'] as const;

/** The filters of `GET /v1/payments/transactions` and its CSV; `from`/`to` bound `recorded_at`. */
const transactionFilterFields = {
  from: instant.optional().describe('recorded at or after'),
  to: instant.optional().describe('recorded before'),
  provider: z.enum([...PAYMENT_PROVIDERS, 'none']).optional().describe('none: the transactions no provider reported (posted)'),
  kind: z.enum(TRANSACTION_KINDS).optional(),
  match: z.enum(['matched', 'unmatched']).optional().describe('unmatched: provider events naming no known order'),
  order_id: id.optional(),
};

function toTransactionFilter({ order_id, provider, ...rest }: { from?: string; to?: string; provider?: string; kind?: (typeof TRANSACTION_KINDS)[number];
  match?: 'matched' | 'unmatched'; order_id?: string }) {
  return { ...rest, ...(provider !== undefined ? { provider: provider === 'none' ? null : provider } : {}), ...(order_id !== undefined ? { orderId: order_id } : {}) };
}

/** `GET /v1/payments/transactions`. */
export const transactionsQuery = z
  .strictObject({
    ...transactionFilterFields,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .transform(({ limit, cursor, ...filters }) => ({ filter: toTransactionFilter(filters), limit, cursor }));

/** `GET /v1/payments/transactions.csv`: every transaction matching the filters. */
export const transactionsExportQuery = z.strictObject(transactionFilterFields).transform(toTransactionFilter);

export const transactionPageResponse = z.object({ items: z.array(transactionResponse), next_cursor: z.string().nullable() });

/** `POST /v1/payments/transactions/:id/match`. */
export const matchBody = z.strictObject({ order_id: id.describe('the order the unmatched transaction is applied to') });
