import { DelayedError, Worker, type Job } from 'bullmq';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import { ALERT_QUEUE, alertJobId, alertQueueOn, alertsOf, type AlertJob, type AlertJobData, type AlertJobSettings } from './alert-queue';
import { outageAware } from './outbox-queue';
import { RetryAlertError, type AlertOutcome, type AlertProcessor } from './alert-processor';

export interface AlertWorkerOptions extends AlertJobSettings {
  processor: Pick<AlertProcessor, 'process' | 'processAll'>;
  /** Must have `maxRetriesPerRequest: null` (BullMQ's blocking commands wait indefinitely). */
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  /**
   * Alerts handled at once by this process (they wait on SMTP and HTTP, not on the CPU), whether they came in jobs of
   * their own or in batches.
   * @default 50
   */
  concurrency?: number;
  /**
   * How long a job's lock lasts; a worker that died is noticed, and its jobs run again, after about this long.
   * @default 15000
   */
  lockMs?: number;
  /** Told of an alert held for quiet hours, once its job waits in the queue's delayed set. */
  onHeld?: (alert: AlertJob, outcome: Extract<AlertOutcome, { kind: 'held' }>) => void;
  /** Told of every alert decided (sent, skipped, failed), once the job that carried it has completed. */
  onDecided?: (alert: AlertJob, outcome: AlertOutcome) => void;
}

/** A running alert worker. */
export interface AlertWorker {
  readonly worker: Worker<AlertJobData>;
  /** Stops taking jobs and lets running ones finish. */
  close(): Promise<void>;
}

/** An alert of a batch that leaves it as a job of its own, and when that job is due. */
interface MovedOut {
  alert: AlertJob;
  delayMs: number;
  held: Extract<AlertOutcome, { kind: 'held' }> | null;
}

/**
 * Runs queued alerts through the processor. A job of one alert: a transient channel failure makes BullMQ retry it with
 * backoff, and an alert held for quiet hours waits as a delayed job until they end (no process sleeps meanwhile; any
 * worker of the cluster runs it then). A batch's alerts are decided together (one read per kind of data), each with
 * its own claims; one that must be tried again, or is held, leaves the batch as a job of its own (delayed by the
 * backoff, or until quiet hours end), and the batch completes once every alert of it is decided or moved out. A worker
 * dying in the middle leaves the batch to run again, where the delivery log says which alerts were decided.
 */
export function createAlertWorker(options: AlertWorkerOptions): AlertWorker {
  const lockMs = options.lockMs ?? 15_000;
  const backoffMs = options.backoffMs ?? 1000;
  const slots = new Slots(options.concurrency ?? 50);
  // Where alerts moved out of a batch are queued (the worker's connection carries BullMQ's non-blocking commands).
  const requeue = alertQueueOn({ connection: options.connection, prefix: options.prefix, logger: options.logger, attempts: options.attempts, backoffMs });
  const decided = new WeakMap<Job, Array<[AlertJob, AlertOutcome]>>();

  async function single(job: Job<AlertJobData>, alert: AlertJob, token: string | undefined): Promise<AlertOutcome> {
    const outcome = await slots.run(() => options.processor.process(alert.orderId, alert.seq, alert.kind));
    if (outcome.kind !== 'held') {
      decided.set(job, [[alert, outcome]]);
      return outcome;
    }
    // The processor's clock says how long; the queue's own (Redis) time is when.
    await job.moveToDelayed(Date.now() + outcome.delayMs, token);
    options.onHeld?.(alert, outcome);
    throw new DelayedError();
  }

  async function batch(job: Job<AlertJobData>, alerts: AlertJob[]): Promise<number> {
    const done: Array<[AlertJob, AlertOutcome]> = [];
    const moved: MovedOut[] = [];
    const results = await options.processor.processAll(alerts, (work) => slots.run(work));
    results.forEach((result, index) => {
      const alert = alerts[index]!;
      if (result.ok && result.outcome.kind === 'held') moved.push({ alert, delayMs: result.outcome.delayMs, held: result.outcome });
      else if (result.ok) done.push([alert, result.outcome]);
      else {
        const { error } = result;
        if (!(error instanceof RetryAlertError)) {
          options.logger.error({ err: error, order_id: alert.orderId, seq: alert.seq, kind: alert.kind ?? 'status' }, 'alert failed; queued again on its own');
        }
        moved.push({ alert, delayMs: backoffMs, held: null });
      }
    });
    if (moved.length > 0) {
      // Each under its own alert's job id: a job the sweep queued for it already is the same job.
      await requeue.addBulk(moved.map(({ alert, delayMs }) => ({ name: 'alert', data: alert, opts: { jobId: alertJobId(alert), delay: delayMs } })));
      for (const { alert, held } of moved) if (held) options.onHeld?.(alert, held);
    }
    decided.set(job, done);
    return done.length;
  }

  const worker = new Worker<AlertJobData>(
    ALERT_QUEUE,
    async (job, token) => {
      const alerts = alertsOf(job.data);
      return 'alerts' in job.data ? batch(job, alerts) : single(job, alerts[0]!, token);
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
  worker.on('completed', (job) => {
    for (const [alert, outcome] of decided.get(job) ?? []) options.onDecided?.(alert, outcome);
    decided.delete(job);
  });
  return {
    worker,
    async close() {
      await worker.close();
      await requeue.close();
    },
  };
}

/** At most `size` pieces of work at once; the others wait their turn, first come first served. */
class Slots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
