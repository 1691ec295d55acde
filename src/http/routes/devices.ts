import type { Context } from 'koa';
import { osmandFix, overlandFixes, owntracksFix, traccarJsonFixes } from '../../domain/device-fix';
import { UnauthorizedError, ValidationError } from '../../domain/errors';
import type { StoredDevice } from '../../store/devices/port';
import { parseJson, readText } from '../body';
import type { HttpDeps } from '../deps';
import {
  createDeviceBody,
  createdDeviceResponse,
  devicePageResponse,
  osmandParameters,
  overlandBody,
  overlandQuery,
  overlandResponse,
  owntracksBody,
  owntracksResponse,
  traccarJsonBody,
} from '../device-schemas';
import { route, type Route } from '../route';

const MANAGERS = ['business', 'staff'] as const;
const FORM = 'application/x-www-form-urlencoded';

/** A courier's devices (business, staff): added with a key shown once, listed, removed. */
export function deviceRoutes({ devices, publicUrl }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/couriers/:id/devices',
      operationId: 'addCourierDevice',
      summary:
        "Add a device whose positions are the courier's own (Traccar Client or OsmAnd, OwnTracks, Overland, an MQTT tracker): " +
        'its key (shown only here) and how to set the app up. At most 20 per courier (409 limit_reached)',
      roles: MANAGERS,
      body: createDeviceBody,
      status: 201,
      response: createdDeviceResponse,
      errors: [404, 409],
      handler: async ({ ctx, principal, params, body }) => ({
        body: await devices.create(principal.tenantId, params.id, body, publicUrl ?? `${ctx.protocol}://${ctx.host}`),
      }),
    }),
    route({
      method: 'get',
      path: '/v1/couriers/:id/devices',
      operationId: 'listCourierDevices',
      summary: "The courier's devices, oldest first (without their keys)",
      roles: MANAGERS,
      status: 200,
      response: devicePageResponse,
      errors: [404],
      handler: async ({ principal, params }) => ({ body: { items: await devices.list(principal.tenantId, params.id) } }),
    }),
    route({
      method: 'delete',
      path: '/v1/couriers/:id/devices/:device_id',
      operationId: 'removeCourierDevice',
      summary: "Remove a courier's device: its key is refused at once on every node",
      roles: MANAGERS,
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        await devices.remove(principal.tenantId, params.id, params.device_id);
        return {};
      },
    }),
  ];
}

/**
 * The devices' own intake (API.md "Devices"): no bearer token, the device key is the credential. A message whose key
 * checks out spends its device's budget (as an API key does); one that is not valid, or whose key is no device's,
 * spends its client address's anonymous budget, so a flood of them is answered 429.
 */
