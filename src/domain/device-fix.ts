import { UnavailableError, ValidationError, type FieldIssue } from './errors';

/**
 * One position as a courier's device reports it (API.md "Devices"), whatever the app or tracker: the same fields in
 * the same units, so every protocol ends in the courier's own position path.
 */
export interface DeviceFix {
  /** When the fix was taken (ISO 8601 UTC with milliseconds). */
  at: string;
  lat: number;
  lng: number;
  /** Metres per second. */
  speed_mps?: number;
  /** Degrees clockwise from north, [0, 360]. */
  heading?: number;
  /** Horizontal accuracy in metres. */
  accuracy_m?: number;
  altitude_m?: number;
  /** Battery level in percent, [0, 100]. */
  battery?: number;
}

/** A device's message that cannot be a position: 400 `validation_failed` over HTTP, dropped and counted over MQTT. */
export class DeviceFormatError extends ValidationError {
  constructor(issues: FieldIssue[]) {
    super('the position is not valid', issues);
  }
}

/** OsmAnd's `speed` is in knots (a knot is 1852 m an hour). */
export const KNOTS_TO_MPS = 1852 / 3600;
/** OwnTracks' `vel` is in km/h. */
export const KMH_TO_MPS = 1000 / 3600;
/** A fix from further ahead than this is a device's wrong clock (as an `occurred_at` in API.md "Orders"). */
export const MAX_FIX_AHEAD_MS = 5 * 60_000;
/** A device keeps at most one fix a second: a tracker sending 10 Hz costs one position a second. */
export const FIX_SPACING_MS = 1000;
/** Overland sends up to 1,000 points a batch (its largest setting); Traccar Client 9 buffers as many at most. */
export const MAX_FIXES_PER_MESSAGE = 1000;

/** Before this no fix is real: a device without a clock says 1970. */
const EARLIEST_FIX_MS = Date.UTC(2000, 0, 1);
/** Faster than this (about 1,080 km/h) is no courier. */
const MAX_SPEED_MPS = 300;
/** Below the deepest mine to above the highest flight: anything else is noise. */
const MAX_ALTITUDE_M = 100_000;
/** Numbers below this are Unix seconds, from it on milliseconds (1e11 s is the year 5138, 1e11 ms is 1973). */
const MILLISECONDS_FROM = 1e11;

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_8601 = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Whether a fix is a device's way of saying it has none: latitude and longitude both 0 (ignored, not an error). */
export function isNoFix(fix: Pick<DeviceFix, 'lat' | 'lng'>): boolean {
  return fix.lat === 0 && fix.lng === 0;
}

/**
 * Of a device's fix times (epoch ms, in any order), those it keeps given the last one it kept: each at least
 * {@link FIX_SPACING_MS} after the one kept before it, so a repeat or an older fix is dropped and a burst thinned to
 * one a second. Ascending.
 */
export function thinFixTimes(lastKeptMs: number | null, times: readonly number[]): number[] {
  const kept: number[] = [];
  let last = lastKeptMs;
  for (const time of [...times].sort((a, b) => a - b)) {
    if (last !== null && time - last < FIX_SPACING_MS) continue;
    kept.push(time);
    last = time;
  }
  return kept;
}

/** What a device's fix gate knows of it: the last fix recorded, and the last kept (recorded or being recorded). */
export interface FixMemory {
  recorded: number | null;
  last: number | null;
}

/**
 * The rule of {@link thinFixTimes} for a device whose fixes may be being recorded (by another delivery of the same
 * message, on any node): those it keeps, or `recording` when the message repeats fixes kept but not yet recorded (it
 * cannot be answered "taken" before their recording succeeded; see {@link FixesBeingRecordedError}). A message that
 * repeats only recorded fixes keeps nothing; one with newer fixes keeps those.
 */
