import { requireRole } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { route, type RouteSpec } from '../route';
import { locationBody, scanResultsResponse, scansBody } from '../schemas';

/** Couriers: batched scans and live location. */
export function courierRoutes({ orders, couriers }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/v1/scans',
      summary: 'Upload 1–500 scans; each is applied, duplicate, late or rejected on its own',
      roles: ['courier'],
      body: scansBody,
      status: 200,
      response: scanResultsResponse,
      handler: async ({ principal, body }) => {
        const courier = requireRole(principal, ['courier']);
        return { body: { results: await orders.scan(courier, body.scans) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/couriers/me/location',
      summary: "Report the courier's position: pushed live to watchers of its orders on the way, kept as their last_location",
      roles: ['courier'],
      body: locationBody,
      status: 204,
      handler: async ({ principal, body }) => {
        const courier = requireRole(principal, ['courier']);
        await couriers.record(courier.tenantId, courier.subject, {
          lat: body.lat,
          lng: body.lng,
          heading: body.heading,
          speed: body.speed,
          at: body.at ?? new Date().toISOString(),
        });
        return {};
      },
    }),
  ];
}
