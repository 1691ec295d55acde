import { customerSessionBody, customerSessionResponse, signInCodeBody } from '../customer-session-schemas';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';

/**
 * Customers signing in to the portal with a code sent to their email or phone (API.md "Customer portal"). Neither
 * route takes a token; every call spends its client address's anonymous budget, so guessing codes or asking for many
 * is answered 429 soon.
 */
export function customerSessionRoutes({ customerSessions, rateLimit }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/customer-sessions/start',
      operationId: 'requestSignInCode',
      summary:
        'Ask for a 6-digit sign-in code to an email or phone: always 202, the same answer whether or not a customer of the tenant has that address (when one does, the code goes there; at most 3 an hour per address)',
      roles: 'public',
      body: signInCodeBody,
      status: 202,
      errors: [429],
      handler: async ({ ctx, body }) => {
        await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
        // Only queued: who holds the address is looked up after this answer, so it shows neither here nor in its timing.
        customerSessions.request('email' in body ? { tenant: body.tenant, email: body.email } : { tenant: body.tenant, phone: body.phone });
        return {};
      },
    }),
    route({
      method: 'post',
      path: '/v1/customer-sessions',
      operationId: 'startCustomerSession',
      summary:
        'Sign in with the code sent to the email or phone: a customer token for 30 days; a wrong, expired or used code, too many tries or an unknown tenant or address are all 401',
      roles: 'public',
      body: customerSessionBody,
      status: 201,
      response: customerSessionResponse,
      headers: { 'Cache-Control': 'no-store: the answer is a credential' },
      errors: [401, 429],
      handler: async ({ ctx, body }) => {
        await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
        const target = 'email' in body ? { email: body.email } : { phone: body.phone };
        const session = await customerSessions.signIn({ tenant: body.tenant, code: body.code, ...target });
        return { body: session, headers: { 'Cache-Control': 'no-store' } };
      },
    }),
  ];
}
