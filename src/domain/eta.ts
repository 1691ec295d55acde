import { distance } from '@turf/distance';
import type { Coord } from '@turf/helpers';
import type { LatLng, Location } from './order';

/**
 * How far back a courier's positions count towards its speed: long enough to smooth a red light or a GPS
 * hiccup, short enough to follow a courier leaving the motorway for side streets.
 */
export const SPEED_WINDOW_MS = 3 * 60_000;
/**
 * The slowest speed an estimate assumes (about 7 km/h, a walk through traffic): a courier parked for a minute
 * is still coming, and an estimate of "never" helps nobody.
 */
export const MIN_SPEED_MPS = 2;
/** Assumed until the window holds enough motion to measure (about 22 km/h, an urban delivery round). */
export const DEFAULT_SPEED_MPS = 6;
/** Less time than this between the window's first and last position is not a measurement of speed. */
const MIN_SPAN_MS = 10_000;
/** Watchers hear of a new ETA only when it moves by this much (API.md "Arrival"). */
export const ETA_STEP_MS = 60_000;

/** Great-circle distance in metres. */
export function metresBetween(from: LatLng, to: LatLng): number {
  return distance(toPosition(from), toPosition(to), { units: 'meters' });
}

/**
 * A courier's recent positions and the speed they show: path length over elapsed time across the last
 * {@link SPEED_WINDOW_MS} (a moving average, so one jumpy fix moves it little), never below {@link MIN_SPEED_MPS}.
 * Times are the positions' own (`at`), so a backlog uploaded at once still measures the speed it was driven at.
 * Until the track spans enough time to measure, the speed the device itself reports (its GPS's own) stands in.
 */
export class SpeedTrack {
  private readonly samples: Array<{ position: LatLng; atMs: number; travelled: number; reportedMps?: number }> = [];

  /** Adds a position (with the speed its device reported, in m/s); one not newer than the last is ignored (a late or repeated ping). */
  add(position: Location & { speed?: number }): void {
    const atMs = Date.parse(position.at);
    const last = this.samples.at(-1);
    if (!Number.isFinite(atMs) || (last && atMs <= last.atMs)) return;
    // `travelled` is cumulative, so the window's path length is one subtraction however many samples it holds.
    const travelled = last ? last.travelled + metresBetween(last.position, position) : 0;
    const reported = position.speed;
    const reportedMps = typeof reported === 'number' && Number.isFinite(reported) && reported >= 0 ? reported : undefined;
    this.samples.push({ position: { lat: position.lat, lng: position.lng }, atMs, travelled, reportedMps });
    while (this.samples.length > 2 && atMs - this.samples[1]!.atMs >= SPEED_WINDOW_MS) this.samples.shift();
  }

  /**
   * Metres per second over the window, floored. Until there is a span to measure: the mean of the speeds the device
   * reported (a courier 2 km away reporting 10 m/s is 200 s away, not 333), else {@link DEFAULT_SPEED_MPS}. A reported
   * standstill says nothing of the trip's pace (a red light), so only a moving mean stands in.
   */
  speed(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.atMs - first.atMs < MIN_SPAN_MS) return this.reportedSpeed() ?? DEFAULT_SPEED_MPS;
    const metresPerSecond = (last.travelled - first.travelled) / ((last.atMs - first.atMs) / 1000);
    return Math.max(MIN_SPEED_MPS, metresPerSecond);
  }

  /** The mean of the speeds the window's positions reported, floored; null when none did or it is a standstill. */
  private reportedSpeed(): number | null {
    const reported = this.samples.flatMap((sample) => (sample.reportedMps === undefined ? [] : [sample.reportedMps]));
    if (reported.length === 0) return null;
    const mean = reported.reduce((sum, speed) => sum + speed, 0) / reported.length;
    return mean > 0 ? Math.max(MIN_SPEED_MPS, mean) : null;
  }
}

export interface Estimate {
  /** Great-circle metres still to go. */
  remainingM: number;
  /** Epoch ms, whole seconds; never before `nowMs`. */
  etaMs: number;
}

/** When a courier at `position` going `speedMps` reaches `destination`, as seen at `nowMs`. */
export function estimateArrival(position: LatLng, destination: LatLng, speedMps: number, nowMs: number): Estimate {
  const remainingM = metresBetween(position, destination);
  const etaMs = Math.ceil((nowMs + (remainingM / Math.max(speedMps, MIN_SPEED_MPS)) * 1000) / 1000) * 1000;
  return { remainingM, etaMs: Math.max(etaMs, nowMs) };
}

/** Whether watchers should hear of a new estimate: the first one, or one that moved by {@link ETA_STEP_MS} or more. */
export function etaMoved(previous: string | null, nextMs: number): boolean {
  return previous === null || Math.abs(Date.parse(previous) - nextMs) >= ETA_STEP_MS;
}

/** The destination's coordinates, when it has both. */
export function destinationPoint(destination: { lat?: number; lng?: number } | null): LatLng | null {
  return destination && typeof destination.lat === 'number' && typeof destination.lng === 'number'
    ? { lat: destination.lat, lng: destination.lng }
    : null;
}

function toPosition(point: LatLng): Coord {
  return [point.lng, point.lat];
}
