import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import {
  apiKeyResponse,
  revokeBody,
  revokeResponse,
  tenantBody,
  tenantResponse,
  tenantSettingsBody,
  tenantSettingsResponse,
  tokenBody,
  tokenResponse,
} from '../schemas';

/** Tenants (platform admin) and the tokens a business mints for its people. */
export function tenantRoutes({ tenants, tokens, credentials }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/tenants',
      operationId: 'createTenant',
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
      operationId: 'mintToken',
      summary: 'Mint a customer, courier or staff token',
      roles: ['business'],
      body: tokenBody,
      status: 201,
      response: tokenResponse,
      handler: async ({ principal, body }) => {
        return { body: tokens.mint(principal.tenantId, body.role, body.subject, body.ttl_s) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/tokens/revoke',
      operationId: 'revokeTokens',
      summary: "Refuse every token of a subject issued until now, on every node (its sockets are cut); later ones work",
      roles: ['business'],
      body: revokeBody,
      status: 200,
      response: revokeResponse,
      handler: async ({ principal, body }) => {
        return { body: await credentials.revoke(principal.tenantId, body.role, body.subject) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/tenants/me/api-key',
      operationId: 'rotateApiKey',
      summary: "A new API key for the tenant, returned once; the old one is refused at once on every node (its sockets are cut)",
      roles: ['business'],
      status: 201,
      response: apiKeyResponse,
      handler: async ({ principal }) => {
        return { body: await credentials.rotateApiKey(principal.tenantId) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/tenants/me/settings',
      operationId: 'getTenantSettings',
      summary: "The tenant's settings: retention of personal data, arrival radius, quiet hours, languages, the portal's address",
      roles: ['business'],
      status: 200,
      response: tenantSettingsResponse,
      handler: async ({ principal }) => {
        return { body: await tenants.settings(principal.tenantId) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/tenants/me/settings',
      operationId: 'changeTenantSettings',
      summary: "Change settings: the fields given change, the others stay; answers them all. A slug another tenant has is 409 and changes nothing",
      roles: ['business'],
      body: tenantSettingsBody,
      status: 200,
      response: tenantSettingsResponse,
      errors: [409],
      handler: async ({ principal, body }) => {
        return { body: await tenants.changeSettings(principal.tenantId, body) };
      },
    }),
  ];
}
