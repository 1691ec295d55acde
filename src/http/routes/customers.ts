import { requireOwnAccount, requireRole } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { route, type RouteSpec } from '../route';
import { preferencesBody, preferencesResponse } from '../schemas';

/** Customers' notification preferences. */
export function customerRoutes({ preferences }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'put',
      path: '/v1/customers/:id/preferences',
      summary: "Set a customer's alert channels (email, SMS) and where to reach them",
      roles: ['business', 'customer'],
      body: preferencesBody,
      status: 200,
      response: preferencesResponse,
      errors: [404],
      handler: async ({ principal, params, body }) => {
        const caller = requireRole(principal, ['business', 'customer']);
        const customerId = params.id!;
        requireOwnAccount(caller, customerId);
        const stored = await preferences.set(caller.tenantId, customerId, body);
        return { body: { customer_id: customerId, ...stored } };
      },
    }),
  ];
}
