import { requireOwnAccount } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { preferencesBody, preferencesResponse } from '../schemas';

/** Customers' notification preferences. */
export function customerRoutes({ preferences }: HttpDeps): Route[] {
  return [
    route({
      method: 'put',
      path: '/v1/customers/:id/preferences',
      operationId: 'setCustomerPreferences',
      summary: "Set a customer's alert channels (email, SMS) and where to reach them",
      roles: ['business', 'customer'],
      body: preferencesBody,
      status: 200,
      response: preferencesResponse,
      errors: [404],
      handler: async ({ principal, params: { id: customerId }, body }) => {
        requireOwnAccount(principal, customerId);
        const stored = await preferences.set(principal.tenantId, customerId, body);
        return { body: { customer_id: customerId, ...stored } };
      },
    }),
  ];
}
