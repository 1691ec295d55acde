import * as hdr from 'hdr-histogram-js';

/** Latency recorder (microsecond resolution, reported in ms) with a per-second throughput series. */
export class Recorder {
  private readonly histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });
  private readonly perSecond = new Map<number, number>();
  private readonly started = performance.now();

  /** Records one completed operation that took `ms`. */
  record(ms: number): void {
    this.histogram.recordValue(Math.max(1, Math.round(ms * 1000)));
    this.count();
  }

  /** Counts one completed operation without a latency. */
  count(): void {
    const second = Math.floor((performance.now() - this.started) / 1000);
    this.perSecond.set(second, (this.perSecond.get(second) ?? 0) + 1);
  }

  get total(): number {
    let sum = 0;
    for (const value of this.perSecond.values()) sum += value;
    return sum;
  }

  percentile(p: number): number {
    return round(this.histogram.getValueAtPercentile(p) / 1000);
  }

  /** The latency curve for the report. */
  distribution(): Array<[number, number]> {
    return [50, 75, 90, 95, 99, 99.9, 100].map((p) => [p, this.percentile(p)]);
  }

  throughput(): Array<[number, number]> {
    const last = Math.max(0, ...this.perSecond.keys());
    return Array.from({ length: last + 1 }, (_, second) => [second, this.perSecond.get(second) ?? 0]);
  }
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * The increase of each count between two readings per unit (e.g. Redis calls per command per event), largest first,
 * at most `top` of them (counts that did not move are left out).
 */
export function perUnit(before: Map<string, number>, after: Map<string, number>, units: number, top = Infinity, digits = 2): Record<string, number> {
  const increases = [...after].map(([key, value]) => [key, value - (before.get(key) ?? 0)] as const).filter(([, increase]) => increase > 0);
  increases.sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(increases.slice(0, top).map(([key, increase]) => [key, round(increase / Math.max(1, units), digits)]));
}
