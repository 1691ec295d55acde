/**
 * STUB for the MQTT worktree only: the device keys / HTTP protocols worktree owns this file and its real version is
 * kept at the merge. It implements the agreed contract simply, so the MQTT intake compiles and its tests run.
 */

/** One position as a device reports it, in the product's units. */
export interface DeviceFix {
  at: string;
  lat: number;
  lng: number;
  speed_mps?: number;
  heading?: number;
  accuracy_m?: number;
  altitude_m?: number;
  battery?: number;
}

/** A device's message that is not a valid position of its format. */
export class DeviceFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceFormatError';
  }
}

const record = (body: unknown): Record<string, unknown> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DeviceFormatError('not an object');
  return body as Record<string, unknown>;
};

const coordinate = (value: unknown, limit: number, name: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > limit) throw new DeviceFormatError(`${name} is not valid`);
  return value;
};

const optionalNumber = (value: unknown, name: string): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new DeviceFormatError(`${name} is not a number`);
  return value;
};

/** An OwnTracks message: its position when `_type` is `location`, null for other types. */
export function owntracksFix(body: unknown): DeviceFix | null {
  const message = record(body);
  if (message._type !== 'location') return null;
  const tst = optionalNumber(message.tst, 'tst');
  if (tst === undefined) throw new DeviceFormatError('tst is missing');
  const vel = optionalNumber(message.vel, 'vel');
  return {
    at: new Date(tst * 1000).toISOString(),
    lat: coordinate(message.lat, 90, 'lat'),
    lng: coordinate(message.lon, 180, 'lon'),
    ...(vel !== undefined ? { speed_mps: vel / 3.6 } : {}),
    ...(message.cog !== undefined ? { heading: optionalNumber(message.cog, 'cog') } : {}),
  };
}

/** A `trk/devices/<key>/position` message: `{ lat, lng, at?, speed? (m/s), heading? }`. */
export function trkFix(body: unknown): DeviceFix {
  const message = record(body);
  const at = message.at === undefined ? new Date() : new Date(String(message.at));
  if (Number.isNaN(at.getTime())) throw new DeviceFormatError('at is not a time');
  const speed = optionalNumber(message.speed, 'speed');
  const heading = optionalNumber(message.heading, 'heading');
  return {
    at: at.toISOString(),
    lat: coordinate(message.lat, 90, 'lat'),
    lng: coordinate(message.lng, 180, 'lng'),
    ...(speed !== undefined ? { speed_mps: speed } : {}),
    ...(heading !== undefined ? { heading } : {}),
  };
}