export function admitFixTimes(memory: FixMemory, times: readonly number[]): number[] | 'recording' {
  const kept: number[] = [];
  let last = memory.last;
  for (const time of [...times].sort((a, b) => a - b)) {
    if (last === null || time - last >= FIX_SPACING_MS) {
      kept.push(time);
      last = time;
    } else if (kept.length === 0 && (memory.recorded === null || time - memory.recorded >= FIX_SPACING_MS)) {
      // Dropped only for a fix being recorded, which may yet fail.
      return 'recording';
    }
  }
  return kept;
}

/**
 * A message repeats fixes that another delivery of it (on any node) is recording right now: answered 503 with
 * `Retry-After`, so the app sends it again once that recording succeeded (then it adds nothing) or failed (then it is
 * taken). Answering "taken" instead would lose the fixes if that recording failed.
 */
export class FixesBeingRecordedError extends UnavailableError {
  constructor() {
    super('device positions (another delivery of them is being recorded)', 1);
  }
}

/**
 * OsmAnd and Traccar Client's query or form parameters (`id` or `deviceid`, `lat`, `lon`, `timestamp`, `speed` in
 * knots, `bearing`, `altitude`, `accuracy`, `batt` in percent): the key and the fix, or no fix when the device says
 * it is not valid (`valid=false`). Parameters it does not know are ignored (trackers add their own).
 * @throws DeviceFormatError naming each bad parameter
 */
export function osmandFix(params: Readonly<Record<string, unknown>>, nowMs: number = Date.now()): { key: string; fix: DeviceFix | null } {
  const read = new Reader(nowMs);
  const single = (name: string): unknown => {
    const value = params[name];
    if (Array.isArray(value)) {
      read.issue(name, 'must be given once');
      return undefined;
    }
    return value;
  };
  const key = read.key(single('id') ?? single('deviceid'), 'id', true);
  const valid = single('valid');
  const fix = read.fix({
    lat: single('lat'),
    lng: single('lon'),
    at: single('timestamp'),
    speed: single('speed'),
    heading: single('bearing'),
    accuracy: single('accuracy'),
    altitude: single('altitude'),
    battery: single('batt'),
    names: { lat: 'lat', lng: 'lon', at: 'timestamp', speed: 'speed', heading: 'bearing', accuracy: 'accuracy', altitude: 'altitude', battery: 'batt' },
    scales: { speed: KNOTS_TO_MPS },
    text: true,
  });
  read.done();
  return { key: key!, fix: valid === 'false' || valid === '0' ? null : fix };
}

/**
 * Traccar Client 9's JSON body (`{ device_id, location: { timestamp, coords: { latitude, longitude, speed (m/s),
 * heading, accuracy, altitude }, battery: { level (0–1) } } }`); `location` may also be a list of them (a buffer
 * sent at once).
 * @throws DeviceFormatError naming each bad field
 */
export function traccarJsonFixes(body: unknown, nowMs: number = Date.now()): { key: string; fixes: DeviceFix[] } {
  const read = new Reader(nowMs);
  const object = read.object(body, 'body');
  if (!object) read.done();
  const key = read.key(object?.device_id, 'device_id', false);
  const locations = Array.isArray(object?.location) ? object.location : [object?.location];
  if (locations.length > MAX_FIXES_PER_MESSAGE) read.issue('location', `must hold at most ${MAX_FIXES_PER_MESSAGE} locations`);
  const fixes = locations.slice(0, MAX_FIXES_PER_MESSAGE).map((location, index) => {
    const path = Array.isArray(object?.location) ? `location.${index}` : 'location';
    const fields = read.object(location, path);
    const coords = fields && read.object(fields.coords, `${path}.coords`);
    if (!fields || !coords) return null;
    const battery = fields?.battery === undefined ? undefined : read.object(fields.battery, `${path}.battery`);
    return read.fix({
      lat: coords?.latitude,
      lng: coords?.longitude,
      at: fields?.timestamp,
      speed: coords?.speed,
      heading: coords?.heading,
      accuracy: coords?.accuracy,
      altitude: coords?.altitude,
      battery: battery?.level,
      scales: { battery: 100 },
      names: prefixed(`${path}.`, {
        lat: 'coords.latitude', lng: 'coords.longitude', at: 'timestamp', speed: 'coords.speed', heading: 'coords.heading',
        accuracy: 'coords.accuracy', altitude: 'coords.altitude', battery: 'battery.level',
      }),
      requireTime: true,
    });
  });
  read.done();
  return { key: key!, fixes: fixes.filter((fix): fix is DeviceFix => fix !== null) };
}

