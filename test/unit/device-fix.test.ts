/**
 * The devices' wire formats (API.md "Devices"), each read from a message as its app's documentation records it:
 * units converted (knots, km/h, fractions of a battery), times in seconds, milliseconds or ISO 8601, and bad input
 * refused with every field at fault named.
 */
import {
  admitFixTimes,
  DeviceFormatError,
  fixTimeMs,
  isNoFix,
  KNOTS_TO_MPS,
  osmandFix,
  overlandFixes,
  owntracksFix,
  thinFixTimes,
  traccarJsonFixes,
  trkFix,
} from '../../src/domain/device-fix';

const NOW = Date.parse('2026-03-02T10:00:00.000Z');

/** The issues' paths of the DeviceFormatError `run` throws. */
function refusedPaths(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeviceFormatError);
    expect((error as DeviceFormatError).code).toBe('validation_failed');
    return (error as DeviceFormatError).details.map((issue) => issue.path);
  }
  throw new Error('not refused');
}

describe('OsmAnd / Traccar Client parameters', () => {
  it("reads Traccar Client's query (ProtocolFormatter: seconds, speed in knots, battery in percent)", () => {
    // As traccar-client-android's ProtocolFormatter builds it, values as Kotlin's toString writes them.
    const query = new URLSearchParams(
      'id=dev_abc&timestamp=1772445600&lat=22.3193&lon=114.1694&speed=19.438444924406&bearing=271.5&altitude=42.0&accuracy=8.5&batt=87.0',
    );
    const { key, fix } = osmandFix(Object.fromEntries(query), NOW);
    expect(key).toBe('dev_abc');
    expect(fix).toEqual({
      at: '2026-03-02T10:00:00.000Z',
      lat: 22.3193,
      lng: 114.1694,
      speed_mps: expect.closeTo(10, 6),
      heading: 271.5,
      altitude_m: 42,
      accuracy_m: 8.5,
      battery: 87,
    });
  });

  it('takes deviceid, milliseconds and ISO 8601 times, no time (now), and valid=false as no fix', () => {
    expect(osmandFix({ deviceid: 'dev_x', lat: '1', lon: '2', timestamp: '1772445599500' }, NOW).fix?.at).toBe('2026-03-02T09:59:59.500Z');
    expect(osmandFix({ id: 'dev_x', lat: '1', lon: '2', timestamp: '2026-03-02T17:59:59+08:00' }, NOW).fix?.at).toBe('2026-03-02T09:59:59.000Z');
    expect(osmandFix({ id: 'dev_x', lat: '1', lon: '2' }, NOW).fix?.at).toBe('2026-03-02T10:00:00.000Z');
    expect(osmandFix({ id: 'dev_x', lat: '1', lon: '2', valid: 'false' }, NOW).fix).toBeNull();
    expect(osmandFix({ id: 'dev_x', lat: '1', lon: '2', speed: '1' }, NOW).fix?.speed_mps).toBeCloseTo(KNOTS_TO_MPS, 9);
    // Unknown parameters (hdop, charge, a tracker's own) are ignored.
    expect(osmandFix({ id: 'dev_x', lat: '1', lon: '2', hdop: '0.9', charge: 'true', driverUniqueId: '7' }, NOW).fix).toMatchObject({ lat: 1, lng: 2 });
  });

  it('refuses a missing key, coordinates out of range or not numbers, a repeated parameter and a time far ahead', () => {
    expect(refusedPaths(() => osmandFix({ lat: '1', lon: '2' }, NOW))).toEqual(['id']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: '91', lon: 'east' }, NOW))).toEqual(['lat', 'lon']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: ['1', '2'], lon: '2' }, NOW))).toEqual(['lat', 'lat']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: '1', lon: '2', timestamp: String(NOW / 1000 + 600) }, NOW))).toEqual(['timestamp']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: '1', lon: '2', timestamp: '0' }, NOW))).toEqual(['timestamp']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: '1', lon: '2', bearing: '400', batt: '101', speed: 'fast' }, NOW))).toEqual(['speed', 'bearing', 'batt']);
    expect(refusedPaths(() => osmandFix({ id: 'k', lat: 'Infinity', lon: '0x10' }, NOW))).toEqual(['lat', 'lon']);
  });

  it('leaves out what a device says it does not know (a negative speed, bearing or accuracy)', () => {
    expect(osmandFix({ id: 'k', lat: '1', lon: '2', speed: '-1', bearing: '-1', accuracy: '-1' }, NOW).fix).toEqual({ at: new Date(NOW).toISOString(), lat: 1, lng: 2 });
  });
});