export function deviceIntakeRoutes({ devices, rateLimit }: HttpDeps): Route[] {
  const osmandSummary =
    'A position from Traccar Client or OsmAnd: id (the key), lat, lon, timestamp (Unix seconds, milliseconds or ISO 8601), ' +
    'speed in knots, bearing, altitude, accuracy, batt; lat=0&lon=0 is no fix (ignored). An unknown key is 400';
  return [
    route({
      method: 'get',
      path: '/devices/osmand',
      operationId: 'receiveOsmandPosition',
      summary: osmandSummary,
      roles: 'public',
      query: osmandParameters,
      status: 200,
      errors: [400, 429, 503],
      handler: async ({ ctx }) => {
        const { key, fix } = await checked(ctx, () => osmandFix(ctx.query));
        await devices.take(await knownOr400(ctx, key, 'id'), fix ? [fix] : [], 'osmand');
        return {};
      },
    }),
    route({
      method: 'post',
      path: '/devices/osmand',
      operationId: 'receiveOsmandPositions',
      summary: `${osmandSummary}. The parameters come as a form body or the query; Traccar Client 9 sends its JSON body instead`,
      roles: 'public',
      query: osmandParameters,
      rawBody: {
        mediaType: FORM,
        alsoMediaTypes: ['application/json'],
        schema: traccarJsonBody,
        description:
          'The OsmAnd parameters as a form (or none, with them in the query), or Traccar Client 9 JSON: { device_id, location: ' +
          '{ timestamp, coords: { latitude, longitude, speed (m/s), heading, accuracy, altitude }, battery: { level } } }',
      },
      status: 200,
      errors: [400, 429, 503],
      handler: async ({ ctx }) => {
        const text = await checked(ctx, () => readText(ctx));
        if (ctx.is('json')) {
          const { key, fixes } = await checked(ctx, () => traccarJsonFixes(parseJson(text)));
          await devices.take(await knownOr400(ctx, key, 'device_id'), fixes, 'osmand');
        } else {
          const params = text.trim() === '' ? ctx.query : Object.fromEntries(groupParams(new URLSearchParams(text)));
          const { key, fix } = await checked(ctx, () => osmandFix(params));
          await devices.take(await knownOr400(ctx, key, 'id'), fix ? [fix] : [], 'osmand');
        }
        return {};
      },
    }),
    route({
      method: 'post',
      path: '/devices/owntracks',
      operationId: 'receiveOwntracksMessage',
      summary:
        'An OwnTracks message in HTTP mode, with HTTP Basic auth whose password is the device key: a location (lat, lon, tst, ' +
        'vel in km/h, cog, acc, batt) is taken; other types are ignored. Answers []',
      roles: 'public',
      rawBody: { mediaType: 'application/json', schema: owntracksBody, description: 'An OwnTracks JSON message (_type location, lwt, transition, …)' },
      requestHeaders: { authorization: { description: 'Basic <base64 of user:key>: the password is the device key', required: true } },
      status: 200,
      response: owntracksResponse,
      errors: [401, 429, 503],
      handler: async ({ ctx }) => {
        const device = await knownOr401(ctx, basicPassword(ctx));
        const fix = await checked(ctx, async () => owntracksFix(parseJson(await readText(ctx))), device);
        await devices.take(device, fix ? [fix] : [], 'owntracks');
        return { body: [] };
      },
    }),
    route({
      method: 'post',
      path: '/devices/overland',
      operationId: 'receiveOverlandBatch',
      summary:
        'An Overland batch of GeoJSON points (properties.timestamp, speed in m/s, course, horizontal_accuracy, battery_level), ' +
        'with the device key as ?key= or the Bearer token. Answers exactly {"result":"ok"}; a batch sent again adds nothing',
      roles: 'public',
      query: overlandQuery,
      rawBody: { mediaType: 'application/json', schema: overlandBody, description: 'Overland\'s batch: { "locations": [ GeoJSON Point features ] }' },
      status: 200,
      response: overlandResponse,
      errors: [401, 429, 503],
      handler: async ({ ctx, query }) => {
        const device = await knownOr401(ctx, query.key ?? bearer(ctx));
        const fixes = await checked(ctx, async () => overlandFixes(parseJson(await readText(ctx))), device);
        await devices.take(device, fixes, 'overland');
        return { body: { result: 'ok' as const } };
      },
    }),
  ];

  /**
   * What `read` makes of the message. A message that is not valid spends the anonymous budget of its client address,
   * unless its device is known already (then it spent its device's).
   * @throws the ValidationError (DeviceFormatError among them), InvalidJsonError or PayloadTooLargeError of `read`,
   *   or RateLimitedError when the budget is spent
   */
  async function checked<T>(ctx: Context, read: () => T | Promise<T>, device?: StoredDevice): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (!device) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw error;
    }
  }

  /** The device of a key in the message (OsmAnd: 400 for a key that is no device's, as Traccar answers). */
  async function knownOr400(ctx: Context, key: string, field: string): Promise<StoredDevice> {
    const device = await admitted(ctx, key);
    if (!device) throw new ValidationError('the device key is not known', [{ path: field, message: 'is not the key of a device' }]);
    return device;
  }

  /** The device of a credential (OwnTracks, Overland: 401 for a key that is missing or no device's). */
  async function knownOr401(ctx: Context, key: string | undefined): Promise<StoredDevice> {
    const device = key === undefined ? null : await admitted(ctx, key);
    if (!device) {
      if (key === undefined) await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      throw new UnauthorizedError('missing or unknown device key');
    }
    return device;
  }

  /**
   * The device holding `key` once its budget admits the message; null (the address's budget spent) when none may
   * send with it.
   * @throws RateLimitedError when the budget is spent
   */
  async function admitted(ctx: Context, key: string): Promise<StoredDevice | null> {
    const device = await devices.identify(key);
    if (!device) {
      await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
      return null;
    }
    await rateLimit.admit(ctx, { role: 'device', tenantId: device.tenant_id, deviceId: device.id });
    return device;
  }
}

/** A form's parameters, a repeated one as a list (which the parser refuses, as it refuses one repeated in a query). */
function groupParams(form: URLSearchParams): Map<string, string | string[]> {
  const grouped = new Map<string, string | string[]>();
  for (const [name, value] of form) {
    const known = grouped.get(name);
    grouped.set(name, known === undefined ? value : [...(Array.isArray(known) ? known : [known]), value]);
  }
  return grouped;
}

/** The password of HTTP Basic credentials (RFC 7617: base64 of `user:password`, the password after the first colon). */
function basicPassword(ctx: Context): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(ctx.get('authorization'));
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 || colon === decoded.length - 1 ? undefined : decoded.slice(colon + 1);
}

function bearer(ctx: Context): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1];
}
