import type { HttpDeps } from '../deps';
import { paymentBody, transactionResponse } from '../payment-schemas';
import { route, type Route } from '../route';

/** Payments posted on an order (API.md "Payments"): cash collected on delivery. */
export function paymentRoutes({ orders }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/orders/:id/payments',
      operationId: 'recordPayment',
      summary:
        "Cash collected on delivery: by the order's courier while it is out_for_delivery or delivered (else 409 " +
        'illegal_transition), or by the business or staff; the order\'s payment becomes cod_collected. The amount must be ' +
        'in the currency of the amount due (else 400); an order not paid in cash is 409. The same event_id again ' +
        'answers the first transaction and records nothing',
      roles: ['business', 'staff', 'courier'],
      body: paymentBody,
      status: 201,
      response: transactionResponse,
      errors: [404, 409],
      handler: async ({ principal, params, body }) => {
        const reply = await orders.recordPayment(principal, params.id, body);
        return { status: 201, body: reply.transaction! };
      },
    }),
  ];
}
