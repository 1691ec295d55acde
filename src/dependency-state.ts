import type { Logger } from 'pino';

/** The dependencies whose outages the node reports as one. */
export type Dependency = 'redis' | 'mqtt';

/** What a part that needs a dependency asks of its state: the narrow slice parts depend on. */
export interface DependencyWatch {
  /** Whether the dependency is reachable, as far as this node knows. */
  readonly up: boolean;
  /**
   * Counts one `what` (`live_updates`, `alerts`, …) as held by the outage in progress, reported when the
   * dependency is back. True when an outage is in progress: the part need not log the failure. False when the
   * dependency is up: the failure is news, and the part logs it.
   */
  held(what: string): boolean;
}

/** What the node's connections to a dependency report. */
export interface ConnectionWatch {
  /**
   * A connection lost the dependency (it retries by itself). Idempotent. `error` is what the connection reported,
   * logged as an error is (its type and code; the message only where it names no data).
   */
  lost(connection: string, error: unknown): void;
  /** A connection has the dependency again. */
  regained(connection: string): void;
}

export interface DependencyStateOptions {
  dependency: Dependency;
  logger: Logger;
  /** What runs without the dependency and what waits for it: the rest of the one line said when it goes. */
  meanwhile: string;
  /** `dependency_up{dependency}`: 1 while reachable, 0 during an outage. */
  upGauge: { set(labels: { dependency: Dependency }, value: number): void };
  /** `dependency_held_total{dependency, what}`: what outages held, by kind. */
  heldCounter: { inc(labels: { dependency: Dependency; what: string }): void };
  /** `dependency_outages_total{dependency}`: counted as each outage begins. @default none */
  outageCounter?: { inc(labels: { dependency: Dependency }): void };
  /** @default Date.now */
  now?: () => number;
}

/**
 * One dependency's state as the node's parts see it, so an outage is two lines in the log however long it lasts and
 * however much happens meanwhile: one warning when the first connection loses the dependency (and what waits for it),
 * one info line when the last one has it again, with how long it was gone and what was held meanwhile, by kind.
 * Parts count what they hold through {@link DependencyWatch.held} instead of logging each time; the counts are in
 * `/metrics` too.
 */
export class DependencyState implements DependencyWatch, ConnectionWatch {
  private readonly lostConnections = new Set<string>();
  private readonly heldNow = new Map<string, number>();
  private downSince = 0;
  private readonly now: () => number;

  constructor(private readonly options: DependencyStateOptions) {
    this.now = options.now ?? Date.now;
    options.upGauge.set({ dependency: options.dependency }, 1);
  }

  get up(): boolean {
    return this.lostConnections.size === 0;
  }

  lost(connection: string, error: unknown): void {
    if (this.lostConnections.has(connection)) return;
    const wasUp = this.up;
    this.lostConnections.add(connection);
    if (!wasUp) return;
    const { dependency, logger, meanwhile } = this.options;
    this.downSince = this.now();
    this.options.upGauge.set({ dependency }, 0);
    this.options.outageCounter?.inc({ dependency });
    logger.warn({ dependency, connection, err: error }, `${dependency} is not reachable: ${meanwhile}`);
  }

  regained(connection: string): void {
    if (!this.lostConnections.delete(connection) || !this.up) return;
    const { dependency, logger } = this.options;
    this.options.upGauge.set({ dependency }, 1);
    const held = Object.fromEntries(this.heldNow);
    this.heldNow.clear();
    const downMs = this.now() - this.downSince;
    const summary = Object.entries(held).map(([what, count]) => `${count} ${what.replace(/_/g, ' ')}`).join(', ') || 'nothing';
    logger.info({ dependency, down_ms: downMs, held }, `${dependency} is back after ${(downMs / 1000).toFixed(1)} s; held meanwhile: ${summary}`);
  }

  held(what: string): boolean {
    if (this.up) return false;
    this.heldNow.set(what, (this.heldNow.get(what) ?? 0) + 1);
    this.options.heldCounter.inc({ dependency: this.options.dependency, what });
    return true;
  }
}

/** A dependency is down and its outage has been reported already: who meets it need not log it again. */
export class DependencyDownError extends Error {
  constructor(
    readonly dependency: Dependency,
    options?: ErrorOptions,
  ) {
    super(`${dependency} is not reachable`, options);
    this.name = 'DependencyDownError';
  }
}

// Socket-level failures: the connection's own error events during an outage (refused, reset, timed out, no route).
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** Whether an error is a lost or refused connection (by its system error code). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && CONNECTION_ERRORS.has(code);
}
