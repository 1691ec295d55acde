import { DelayedError, Worker } from 'bullmq';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import { ALERT_QUEUE, type AlertJob } from './alert-queue';
import { outageAware } from './outbox-queue';
import { RetryAlertError, type AlertOutcome, type AlertProcessor } from './alert-processor';

export interface AlertWorkerOptions {
  processor: AlertProcessor;
  /** Must have `maxRetriesPerRequest: null` (BullMQ's blocking commands wait indefinitely). */
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  /**
   * Alerts handled at once by this process (they wait on SMTP and HTTP, not on the CPU).
   * @default 50
   */
  concurrency?: number;
  /**
   * How long a job's lock lasts; a worker that died is noticed, and its jobs run again, after about this long.
   * @default 15000
   */
  lockMs?: number;
  /** Told of an alert held for quiet hours, once its job waits in the queue's delayed set. */
  onHeld?: (job: AlertJob, outcome: Extract<AlertOutcome, { kind: 'held' }>) => void;
}

/**
 * Runs queued alerts through the processor; a transient channel failure makes BullMQ retry with backoff, and an
 * alert held for quiet hours waits as a delayed job until they end (no process sleeps meanwhile; any worker of the
 * cluster runs it then).
 */
export function createAlertWorker(options: AlertWorkerOptions): Worker<AlertJob, AlertOutcome> {
  const lockMs = options.lockMs ?? 15_000;
  const worker = new Worker<AlertJob, AlertOutcome>(
    ALERT_QUEUE,
    async (job, token) => {
      const outcome = await options.processor.process(job.data.orderId, job.data.seq, job.data.kind);
      if (outcome.kind !== 'held') return outcome;
      // The processor's clock says how long; the queue's own (Redis) time is when.
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      options.onHeld?.(job.data, outcome);
      throw new DelayedError();
    },
    {
      connection: options.connection,
      prefix: queuePrefix(options.connection, options.prefix, ALERT_QUEUE),
      concurrency: options.concurrency ?? 50,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A job whose worker keeps dying is still retried a few times; the delivery log prevents double sends.
      maxStalledCount: 5,
      // An idle worker waits on the queue's marker (a job added, or a delayed one due, wakes it at once) and polls
      // only this often (seconds): BullMQ's ceiling for a blocking wait on Redis.
      drainDelay: 10,
    },
  );
  worker.on('error', outageAware(options.logger, 'alert worker error'));
  worker.on('failed', (job, error) => {
    if (error instanceof RetryAlertError || error.name === 'RetryAlertError') return; // logged by the processor
    options.logger.error({ err: error, job_id: job?.id }, 'alert job failed');
  });
  return worker;
}
