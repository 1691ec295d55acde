/**
 * A recorded courier round for the Arrival tests (API.md "Arrival"): a delivery in Hong Kong driven as two legs
 * (2 km west along one street, then 1.2 km south to the door) at about 8 m/s, one GPS fix every 10 s with a few
 * metres of scatter, ending at the destination. Also a track that jitters across the arrival radius.
 */
import { seededRandom } from './random';

export interface TrackPoint {
  lat: number;
  lng: number;
  /** Seconds since the first fix. */
  offsetS: number;
}

export const DESTINATION = { lat: 22.28, lng: 114.175 };

const METRES_PER_DEGREE_LAT = 111_320;
const METRES_PER_DEGREE_LNG = METRES_PER_DEGREE_LAT * Math.cos((DESTINATION.lat * Math.PI) / 180);
const FIX_EVERY_S = 10;

/** A point `east` and `north` metres from the destination. */
export function offsetFromDestination(east: number, north: number): { lat: number; lng: number } {
  return { lat: DESTINATION.lat + north / METRES_PER_DEGREE_LAT, lng: DESTINATION.lng + east / METRES_PER_DEGREE_LNG };
}

function record(): TrackPoint[] {
  const random = seededRandom(13);
  // The route as a polyline in metres from the destination (east, north).
  const route: Array<[number, number]> = [
    [2000, 1200],
    [0, 1200],
    [0, 0],
  ];
  const points: TrackPoint[] = [];
  let leg = 0;
  let along = 0; // metres into the current leg
  for (let fix = 0; ; fix++) {
    const [fromE, fromN] = route[leg]!;
    const [toE, toN] = route[leg + 1]!;
    const length = Math.hypot(toE - fromE, toN - fromN);
    const t = Math.min(1, along / length);
    const scatter = () => (random() - 0.5) * 6; // ±3 m of GPS scatter
    const last = leg === route.length - 2 && t >= 1;
    const east = fromE + (toE - fromE) * t + (last ? 0 : scatter());
    const north = fromN + (toN - fromN) * t + (last ? 0 : scatter());
    points.push({ ...offsetFromDestination(east, north), offsetS: fix * FIX_EVERY_S });
    if (last) return points;
    // Traffic: between about 7.2 and 8.8 m/s over each 10 s.
    along += (8 + (random() - 0.5) * 1.6) * FIX_EVERY_S;
    if (along >= length && leg < route.length - 2) {
      along -= length;
      leg += 1;
    }
  }
}

/** The round, oldest fix first; the last fix is at the door. */
export const ARRIVAL_TRACK: readonly TrackPoint[] = record();

/** Seconds from the first fix to the arrival at the door. */
export const ARRIVED_AFTER_S = ARRIVAL_TRACK.at(-1)!.offsetS;

/** The round as positions to report, its last fix at `endMs` (the first one `ARRIVED_AFTER_S` before). */
export function trackPositions(endMs: number): Array<{ lat: number; lng: number; at: string }> {
  const startMs = endMs - ARRIVED_AFTER_S * 1000;
  return ARRIVAL_TRACK.map((point) => ({ lat: point.lat, lng: point.lng, at: new Date(startMs + point.offsetS * 1000).toISOString() }));
}

/**
 * A courier waiting at a corner near the arrival radius, the fixes jumping across it: `metres` north of the
 * destination alternately `radius - 15` and `radius + 15`, `count` fixes, one every 10 s ending at `endMs`.
 */
export function jitterAcrossRadius(radius: number, count: number, endMs: number): Array<{ lat: number; lng: number; at: string }> {
  return Array.from({ length: count }, (_, index) => ({
    ...offsetFromDestination(0, index % 2 === 0 ? radius + 15 : radius - 15),
    at: new Date(endMs - (count - 1 - index) * FIX_EVERY_S * 1000).toISOString(),
  }));
}
