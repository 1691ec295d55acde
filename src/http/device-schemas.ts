import { z } from 'zod';
import { DEVICE_PROTOCOLS } from '../domain/device-setup';

/**
 * The schemas of API.md "Devices": a courier's devices (validation + OpenAPI), and the devices' own messages, which
 * the intake routes read themselves (`domain/device-fix.ts`); those here describe them in the OpenAPI document.
 */

/** `POST /v1/couriers/:id/devices`. */
export const createDeviceBody = z.strictObject({
  protocol: z.enum(DEVICE_PROTOCOLS),
  name: z.string().trim().min(1).max(100).optional(),
});

export const deviceResponse = z.object({
  id: z.string(),
  protocol: z.enum(DEVICE_PROTOCOLS),
  name: z.string().nullable(),
  created_at: z.string(),
});

const setup = z.union([
  z.object({
    url: z.string().describe("osmand: Traccar Client's server URL, <PUBLIC_URL>/devices/osmand"),
    device_id: z.string().describe("osmand: Traccar Client's device identifier (the key)"),
  }),
  z.object({
    url: z.string().describe('owntracks: the HTTP mode URL, <PUBLIC_URL>/devices/owntracks'),
    username: z.string().describe("owntracks: the Basic user name (the courier's id)"),
    password: z.string().describe('owntracks: the Basic password (the key)'),
    config_url: z.string().describe('owntracks: an owntracks:///config?inline=<base64 .otrc> link the app imports (mode 3, HTTP)'),
  }),
  z.object({
    url: z.string().describe("overland: the receiver endpoint, <PUBLIC_URL>/devices/overland?key=<key>"),
    import_url: z.string().describe('overland: an overland://setup?url=…&token=…&device_id=… link the app imports'),
  }),
  z.object({
    topic: z.string().describe('mqtt: trk/devices/<key>/position, for { lat, lng, at?, speed?, heading? }'),
    owntracks_topic: z.string().describe('mqtt: owntracks/<courier>/<key>, for OwnTracks in MQTT mode'),
  }),
]);

export const createdDeviceResponse = deviceResponse.extend({
  key: z.string().describe('dev_…: the device key, shown only here'),
  setup,
});

export const devicePageResponse = z.object({ items: z.array(deviceResponse) });

const text = z.string().optional();

/** OsmAnd / Traccar Client parameters (query, or a form body); others a tracker adds are ignored. */
export const osmandParameters = z.looseObject({
  id: text.describe('the device key (or deviceid)'),
  deviceid: text.describe('the device key (or id)'),
  lat: text.describe('latitude in degrees'),
  lon: text.describe('longitude in degrees'),
  timestamp: text.describe('Unix seconds, milliseconds or ISO 8601 with a zone; absent: now'),
  speed: text.describe('knots'),
  bearing: text.describe('degrees'),
  altitude: text.describe('metres'),
  accuracy: text.describe('metres'),
  batt: text.describe('percent'),
  valid: text.describe('false or 0: no fix'),
});

/** Traccar Client 9's JSON body. */
export const traccarJsonBody = z.looseObject({
  device_id: z.string().describe('the device key'),
  location: z.looseObject({
    timestamp: z.string().describe('ISO 8601'),
    coords: z.looseObject({
      latitude: z.number(),
      longitude: z.number(),
      speed: z.number().optional().describe('m/s'),
      heading: z.number().optional(),
      accuracy: z.number().optional(),
      altitude: z.number().optional(),
    }),
    battery: z.looseObject({ level: z.number().describe('0–1') }).optional(),
  }),
});

/** An OwnTracks message; only `_type: location` is taken. */
export const owntracksBody = z.looseObject({
  _type: z.string().describe('location is taken; other types are answered [] and ignored'),
  lat: z.number().optional(),
  lon: z.number().optional(),
  tst: z.number().optional().describe('Unix seconds'),
  vel: z.number().optional().describe('km/h'),
  cog: z.number().optional(),
  acc: z.number().optional(),
  alt: z.number().optional(),
  batt: z.number().optional().describe('percent'),
});

/** OwnTracks' answer: no messages for the app. */
export const owntracksResponse = z.array(z.never()).describe('always []');

/** An Overland batch. */
export const overlandBody = z.looseObject({
  locations: z
    .array(
      z.looseObject({
        type: z.literal('Feature'),
        geometry: z.object({ type: z.literal('Point'), coordinates: z.array(z.number()).min(2).describe('[longitude, latitude]') }),
        properties: z.looseObject({
          timestamp: z.string().describe('ISO 8601'),
          speed: z.number().optional().describe('m/s'),
          course: z.number().optional(),
          horizontal_accuracy: z.number().optional(),
          altitude: z.number().optional(),
          battery_level: z.number().optional().describe('0–1'),
        }),
      }),
    )
    .max(1000),
});

export const overlandQuery = z.looseObject({ key: text.describe('the device key (or the Bearer token Overland sends)') });

/** Overland's answer: exactly this, or the app sends the batch again. */
export const overlandResponse = z.object({ result: z.literal('ok') });