describe('Traccar Client 9 JSON', () => {
  // The body traccar.org/osmand documents (the background location SDK's own format), with real values.
  const body = {
    location: {
      timestamp: '2026-03-02T09:59:58.250Z',
      coords: { latitude: 22.3193, longitude: 114.1694, accuracy: 5, speed: 10, heading: 90, altitude: 12 },
      is_moving: true,
      odometer: 1204.5,
      event: 'motionchange',
      battery: { level: 0.64, is_charging: false },
      activity: { type: 'in_vehicle' },
      extras: {},
    },
    device_id: 'dev_json',
  };

  it('reads the key and the fix, speed already in m/s, the battery level as a fraction', () => {
    expect(traccarJsonFixes(body, NOW)).toEqual({
      key: 'dev_json',
      fixes: [{ at: '2026-03-02T09:59:58.250Z', lat: 22.3193, lng: 114.1694, speed_mps: 10, heading: 90, accuracy_m: 5, altitude_m: 12, battery: 64 }],
    });
  });

  it('takes a list of locations, and refuses a body without coordinates or a time', () => {
    expect(traccarJsonFixes({ ...body, location: [body.location, body.location] }, NOW).fixes).toHaveLength(2);
    expect(refusedPaths(() => traccarJsonFixes({ device_id: 'k', location: { coords: {} } }, NOW))).toEqual([
      'location.coords.latitude',
      'location.coords.longitude',
      'location.timestamp',
    ]);
    expect(refusedPaths(() => traccarJsonFixes({ location: body.location }, NOW))).toEqual(['device_id']);
    expect(refusedPaths(() => traccarJsonFixes([], NOW))).toEqual(['body']);
  });
});

describe('OwnTracks', () => {
  it('reads a location as the booklet records it (tst in seconds, vel in km/h, batt in percent)', () => {
    const message = {
      _type: 'location', acc: 12, alt: 31, batt: 78, bs: 1, cog: 180, conn: 'm', created_at: 1772445601, lat: 48.85833,
      lon: 2.29513, m: 1, t: 'u', tid: 'JJ', topic: 'owntracks/jane/phone', tst: 1772445600, vac: 4, vel: 36,
    };
    expect(owntracksFix(message, NOW)).toEqual({
      at: '2026-03-02T10:00:00.000Z', lat: 48.85833, lng: 2.29513, speed_mps: 10, heading: 180, accuracy_m: 12, altitude_m: 31, battery: 78,
    });
    expect(owntracksFix({ lon: 2.29513, lat: 48.85833, _type: 'location', tst: 1772445600, tid: 'JJ' }, NOW)).toEqual({
      at: '2026-03-02T10:00:00.000Z', lat: 48.85833, lng: 2.29513,
    });
  });

  it('ignores other types, and refuses what is not an OwnTracks message or a location without tst', () => {
    expect(owntracksFix({ _type: 'lwt', tst: 1772445600 }, NOW)).toBeNull();
    expect(owntracksFix({ _type: 'transition', event: 'enter', lat: 1, lon: 2, tst: 1772445600 }, NOW)).toBeNull();
    expect(refusedPaths(() => owntracksFix({ lat: 1, lon: 2 }, NOW))).toEqual(['_type']);
    expect(refusedPaths(() => owntracksFix('location', NOW))).toEqual(['body']);
    expect(refusedPaths(() => owntracksFix({ _type: 'location', lat: '1', lon: 2 }, NOW))).toEqual(['lat', 'tst']);
  });
});

