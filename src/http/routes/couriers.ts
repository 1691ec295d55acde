import type { z } from 'zod';
import { ValidationError } from '../../domain/errors';
import type { Principal } from '../../domain/principal';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';
import { locationBody, locationsBody, scanResultsResponse, scanSchema, scansBody } from '../schemas';

type ScanResultView = z.output<typeof scanResultsResponse>['results'][number];

/** Couriers: batched scans and live location. */
export function courierRoutes({ orders, couriers }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/scans',
      operationId: 'uploadScans',
      summary: 'Upload 1–500 scans; each is applied, duplicate, late or rejected on its own',
      roles: ['courier'],
      body: scansBody,
      status: 200,
      response: scanResultsResponse,
      handler: async ({ principal, body }) => {
        return { body: { results: await scanEach(orders, principal, body.scans) } };
      },
    }),
    route({
      method: 'post',
      path: '/v1/couriers/me/location',
      operationId: 'reportCourierLocation',
      summary: "Report the courier's position: pushed live to watchers of its orders on the way, kept as their last_location",
      roles: ['courier'],
      body: locationBody,
      status: 204,
      handler: async ({ principal: courier, body }) => {
        await couriers.record(courier.tenantId, courier.subject, {
          lat: body.lat,
          lng: body.lng,
          heading: body.heading,
          speed: body.speed,
          at: body.at,
        });
        return {};
      },
    }),
    route({
      method: 'post',
      path: '/v1/couriers/me/locations',
      operationId: 'reportCourierLocations',
      summary: 'Report several positions at once (an app that buffered them): each pushed live in time order, the newest kept',
      roles: ['courier'],
      body: locationsBody,
      status: 204,
      handler: async ({ principal: courier, body }) => {
        await couriers.recordMany(courier.tenantId, courier.subject, body.positions);
        return {};
      },
    }),
  ];
}

/**
 * Validates each scan on its own (API.md: one bad scan does not fail the others), applies the valid ones in
 * one `orders.scan` call and answers every item at its input position.
 */
async function scanEach(
  orders: HttpDeps['orders'],
  courier: Extract<Principal, { role: 'courier' }>,
  items: unknown[],
): Promise<ScanResultView[]> {
  const checked = items.map((item) => scanSchema.safeParse(item));
  const valid = checked.flatMap((result) => (result.success ? [result.data] : []));
  const applied = await orders.scan(courier, valid);
  // orders.scan answers one result per scan, in order: the valid items take theirs in turn.
  let next = 0;
  return checked.map((result, index) => (result.success ? applied[next++]! : rejected(items[index], result.error)));
}

/** A scan item that failed validation: `rejected` with the fields at fault, paths relative to the item. */
function rejected(item: unknown, error: z.ZodError): ScanResultView {
  const invalid = new ValidationError(
    'the scan is not valid',
    error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code })),
  );
  return {
    event_id: typeof item === 'object' && item !== null && 'event_id' in item && typeof item.event_id === 'string' ? item.event_id : null,
    outcome: 'rejected',
    error: { code: invalid.code, message: invalid.message, details: invalid.details },
  };
}
