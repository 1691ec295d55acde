import { requireOwnAccount } from '../../domain/principal';
import { codeSentResponse, contactBody, customerViewResponse } from '../contact-schemas';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { preferencesBody, preferencesResponse, storedPreferencesResponse } from '../schemas';

const NO_STORE = { 'Cache-Control': 'no-store: the answer carries personal data' } as const;

/** Customers' notification preferences and their own contact addresses. */
export function customerRoutes({ preferences, contacts }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/customers/:id/preferences',
      operationId: 'getCustomerPreferences',
      summary:
        "A customer's alert channels, addresses and language as stored (email and SMS off, push on, no address, updated_at null, when none were set)",
      roles: ['business', 'staff', 'customer'],
      status: 200,
      response: storedPreferencesResponse,
      headers: NO_STORE,
      errors: [404],
      handler: async ({ principal, params: { id: customerId } }) => {
        requireOwnAccount(principal, customerId);
        const stored = await preferences.get(principal.tenantId, customerId);
        const body = stored ?? { email: false, sms: false, push: true, email_address: null, phone: null, locale: null, updated_at: null };
        return { body: { customer_id: customerId, ...body }, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
    route({
      method: 'put',
      path: '/v1/customers/:id/preferences',
      operationId: 'setCustomerPreferences',
      summary:
        "Set a customer's alert channels (Web Push, email, SMS), where to reach them and its language; an address the customer sets itself is used once confirmed",
      roles: ['business', 'customer'],
      body: preferencesBody,
      status: 200,
      response: preferencesResponse,
      errors: [404],
      handler: async ({ principal, params: { id: customerId }, body }) => {
        requireOwnAccount(principal, customerId);
        const stored = await preferences.set(principal.tenantId, customerId, body, principal.role === 'customer' ? 'customer' : 'business');
        return { body: { customer_id: customerId, ...stored } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/customers/me',
      operationId: 'getOwnCustomer',
      summary: 'The calling customer: its name, email address, phone and language, from its latest order and preferences',
      roles: ['customer'],
      status: 200,
      response: customerViewResponse,
      headers: NO_STORE,
      handler: async ({ principal }) => ({ body: await contacts.me(principal), headers: { 'Cache-Control': 'no-store' } }),
    }),
    route({
      method: 'post',
      path: '/v1/customers/me/contact',
      operationId: 'changeOwnContact',
      summary:
        'Change the calling customer’s email address or phone: the address alone sends a 6-digit code to it (202; at most 3 an hour per address, else 429); the address with the code confirms it (200)',
      roles: ['customer'],
      body: contactBody,
      status: 202,
      response: codeSentResponse.or(customerViewResponse),
      headers: NO_STORE,
      alsoReturns: [{ status: 200, description: 'The address is confirmed: the customer as it is now (its preferences hold the address)' }],
      handler: async ({ principal, body }) => {
        const target = 'email' in body ? { email: body.email } : { phone: body.phone };
        if (body.code === undefined) {
          const sent = await contacts.requestCode(principal, target);
          return { status: 202, body: sent, headers: { 'Cache-Control': 'no-store' } };
        }
        return { status: 200, body: await contacts.confirm(principal, target, body.code), headers: { 'Cache-Control': 'no-store' } };
      },
    }),
  ];
}
