import { requireRole } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { route, type RouteSpec } from '../route';
import { tenantBody, tenantResponse, tenantSettingsBody, tenantSettingsResponse, tokenBody, tokenResponse } from '../schemas';

/** Tenants (platform admin) and the tokens a business mints for its people. */
export function tenantRoutes({ tenants, tokens }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/tenants',
      summary: 'Create a tenant; its API key is returned once',
      roles: ['admin'],
      body: tenantBody,
      status: 201,
      response: tenantResponse,
      handler: async ({ body }) => {
        const { tenant, apiKey } = await tenants.create(body.name);
        return { body: { id: tenant.id, name: tenant.name, api_key: apiKey } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/tokens',
      summary: 'Mint a customer, courier or staff token',
      roles: ['business'],
      body: tokenBody,
      status: 201,
      response: tokenResponse,
      handler: async ({ principal, body }) => {
        const business = requireRole(principal, ['business']);
        return { body: tokens.mint(business.tenantId, body.role, body.subject, body.ttl_s) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/tenants/me/settings',
      summary: "The tenant's settings: retention of personal data, arrival radius, quiet hours",
      roles: ['business'],
      status: 200,
      response: tenantSettingsResponse,
      handler: async ({ principal }) => {
        const business = requireRole(principal, ['business']);
        return { body: await tenants.settings(business.tenantId) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/tenants/me/settings',
      summary: 'Change settings: the fields given change, the others stay; answers them all',
      roles: ['business'],
      body: tenantSettingsBody,
      status: 200,
      response: tenantSettingsResponse,
      handler: async ({ principal, body }) => {
        const business = requireRole(principal, ['business']);
        return { body: await tenants.changeSettings(business.tenantId, body) };
      },
    }),
  ];
}
