/** One benchmark of the harness. */
export interface Benchmark {
  name: string;
  /** One line: what it measures. */
  description: string;
  /** Options and their defaults for the short suite (`npm run bench`); `--name value` overrides them. */
  defaults: Record<string, number>;
  /** The target, in words, as the issue states it. */
  target: string;
  run(context: BenchContext): Promise<BenchResult>;
}

export interface BenchContext {
  options: Record<string, number>;
  progress: (line: string) => void;
}

/** A series over time: [seconds since start, value]. */
export type Series = Array<[number, number]>;

export interface BenchResult {
  /** Headline figures, printed as the summary table. */
  metrics: Record<string, number | string>;
  /** The same path measured without the product (bare Koa route, bare Socket.IO, bare store loop). */
  reference?: { name: string; metrics: Record<string, number | string> };
  /** Product figure ÷ reference figure, for the key metric. */
  ratio?: { metric: string; value: number };
  /**
   * Figures split by kind, by name (e.g. Redis commands per event by command, the top ones): their own key in the
   * JSON, one line each in the summary.
   */
  breakdowns?: Record<string, Record<string, number>>;
  /** Whether each target was met, with the measured figure. */
  targets: Array<{ target: string; measured: string; met: boolean }>;
  /** Latency distribution in ms: [percentile, value]. */
  latency?: Array<[number, number]>;
  /** Throughput over time (per second). */
  throughput?: Series;
  /** More line charts for the HTML report (e.g. a soak's memory per minute). */
  charts?: Array<{ title: string; series: Series; xLabel: string; yLabel: string }>;
  notes?: string[];
}