/**
 * An OwnTracks message (HTTP body or MQTT payload): the fix of a `_type: location` (`lat`, `lon`, `tst` in Unix
 * seconds, `vel` in km/h, `cog`, `acc`, `alt`, `batt` in percent); null for any other `_type` (they are ignored).
 * @throws DeviceFormatError when it is not an OwnTracks message, or a location with a bad field
 */
export function owntracksFix(body: unknown, nowMs: number = Date.now()): DeviceFix | null {
  const read = new Reader(nowMs);
  const object = read.object(body, 'body');
  if (object && typeof object._type !== 'string') read.issue('_type', 'is required (an OwnTracks message)');
  read.done();
  if (object!._type !== 'location') return null;
  const fix = read.fix({
    lat: object!.lat,
    lng: object!.lon,
    at: object!.tst,
    speed: object!.vel,
    heading: object!.cog,
    accuracy: object!.acc,
    altitude: object!.alt,
    battery: object!.batt,
    names: { lat: 'lat', lng: 'lon', at: 'tst', speed: 'vel', heading: 'cog', accuracy: 'acc', altitude: 'alt', battery: 'batt' },
    scales: { speed: KMH_TO_MPS },
    requireTime: true,
  });
  read.done();
  return fix;
}

/**
 * An Overland batch (`{ locations: [ GeoJSON Point features with properties.timestamp, speed (m/s), course,
 * horizontal_accuracy, altitude, battery_level (0–1) ] }`); `current` and `trip` are not taken (the batch has the
 * track). Every point is checked before any is taken.
 * @throws DeviceFormatError naming each bad field
 */
export function overlandFixes(body: unknown, nowMs: number = Date.now()): DeviceFix[] {
  const read = new Reader(nowMs);
  const object = read.object(body, 'body');
  if (!object) read.done();
  const locations = object?.locations;
  if (object && !Array.isArray(locations)) read.issue('locations', 'must be a list of GeoJSON Point features');
  const list = Array.isArray(locations) ? locations : [];
  if (list.length > MAX_FIXES_PER_MESSAGE) read.issue('locations', `must hold at most ${MAX_FIXES_PER_MESSAGE} points`);
  const fixes = list.slice(0, MAX_FIXES_PER_MESSAGE).map((feature, index) => {
    const path = `locations.${index}`;
    const fields = read.object(feature, path);
    if (!fields) return null;
    const geometry = read.object(fields.geometry, `${path}.geometry`);
    const properties = read.object(fields.properties, `${path}.properties`);
    if (!geometry || !properties) return null;
    const coordinates = geometry.coordinates;
    if (geometry.type !== 'Point' || !Array.isArray(coordinates) || coordinates.length < 2) {
      read.issue(`${path}.geometry`, 'must be a GeoJSON Point with [longitude, latitude]');
      return null;
    }
    return read.fix({
      lat: coordinates[1],
      lng: coordinates[0],
      at: properties.timestamp,
      speed: properties.speed,
      heading: properties.course,
      accuracy: properties.horizontal_accuracy,
      altitude: properties.altitude,
      battery: properties.battery_level,
      scales: { battery: 100 },
      names: prefixed(`${path}.`, {
        lat: 'geometry.coordinates.1', lng: 'geometry.coordinates.0', at: 'properties.timestamp', speed: 'properties.speed',
        heading: 'properties.course', accuracy: 'properties.horizontal_accuracy', altitude: 'properties.altitude',
        battery: 'properties.battery_level',
      }),
      requireTime: true,
    });
  });
  read.done();
  return fixes.filter((fix): fix is DeviceFix => fix !== null);
}

