import type { Logger } from 'pino';

export interface LifecycleOptions {
  logger: Logger;
  /**
   * How long one part's stop may take before it is given up on (logged) and the next one runs: with Redis down,
   * closing its clients would otherwise wait for a reconnect, and the whole shutdown has a deadline.
   * @default 3000
   */
  stepTimeoutMs?: number;
}

/**
 * The parts of a running node in the order they were built, each registered with its stop as soon as it exists.
 * Stopping runs the stops in reverse, so a part stops before anything it depends on; each stop is bounded, and one
 * that fails or times out is logged and the rest still run. A build step that fails says which one, in one line,
 * after stopping what was built before it.
 */
export class Lifecycle {
  private readonly parts: Array<{ name: string; stop: () => unknown }> = [];
  private readonly logger: Logger;
  private readonly stepTimeoutMs: number;
  private stopping: Promise<void> | null = null;

  constructor(options: LifecycleOptions) {
    this.logger = options.logger;
    this.stepTimeoutMs = options.stepTimeoutMs ?? 3000;
    if (!(this.stepTimeoutMs > 0)) throw new RangeError('Lifecycle: stepTimeoutMs must be > 0');
  }

  /**
   * Builds a part and registers its stop (when it has one).
   * @throws Error `start-up failed at <name>: <reason>` (the cause kept), once the parts built before are stopped
   */
  async part<T>(name: string, build: () => T | Promise<T>, stop?: (part: T) => unknown): Promise<T> {
    let built: T;
    try {
      built = await build();
    } catch (error) {
      await this.stop();
      throw new Error(`start-up failed at ${name}: ${(error as Error).message}`, { cause: error });
    }
    if (stop) this.add(name, () => stop(built));
    return built;
  }

  /** Registers the stop of a part built outside {@link part}. */
  add(name: string, stop: () => unknown): void {
    if (this.stopping) throw new Error(`Lifecycle: ${name} registered while stopping`);
    this.parts.push({ name, stop });
  }

  /** Stops every registered part, the last built first. Calling it again returns the same shutdown. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      for (const { name, stop } of [...this.parts].reverse()) await this.attempt(name, stop);
    })());
  }

  private async attempt(name: string, run: () => unknown): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, this.stepTimeoutMs, 'timeout');
    });
    try {
      const outcome = await Promise.race([Promise.resolve().then(run), timeout]);
      if (outcome === 'timeout') this.logger.warn({ step: name }, 'shutdown step timed out; going on');
    } catch (error) {
      this.logger.error({ err: error, step: name }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
}
