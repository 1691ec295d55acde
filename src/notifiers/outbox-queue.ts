import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Logger } from 'pino';
import type { EventBus } from '../actors/event-bus';
import { isConnectionError, type DependencyWatch } from '../dependency-state';
import type { EffectKind } from '../domain/effects';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { OutboxRelay, OwedKind, OwedWork } from '../services/outbox-relay';

// BullMQ reports a Redis outage once per reconnect attempt; one line per this long is enough.
const ERROR_LOG_INTERVAL_MS = 30_000;

// What was owed less than this long ago is probably being queued by the node that owes it; the sweep leaves it alone.
const SWEEP_GRACE_MS = 1000;

/** Calls `log` at most once per interval (outages make queues repeat the same error every second). */
function throttled<T>(log: (value: T) => void, intervalMs = ERROR_LOG_INTERVAL_MS): (value: T) => void {
  let last = 0;
  return (value) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(value);
  };
}

/**
 * The `error` listener of a BullMQ queue, worker or connection: a lost or refused connection is part of a Redis outage,
 * which the node's own connections report once (see DependencyState), so it goes to `debug`; anything else is logged
 * at `warn`, throttled.
 */
export function outageAware(logger: Logger, message: string): (error: Error) => void {
  const warn = throttled((error: Error) => logger.warn({ err: error }, message));
  return (error) => {
    if (isConnectionError(error)) logger.debug({ err: error }, message);
    else warn(error);
  };
}

/** What a queue fed from the outbox is built with (the alert queue, the webhook relay). */
export interface OutboxQueueOptions {
  /** The outbox relay: what changes owe is queued through it, and its row cleared then. */
  relay: Pick<OutboxRelay, 'register'>;
  /** This node's changes, queued as they come (absent: the relay's sweep alone queues what the outbox holds). */
  bus?: EventBus;
  /**
   * A connection of the queues' own that fails fast while Redis is down (the outbox keeps what could not be
   * queued), without auto-pipelining (ioredis would copy BullMQ's scripts into every pipeline).
   */
  connection: RedisClient;
  /**
   * Redis's state on this node: what could not be queued during an outage is counted as held by it instead of being
   * logged (see {@link OwedWork.needs}). @default none: failures are logged, throttled
   */
  redis?: DependencyWatch;
  prefix: string;
  logger: Logger;
  /**
   * How often the outbox is swept for what was owed but not queued (Redis down, a crash).
   * @default 2000
   */
  sweepMs?: number;
}

/**
 * The cluster's BullMQ queue `name` (under its prefix); its errors are logged as `<what> queue error`, throttled.
 * Nothing reads BullMQ's events stream (the workers report to their own node, the delivery logs are the record), so
 * it is kept to the few entries Redis's approximate trimming leaves.
 */
export function outboxQueue<Job>(
  name: string,
  what: string,
  options: Pick<OutboxQueueOptions, 'connection' | 'prefix' | 'logger'>,
  defaultJobOptions: DefaultJobOptions): Queue<Job> {
  const queue = new Queue<Job>(name, {
    connection: options.connection,
    prefix: queuePrefix(options.connection, options.prefix, name),
    defaultJobOptions,
    streams: { events: { maxLen: 0 } },
  });
  queue.on('error', outageAware(options.logger, `${what} queue error`));
  return queue;
}

/** Registers with the relay what a kind of owed effect does, swept as the options say. */
export function oweThrough(options: OutboxQueueOptions, kind: EffectKind, perform: OwedWork['perform']): OwedKind {
  return options.relay.register(kind, { sweepMs: sweepMsOf(options), graceMs: SWEEP_GRACE_MS, perform, needs: options.redis });
}

export function sweepMsOf(options: Pick<OutboxQueueOptions, 'sweepMs'>): number {
  return options.sweepMs ?? 2000;
}