/**
 * An IoT tracker's message on `trk/devices/<key>/position`: `{ lat, lng, at?, speed? (m/s), heading? }`, `at` in
 * Unix seconds, milliseconds or ISO 8601 (absent: now).
 * @throws DeviceFormatError naming each bad field
 */
export function trkFix(body: unknown, nowMs: number = Date.now()): DeviceFix {
  const read = new Reader(nowMs);
  const object = read.object(body, 'body');
  if (!object) read.done();
  const fix = read.fix({
    lat: object?.lat,
    lng: object?.lng,
    at: object?.at,
    speed: object?.speed,
    heading: object?.heading,
    names: { lat: 'lat', lng: 'lng', at: 'at', speed: 'speed', heading: 'heading', accuracy: 'accuracy', altitude: 'altitude', battery: 'battery' },
  });
  read.done();
  return fix!;
}

/**
 * A fix time: Unix seconds or milliseconds (a number, or digits), or ISO 8601 with a zone (`Z`, `+08:00`, `-0700`);
 * epoch ms, or a message saying what is wrong.
 */
export function fixTimeMs(value: unknown, nowMs: number): number | string {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && DECIMAL.test(value.trim()))) {
    const number = Number(value);
    if (!Number.isFinite(number) || number < 0) return 'must be Unix seconds, milliseconds or ISO 8601 with a zone';
    ms = Math.round(number < MILLISECONDS_FROM ? number * 1000 : number);
  } else if (typeof value === 'string') {
    const parsed = isoMs(value.trim());
    if (parsed === null) return 'must be Unix seconds, milliseconds or ISO 8601 with a zone';
    ms = parsed;
  } else {
    return 'must be Unix seconds, milliseconds or ISO 8601 with a zone';
  }
  if (ms < EARLIEST_FIX_MS) return 'must not be before 2000 (the device has no clock)';
  if (ms > nowMs + MAX_FIX_AHEAD_MS) return 'must not be more than 5 minutes in the future';
  return ms;
}

/** ISO 8601 with a zone, checked field by field (Date.parse alone takes 31 February); null when it is not. */
function isoMs(text: string): number | null {
  const match = ISO_8601.exec(text);
  if (!match) return null;
  const [, date, hours, minutes, seconds = '00', fraction = '', zone] = match;
  const offset = zone!.toUpperCase() === 'Z' ? 'Z' : `${zone!.slice(0, 3)}:${zone!.slice(3).replace(':', '') || '00'}`;
  const ms = Date.parse(`${date}T${hours}:${minutes}:${seconds}.${(fraction + '000').slice(0, 3)}${offset}`);
  if (!Number.isFinite(ms)) return null;
  // The wall-clock fields must survive the round trip: a day or hour out of range would have rolled over.
  const offsetMs = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  const wall = new Date(ms + offsetMs).toISOString();
  return wall.slice(0, 10) === date && wall.slice(11, 19) === `${hours}:${minutes}:${seconds}` ? ms : null;
}

/** The field names a format gives the parts of a fix, for its issues. */
type FixNames = Record<'lat' | 'lng' | 'at' | 'speed' | 'heading' | 'accuracy' | 'altitude' | 'battery', string>;

function prefixed(prefix: string, names: FixNames): FixNames {
  return Object.fromEntries(Object.entries(names).map(([part, name]) => [part, prefix + name])) as FixNames;
}

/** Reads one message's fields, collecting every issue, so one error names all that is wrong. */
class Reader {
  private readonly issues: FieldIssue[] = [];

  constructor(private readonly nowMs: number) {}

