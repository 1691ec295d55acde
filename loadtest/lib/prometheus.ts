/**
 * Reading a node's /metrics (Prometheus text exposition format): samples with their labels, summed over labels or
 * split by one, and the difference between two readings (a phase's count from a counter).
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a Prometheus text page (comments and blank lines skipped; label values unescaped). */
export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** One reading of a /metrics page. */
export class MetricsReading {
  constructor(readonly samples: Sample[]) {}

  /** A metric's samples summed over every label combination (or those matching `where`); 0 when it has none. */
  sum(name: string, where: Record<string, string> = {}): number {
    let total = 0;
    for (const sample of this.samples) {
      if (sample.name !== name || !Number.isFinite(sample.value)) continue;
      if (Object.entries(where).every(([key, value]) => sample.labels[key] === value)) total += sample.value;
    }
    return total;
  }

  /** A metric summed per value of one label, or of several joined by '/' (a missing label reads ''). */
  byLabel(name: string, label: string | string[]): Map<string, number> {
    const labels = typeof label === 'string' ? [label] : label;
    const totals = new Map<string, number>();
    for (const sample of this.samples) {
      if (sample.name !== name || !Number.isFinite(sample.value)) continue;
      const key = labels.map((each) => sample.labels[each] ?? '').join('/');
      totals.set(key, (totals.get(key) ?? 0) + sample.value);
    }
    return totals;
  }

  /** Whether the page has the metric at all (a counter with labels shows no sample before its first count). */
  has(name: string): boolean {
    return this.samples.some((sample) => sample.name === name);
  }
}

/** Reads a /metrics page: loopback callers need no token unless the node has METRICS_TOKEN (its environment's). */
export async function readMetrics(metricsUrl: string, token = process.env.METRICS_TOKEN): Promise<MetricsReading> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000), ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
  if (!response.ok) throw new Error(`GET ${metricsUrl}: ${response.status}`);
  return new MetricsReading(parsePrometheus(await response.text()));
}

/** What counters counted between two readings. */
export class MetricsDelta {
  constructor(
    readonly before: MetricsReading,
    readonly after: MetricsReading,
  ) {}

  /** A counter's increase, summed over labels (or those matching `where`). */
  sum(name: string, where: Record<string, string> = {}): number {
    return this.after.sum(name, where) - this.before.sum(name, where);
  }

  /** A counter's increase per value of one label, or of several joined by '/' (values that did not move left out). */
  byLabel(name: string, label: string | string[]): Map<string, number> {
    const before = this.before.byLabel(name, label);
    const increases = new Map<string, number>();
    for (const [key, value] of this.after.byLabel(name, label)) {
      const increase = value - (before.get(key) ?? 0);
      if (increase !== 0) increases.set(key, increase);
    }
    return increases;
  }
}
