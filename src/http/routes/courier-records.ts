import { toOrderView } from '../../domain/order';
import { UnauthorizedError } from '../../domain/errors';
import {
  courierInviteResponse,
  courierListQuery,
  courierPageResponse,
  courierResponse,
  courierSessionBody,
  courierSessionResponse,
  createCourierBody,
  ownOrdersResponse,
  updateCourierBody,
} from '../courier-schemas';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { decodeCourierCursor, encodeCourierCursor } from './cursor';

const MANAGERS = ['business', 'staff'] as const;

/** Courier records (API.md "Courier records"): the records, invites, the courier app's sign-in and its own reads. */
export function courierRecordRoutes({ courierRecords, rateLimit, publicUrl }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/couriers',
      operationId: 'createCourier',
      summary: 'Create a courier record (active); 409 already_exists for an id the tenant has',
      roles: MANAGERS,
      body: createCourierBody,
      status: 201,
      response: courierResponse,
      errors: [409],
      handler: async ({ principal, body }) => ({ body: await courierRecords.create(principal.tenantId, body) }),
    }),
    route({
      method: 'get',
      path: '/v1/couriers',
      operationId: 'listCouriers',
      summary: "The tenant's couriers by id; active=true|false keeps only those",
      roles: MANAGERS,
      query: courierListQuery,
      status: 200,
      response: courierPageResponse,
      handler: async ({ principal, query }) => {
        const page = await courierRecords.list(principal.tenantId, {
          active: query.active,
          limit: query.limit,
          after: query.cursor ? decodeCourierCursor(query.cursor) : undefined,
        });
        return { body: { items: page.items, next_cursor: encodeCourierCursor(page.next) } };
      },
    }),
    // Before `/v1/couriers/:id`, which would take `me` for an id.
    route({
      method: 'get',
      path: '/v1/couriers/me',
      operationId: 'getOwnCourierRecord',
      summary: "The calling courier's record (404 when it has none)",
      roles: ['courier'],
      status: 200,
      response: courierResponse,
      errors: [404],
      handler: async ({ principal }) => ({ body: await courierRecords.get(principal.tenantId, principal.subject) }),
    }),
    route({
      method: 'get',
      path: '/v1/couriers/me/orders',
      operationId: 'listOwnCourierOrders',
      summary:
        "The calling courier's orders that are not terminal, and those it delivered in the last 24 hours, by promised_by " +
        '(none last) then created_at',
      roles: ['courier'],
      status: 200,
      response: ownOrdersResponse,
      handler: async ({ principal }) => {
        const orders = await courierRecords.ownOrders(principal.tenantId, principal.subject);
        return { body: { items: orders.map((order) => toOrderView(order)) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/couriers/:id',
      operationId: 'getCourier',
      summary: 'A courier record',
      roles: MANAGERS,
      status: 200,
      response: courierResponse,
      errors: [404],
      handler: async ({ principal, params }) => ({ body: await courierRecords.get(principal.tenantId, params.id) }),
    }),
    route({
      method: 'patch',
      path: '/v1/couriers/:id',
      operationId: 'updateCourier',
      summary:
        "Change a courier record; active: false refuses the courier's every token and socket at once on every node, " +
        'active: true lets tokens minted from then on in',
      roles: MANAGERS,
      body: updateCourierBody,
      status: 200,
      response: courierResponse,
      errors: [404],
      handler: async ({ principal, params, body }) => ({ body: await courierRecords.update(principal.tenantId, params.id, body) }),
    }),
    route({
      method: 'post',
      path: '/v1/couriers/:id/invites',
      operationId: 'inviteCourier',
      summary: 'A one-time sign-in link for the courier app, valid 24 hours (the code is shown only here)',
      roles: MANAGERS,
      status: 201,
      response: courierInviteResponse,
      errors: [404],
      handler: async ({ ctx, principal, params }) => ({
        body: await courierRecords.invite(principal.tenantId, params.id, publicUrl ?? `${ctx.protocol}://${ctx.host}`),
      }),
    }),
    route({
      method: 'post',
      path: '/v1/courier-sessions',
      operationId: 'startCourierSession',
      summary: 'Spend an invite for a courier token of 30 days; a used, expired or unknown code is 401',
      roles: 'public',
      body: courierSessionBody,
      status: 201,
      response: courierSessionResponse,
      errors: [401],
      handler: async ({ ctx, body }) => {
        try {
          return { body: await courierRecords.startSession(body.invite) };
        } catch (error) {
          // A wrong code spends the address's budget, as a bad token does: guessing is answered 429 soon.
          if (error instanceof UnauthorizedError) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
          throw error;
        }
      },
    }),
  ];
}
