import { ExpirySchedule } from '../../src/gateways/expiry-schedule';

describe('ExpirySchedule', () => {
  let now = 0;
  beforeEach(() => {
    jest.useFakeTimers();
    now = 1_000_000;
  });
  afterEach(() => jest.useRealTimers());

  const advance = (ms: number): void => {
    now += ms;
    jest.advanceTimersByTime(ms);
  };

  it('expires each item once its time has passed, never before, with one timer for all', () => {
    const expired: string[] = [];
    const schedule = new ExpirySchedule<string>((item) => expired.push(item), () => now);
    schedule.add('late', now + 5_000);
    schedule.add('early', now + 2_000);
    schedule.add('same-second', now + 2_000);
    expect(jest.getTimerCount()).toBe(1);
    advance(1_999);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired.sort()).toEqual(['early', 'same-second']);
    advance(2_999);
    expect(expired).toHaveLength(2);
    advance(1);
    expect(expired).toContain('late');
    expect(schedule.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    schedule.close();
  });

  it('a removed item never expires; an expiry in the middle of a second waits for its end', () => {
    const expired: string[] = [];
    const schedule = new ExpirySchedule<string>((item) => expired.push(item), () => now);
    schedule.add('gone', now + 1_000);
    schedule.add('kept', now + 1_500);
    schedule.remove('gone', now + 1_000);
    advance(1_499);
    expect(expired).toEqual([]);
    advance(501); // the end of the second 'kept' falls in
    expect(expired).toEqual(['kept']);
    schedule.close();
  });

  it('waits past the longest timer delay by re-arming', () => {
    const expired: string[] = [];
    const schedule = new ExpirySchedule<string>((item) => expired.push(item), () => now);
    const far = 40 * 24 * 3600_000; // beyond setTimeout's 24.8 days
    schedule.add('far', now + far);
    advance(2 ** 31 - 1);
    expect(expired).toEqual([]);
    advance(far - (2 ** 31 - 1));
    expect(expired).toEqual(['far']);
    schedule.close();
  });
});