describe('Overland', () => {
  // Overland-iOS's README batch, with its ISO time whose offset has no colon.
  const feature = (timestamp: string, coordinates = [-122.030581, 37.3318]) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates },
    properties: {
      timestamp, altitude: 0, speed: 4, horizontal_accuracy: 30, vertical_accuracy: -1, motion: ['driving', 'stationary'],
      pauses: false, activity: 'other_navigation', desired_accuracy: 100, deferred: 1000, significant_change: 'disabled',
      locations_in_payload: 1, battery_state: 'charging', battery_level: 0.89, device_id: '', wifi: '',
    },
  });

  it('reads each point of a batch ([longitude, latitude], m/s, a battery fraction)', () => {
    expect(overlandFixes({ locations: [feature('2026-03-02T01:59:00-0800'), feature('2026-03-02T09:59:30Z')], current: {} }, NOW)).toEqual([
      { at: '2026-03-02T09:59:00.000Z', lat: 37.3318, lng: -122.030581, speed_mps: 4, accuracy_m: 30, altitude_m: 0, battery: 89 },
      { at: '2026-03-02T09:59:30.000Z', lat: 37.3318, lng: -122.030581, speed_mps: 4, accuracy_m: 30, altitude_m: 0, battery: 89 },
    ]);
    expect(overlandFixes({ locations: [] }, NOW)).toEqual([]);
  });

  it('refuses the whole batch when one point is bad, naming it', () => {
    expect(refusedPaths(() => overlandFixes({ locations: [feature('2026-03-02T09:59:00Z'), feature('2026-02-30T09:59:00Z')] }, NOW))).toEqual([
      'locations.1.properties.timestamp',
    ]);
    expect(refusedPaths(() => overlandFixes({ locations: [{ type: 'Feature', geometry: { type: 'LineString', coordinates: [] }, properties: {} }] }, NOW))).toEqual([
      'locations.0.geometry',
    ]);
    expect(refusedPaths(() => overlandFixes({ location: [] }, NOW))).toEqual(['locations']);
  });
});

describe('trk (IoT trackers over MQTT)', () => {
  it('reads lat, lng, at, speed and heading; no at is now', () => {
    expect(trkFix({ lat: 22.3, lng: 114.2, at: 1772445590, speed: 3.5, heading: 10 }, NOW)).toEqual({
      at: '2026-03-02T09:59:50.000Z', lat: 22.3, lng: 114.2, speed_mps: 3.5, heading: 10,
    });
    expect(trkFix({ lat: 22.3, lng: 114.2 }, NOW).at).toBe('2026-03-02T10:00:00.000Z');
    expect(refusedPaths(() => trkFix({ lat: '22.3', lng: null }, NOW))).toEqual(['lat', 'lng']);
  });
});

describe('fix times and thinning', () => {
  it('reads seconds, milliseconds and ISO 8601 with a zone, and refuses the rest', () => {
    expect(fixTimeMs(1772445600, NOW)).toBe(NOW);
    expect(fixTimeMs(1772445600000, NOW)).toBe(NOW);
    expect(fixTimeMs('2026-03-02 10:00:00.123456Z', NOW)).toBe(NOW + 123);
    expect(fixTimeMs('2026-03-02T18:00+08', NOW)).toBe(NOW);
    expect(typeof fixTimeMs('2026-03-02T10:00:00', NOW)).toBe('string'); // no zone
    expect(typeof fixTimeMs('2026-03-02T24:00:00Z', NOW)).toBe('string');
    expect(typeof fixTimeMs(true, NOW)).toBe('string');
  });

  it('keeps one fix a second, each newer than the last kept', () => {
    expect(thinFixTimes(null, [0, 100, 200, 1000, 1050, 2500])).toEqual([0, 1000, 2500]);
    expect(thinFixTimes(2500, [2500, 3000, 3500, 1000])).toEqual([3500]);
  });

  it('holds off a message that repeats fixes being recorded, not one that repeats recorded fixes or brings newer ones', () => {
    // 2000 recorded; 3000 and 4000 being recorded (by another delivery of the same batch).
    const memory = { recorded: 2000, last: 4000 };
    expect(admitFixTimes(memory, [3000, 4000])).toBe('recording');
    expect(admitFixTimes(memory, [1000, 2000, 2500])).toEqual([]);
    expect(admitFixTimes(memory, [2000, 5000, 5500])).toEqual([5000]);
    expect(admitFixTimes(memory, [4000, 5000])).toBe('recording');
    // Nothing recorded yet, the first delivery still recording.
    expect(admitFixTimes({ recorded: null, last: 1000 }, [1000])).toBe('recording');
    expect(admitFixTimes({ recorded: null, last: null }, [1000, 1500, 2000])).toEqual([1000, 2000]);
  });

  it('takes 0,0 for no fix', () => {
    expect(isNoFix({ lat: 0, lng: 0 })).toBe(true);
    expect(isNoFix({ lat: 0, lng: 1 })).toBe(false);
  });
});