  issue(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  /** @throws DeviceFormatError when any issue was found */
  done(): void {
    if (this.issues.length > 0) throw new DeviceFormatError(this.issues);
  }

  object(value: unknown, path: string): Record<string, unknown> | undefined {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    this.issue(path, value === undefined ? 'is required' : 'must be an object');
    return undefined;
  }

  /** A device key (`dev_…` is what this server hands out, but any text a tracker holds is looked up). */
  key(value: unknown, path: string, text: boolean): string | undefined {
    if (typeof value === 'string' && value.length > 0 && value.length <= 200 && (text || value.trim() === value)) return value;
    this.issue(path, value === undefined ? 'is required (the device key)' : 'must be the device key');
    return undefined;
  }

  /** A fix from its parts, or null when a part is wrong (the issues say which). */
  fix(parts: {
    lat: unknown;
    lng: unknown;
    at: unknown;
    speed?: unknown;
    heading?: unknown;
    accuracy?: unknown;
    altitude?: unknown;
    battery?: unknown;
    names: FixNames;
    /** What the format's speed or battery is multiplied by to be in the fix's unit (m/s, percent). */
    scales?: { speed?: number; battery?: number };
    /** Parameters of a query or form: numbers come as text. */
    text?: boolean;
    /** The format always says when (OwnTracks' `tst`, Overland's `timestamp`): none is an error, not "now". */
    requireTime?: boolean;
  }): DeviceFix | null {
    const before = this.issues.length;
    const { names } = parts;
    const lat = this.number(parts.lat, names.lat, parts.text, { min: -90, max: 90, required: true });
    const lng = this.number(parts.lng, names.lng, parts.text, { min: -180, max: 180, required: true });
    let atMs: number = this.nowMs;
    if (parts.at !== undefined && parts.at !== null && parts.at !== '') {
      const time = fixTimeMs(parts.at, this.nowMs);
      if (typeof time === 'string') this.issue(names.at, time);
      else atMs = time;
    } else if (parts.requireTime) {
      this.issue(names.at, 'is required');
    }
    const fix: DeviceFix = { at: new Date(atMs).toISOString(), lat: lat!, lng: lng! };
    const speed = this.measure(parts.speed, names.speed, parts.text, MAX_SPEED_MPS, parts.scales?.speed);
    const heading = this.measure(parts.heading, names.heading, parts.text, 360);
    const accuracy = this.measure(parts.accuracy, names.accuracy, parts.text, Number.MAX_SAFE_INTEGER);
    const battery = this.measure(parts.battery, names.battery, parts.text, 100, parts.scales?.battery);
    const altitude = this.number(parts.altitude, names.altitude, parts.text, { min: -MAX_ALTITUDE_M, max: MAX_ALTITUDE_M, required: false });
    if (speed !== undefined) fix.speed_mps = speed;
    if (heading !== undefined) fix.heading = heading === 360 ? 0 : heading;
    if (accuracy !== undefined) fix.accuracy_m = accuracy;
    if (altitude !== undefined) fix.altitude_m = altitude;
    if (battery !== undefined) fix.battery = battery;
    return this.issues.length === before ? fix : null;
  }

  /**
   * A measure that cannot be negative (speed, heading, accuracy, battery): negative is a device's "unknown" (iOS says
   * -1 for a speed or course it does not have) and is left out; above `max` (in the fix's unit, once multiplied by
   * `scale`) or not a number is an issue.
   */
  private measure(value: unknown, path: string, text: boolean | undefined, max: number, scale = 1): number | undefined {
    const number = this.number(value, path, text, { min: -Infinity, max: Infinity, required: false }, scale);
    if (number === undefined || number < 0) return undefined;
    if (number > max) {
      this.issue(path, `must be at most ${max}`);
      return undefined;
    }
    return number;
  }

  private number(value: unknown, path: string, text: boolean | undefined, range: { min: number; max: number; required: boolean }, scale = 1): number | undefined {
    if (value === undefined || value === null || value === '') {
      if (range.required) this.issue(path, 'is required');
      return undefined;
    }
    const number = typeof value === 'number' ? value : text && typeof value === 'string' && DECIMAL.test(value.trim()) ? Number(value) : NaN;
    if (!Number.isFinite(number)) {
      this.issue(path, 'must be a number');
      return undefined;
    }
    const scaled = number * scale;
    if (scaled < range.min || scaled > range.max) {
      this.issue(path, `must be between ${range.min} and ${range.max}`);
      return undefined;
    }
    return scaled;
  }
}
