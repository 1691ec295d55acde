import type { Queue } from 'bullmq';
import type { DependencyWatch } from '../dependency-state';

/** The job states `queue_jobs{state}` shows: waiting for a worker, being worked on, waiting for their time, failed for good. */
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;

// A scrape is answered without the queues' numbers (they keep their last values) rather than held past this.
const READ_TIMEOUT_MS = 1000;

export interface QueueDepthsOptions {
  /** The queues read, labelled by their names. */
  queues: ReadonlyArray<Pick<Queue, 'name' | 'getJobCounts' | 'getWaiting'>>;
  /** `queue_jobs{queue, state}`. */
  jobs: { set(labels: { queue: string; state: (typeof QUEUE_STATES)[number] }, value: number): void };
  /** `queue_oldest_waiting_age_seconds{queue}`. */
  oldestWaitingAge: { set(labels: { queue: string }, value: number): void };
  /** Redis's state on this node: during an outage the queues are not asked (their gauges keep their last values). */
  redis: Pick<DependencyWatch, 'up'>;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * A scrape-time reader of BullMQ queues' depths: per queue one `getJobCounts` (one script in Redis) and, only when
 * jobs wait, the next one to be taken, whose age is the time since it was added or last tried (a retried job's
 * wait in the delayed set counts too). Nothing is asked while Redis is down, and a queue that does not answer within
 * a second keeps its last values: a scrape never waits on Redis.
 */
export function queueDepths(options: QueueDepthsOptions): () => Promise<void> {
  const now = options.now ?? Date.now;
  const read = async (queue: QueueDepthsOptions['queues'][number]): Promise<void> => {
    const counts = await queue.getJobCounts(...QUEUE_STATES);
    for (const state of QUEUE_STATES) options.jobs.set({ queue: queue.name, state }, counts[state] ?? 0);
    const [next] = (counts.waiting ?? 0) > 0 ? await queue.getWaiting(0, 0) : [];
    const since = next ? Math.max(next.timestamp, next.processedOn ?? 0) : null;
    options.oldestWaitingAge.set({ queue: queue.name }, since === null ? 0 : Math.max(0, now() - since) / 1000);
  };
  return async () => {
    if (!options.redis.up) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, READ_TIMEOUT_MS);
      timer.unref();
    });
    try {
      await Promise.race([Promise.allSettled(options.queues.map(read)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
