import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { PaymentTransaction } from '../../domain/payment';
import type { HttpDeps } from '../deps';
import {
  matchBody,
  paymentBody,
  transactionPageResponse,
  transactionResponse,
  transactionsExportQuery,
  transactionsQuery,
} from '../payment-schemas';
import { route, type Route } from '../route';
import { decodeTransactionCursor, encodeTransactionCursor } from './cursor';

const TRANSACTION_READERS = ['business', 'staff'] as const;

/** The CSV columns of `GET /v1/payments/transactions.csv`, in order. */
const CSV_COLUMNS = [
  'id',
  'order_id',
  'provider',
  'provider_event_id',
  'kind',
  'amount_value',
  'amount_currency',
  'occurred_at',
  'recorded_at',
  'courier_id',
] as const;

/** Payments posted on an order (API.md "Payments"): cash collected on delivery. */
export function paymentRoutes({ orders, payments, logger }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/orders/:id/payments',
      operationId: 'recordPayment',
      summary:
        "Cash collected on delivery: by the order's courier while it is out_for_delivery or delivered (else 409 " +
        'illegal_transition), or by the business or staff; the order\'s payment becomes cod_collected. The amount must be ' +
        'in the currency of the amount due (else 400); an order not paid in cash is 409. Or a payment or a refund taken ' +
        'elsewhere (business, staff): it moves the payment as a provider\'s capture or refund would; a refund beyond what ' +
        'was paid less refunds, or another currency, is 400; a cash-on-delivery order is 409. The same event_id again ' +
        'answers the first transaction and records nothing',
      roles: ['business', 'staff', 'courier'],
      body: paymentBody,
      status: 201,
      response: transactionResponse,
      errors: [403, 404, 409],
      handler: async ({ principal, params, body }) => {
        const reply = await orders.recordPayment(principal, params.id, body);
        return { status: 201, body: reply.transaction! };
      },
    }),
    route({
      method: 'get',
      path: '/v1/payments/transactions',
      operationId: 'listTransactions',
      summary:
        'The payment transactions, newest recorded first: from/to bound recorded_at ([from, to)); match=unmatched: ' +
        'provider events that named no known order',
      roles: TRANSACTION_READERS,
      query: transactionsQuery,
      status: 200,
      response: transactionPageResponse,
      handler: async ({ principal, query }) => {
        const page = await payments.list(principal.tenantId, {
          ...query.filter,
          limit: query.limit,
          after: query.cursor ? decodeTransactionCursor(query.cursor) : undefined,
        });
        return { body: { items: page.items, next_cursor: encodeTransactionCursor(page.next) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/payments/transactions.csv',
      operationId: 'exportTransactionsCsv',
      summary: 'Every transaction matching the filters of GET /v1/payments/transactions, newest first, as text/csv (streamed): ' + CSV_COLUMNS.join(','),
      roles: TRANSACTION_READERS,
      query: transactionsExportQuery,
      status: 200,
      produces: 'text/csv',
      headers: { 'Content-Disposition': 'attachment; filename="transactions.csv"' },
      handler: async ({ principal, query }) => {
        const pages = payments.export(principal.tenantId, query);
        // The first page is read before answering: a store that cannot serve it gets an error answer, not a 200 cut short.
        const first = await pages.next();
        async function* records(): AsyncGenerator<Record<(typeof CSV_COLUMNS)[number], string>> {
          let step = first;
          while (!step.done) {
            for (const transaction of step.value) yield csvRecord(transaction);
            step = await pages.next();
          }
        }
        const body = Readable.from(records()).pipe(stringify({ header: true, columns: [...CSV_COLUMNS], escape_formulas: true }));
        body.on('error', (error) => logger.error({ err: error }, 'transactions CSV export failed mid-stream'));
        return {
          body,
          headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="transactions.csv"' },
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/payments/transactions/:id/match',
      operationId: 'matchTransaction',
      summary:
        "Applies an unmatched transaction to one of the tenant's orders, as if the provider's event had named it; the " +
        'answer is the transaction, now naming the order. One that names an order already is 409 illegal_transition',
      roles: TRANSACTION_READERS,
      body: matchBody,
      status: 200,
      response: transactionResponse,
      errors: [404, 409],
      handler: async ({ principal, params, body }) => ({ body: await payments.match(principal.tenantId, params.id, body.order_id) }),
    }),
  ];
}

function csvRecord(transaction: PaymentTransaction): Record<(typeof CSV_COLUMNS)[number], string> {
  return {
    id: transaction.id,
    order_id: transaction.order_id ?? '',
    provider: transaction.provider ?? '',
    provider_event_id: transaction.provider_event_id ?? '',
    kind: transaction.kind,
    amount_value: String(transaction.amount.value),
    amount_currency: transaction.amount.currency,
    occurred_at: transaction.occurred_at,
    recorded_at: transaction.recorded_at,
    courier_id: transaction.courier_id ?? '',
  };
}
