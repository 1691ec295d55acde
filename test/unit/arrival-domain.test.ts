/**
 * The pure Arrival rules (API.md "Arrival"): the speed a courier's recent positions show, the ETA it gives, when
 * a new ETA is worth pushing, and when quiet hours end.
 */
import { DEFAULT_SPEED_MPS, MIN_SPEED_MPS, SpeedTrack, estimateArrival, etaMoved, metresBetween } from '../../src/domain/eta';
import { quietHoursEnd } from '../../src/domain/quiet-hours';
import { DESTINATION, offsetFromDestination } from '../support/arrival-track';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

describe('SpeedTrack', () => {
  it('measures path length over elapsed time, assuming a city speed until there is a span to measure', () => {
    const track = new SpeedTrack();
    expect(track.speed()).toBe(DEFAULT_SPEED_MPS);
    track.add({ ...offsetFromDestination(0, 1000), at: at(0) });
    track.add({ ...offsetFromDestination(0, 995), at: at(1) });
    expect(track.speed()).toBe(DEFAULT_SPEED_MPS); // one second is no measurement
    for (let s = 10; s <= 60; s += 10) track.add({ ...offsetFromDestination(0, 1000 - 10 * s), at: at(s) });
    expect(track.speed()).toBeCloseTo(10, 1);
  });

  it('with under 10 s of track, takes the speed the device reports: 2 km away at 10 m/s, three fixes a second apart, is 200 s away', () => {
    const track = new SpeedTrack();
    // Moving 10 m a second towards the destination, each fix saying 10 m/s (issue 24: it was 335 s with the default).
    for (const s of [0, 1, 2]) track.add({ ...offsetFromDestination(0, 2000 - 10 * s), speed: 10, at: at(s) });
    expect(track.speed()).toBe(10);
    const estimate = estimateArrival(offsetFromDestination(0, 1980), DESTINATION, track.speed(), Date.parse(at(2)));
    expect((estimate.etaMs - Date.parse(at(2))) / 1000).toBeGreaterThanOrEqual(195);
    expect((estimate.etaMs - Date.parse(at(2))) / 1000).toBeLessThanOrEqual(200);
  });

  it('keeps the default for a reported standstill or no reported speed, and the measured speed once there is a span', () => {
    const stopped = new SpeedTrack();
    stopped.add({ ...offsetFromDestination(0, 2000), speed: 0, at: at(0) });
    expect(stopped.speed()).toBe(DEFAULT_SPEED_MPS);
    const crawling = new SpeedTrack();
    crawling.add({ ...offsetFromDestination(0, 2000), speed: 0.5, at: at(0) });
    expect(crawling.speed()).toBe(MIN_SPEED_MPS);
    const track = new SpeedTrack();
    // The device says 25 m/s, but 60 s of track show 10 m/s: the measurement wins.
    for (let s = 0; s <= 60; s += 10) track.add({ ...offsetFromDestination(0, 2000 - 10 * s), speed: 25, at: at(s) });
    expect(track.speed()).toBeCloseTo(10, 1);
  });

  it('floors a parked courier at the minimum speed, and ignores fixes older than the last one', () => {
    const track = new SpeedTrack();
    for (let s = 0; s <= 120; s += 10) track.add({ ...offsetFromDestination(0, 500), at: at(s) });
    expect(track.speed()).toBe(MIN_SPEED_MPS);
    track.add({ ...offsetFromDestination(0, 0), at: at(5) });
    expect(track.speed()).toBe(MIN_SPEED_MPS);
  });

  it('forgets motion older than the window: a courier that stopped slows down to the floor', () => {
    const track = new SpeedTrack();
    for (let s = 0; s <= 60; s += 10) track.add({ ...offsetFromDestination(0, 2000 - 10 * s), at: at(s) });
    for (let s = 70; s <= 400; s += 10) track.add({ ...offsetFromDestination(0, 1400), at: at(s) });
    expect(track.speed()).toBe(MIN_SPEED_MPS);
  });
});

describe('estimateArrival', () => {
  it('is the great-circle distance over the speed from now, in whole seconds, never before now', () => {
    const from = offsetFromDestination(0, 1200);
    expect(metresBetween(from, DESTINATION)).toBeCloseTo(1200, -1);
    const estimate = estimateArrival(from, DESTINATION, 8, T0);
    expect(estimate.remainingM).toBeCloseTo(1200, -1);
    expect(estimate.etaMs).toBe(T0 + 150_000);
    expect(estimateArrival(DESTINATION, DESTINATION, 8, T0 + 1).etaMs).toBeGreaterThanOrEqual(T0 + 1);
    // A speed below the floor is taken as the floor.
    expect(estimateArrival(from, DESTINATION, 0, T0).etaMs).toBe(T0 + 600_000);
  });

  it('is pushed when it moves by a minute or more, either way', () => {
    expect(etaMoved(null, T0)).toBe(true);
    expect(etaMoved(at(0), T0 + 59_000)).toBe(false);
    expect(etaMoved(at(0), T0 + 60_000)).toBe(true);
    expect(etaMoved(at(0), T0 - 60_000)).toBe(true);
  });
});

describe('quietHoursEnd', () => {
  const overnight = { start: '21:00', end: '08:00', time_zone: 'Asia/Hong_Kong' };

  it('ends an overnight span on the next morning before midnight, the same morning after it', () => {
    expect(quietHoursEnd(overnight, new Date('2026-03-02T15:00:00Z'))?.toISOString()).toBe('2026-03-03T00:00:00.000Z'); // 23:00
    expect(quietHoursEnd(overnight, new Date('2026-03-02T13:00:00Z'))?.toISOString()).toBe('2026-03-03T00:00:00.000Z'); // 21:00
    expect(quietHoursEnd(overnight, new Date('2026-03-02T22:30:00Z'))?.toISOString()).toBe('2026-03-03T00:00:00.000Z'); // 06:30
    expect(quietHoursEnd(overnight, new Date('2026-03-03T00:00:00Z'))).toBeNull(); // 08:00: over
    expect(quietHoursEnd(overnight, new Date('2026-03-02T12:59:00Z'))).toBeNull(); // 20:59
    expect(quietHoursEnd(null, new Date())).toBeNull();
  });

  it('handles a same-day span and daylight saving time in the zone', () => {
    const lunch = { start: '12:00', end: '13:30', time_zone: 'Europe/London' };
    // 12:15 BST (UTC+1) on a summer day; ends 13:30 BST.
    expect(quietHoursEnd(lunch, new Date('2026-07-01T11:15:00Z'))?.toISOString()).toBe('2026-07-01T12:30:00.000Z');
    expect(quietHoursEnd(lunch, new Date('2026-07-01T12:30:00Z'))).toBeNull();
    // New York springs forward on 2026-03-08: 22:00-07:00 from the evening before ends at 07:00 EDT (UTC-4).
    const night = { start: '22:00', end: '07:00', time_zone: 'America/New_York' };
    expect(quietHoursEnd(night, new Date('2026-03-08T03:30:00Z'))?.toISOString()).toBe('2026-03-08T11:00:00.000Z');
  });
});
