import { DelayedError, Worker, type Job } from 'bullmq';
import { queuePrefix, type RedisClient } from '../gateways/redis';
import type { Logger } from 'pino';
import { outageAware } from './outbox-queue';
import { EndpointSlots } from './endpoint-slots';
import type { WebhookJob, WebhookOutcome, WebhookProcessor } from './webhook-processor';
import { WEBHOOK_QUEUE } from './webhook-relay';

export interface WebhookWorkerOptions {
  processor: WebhookProcessor;
  /** Must have `maxRetriesPerRequest: null` (BullMQ's blocking commands wait indefinitely). */
  connection: RedisClient;
  prefix: string;
  logger: Logger;
  /**
   * Attempts this process makes at once (they wait on receivers, not on the CPU).
   * @default 50
   */
  concurrency?: number;
  /**
   * Attempts in flight per endpoint and per tenant, across the cluster (see {@link EndpointSlots}).
   * @default 4 and 16
   */
  perEndpoint?: number;
  perTenant?: number;
  /**
   * Job lock: a job of a worker that died runs again after about this long.
   * @default 30000
   */
  lockMs?: number;
  /** Told of every finished job (tests, metrics). */
  onOutcome?: (job: WebhookJob, outcome: WebhookOutcome) => void;
  /** `webhook_attempts_total{outcome}` (see {@link attemptOutcome}). @default not counted */
  attempts?: { inc(labels: { outcome: WebhookAttemptOutcome }): void };
}

/**
 * What an attempt came to, as `webhook_attempts_total` counts it: `delivered` (2xx), `retry` (tried again later),
 * `failed` (410 Gone, or the message's attempts spent), `dropped` (a pending message not sent at all: its endpoint is
 * disabled or deleted).
 */
export type WebhookAttemptOutcome = 'delivered' | 'retry' | 'failed' | 'dropped';

/** The outcome counted for a run of the processor; null when it attempted nothing and dropped nothing. */
export function attemptOutcome(outcome: WebhookOutcome): WebhookAttemptOutcome | null {
  switch (outcome.kind) {
    case 'succeeded':
      return 'delivered';
    case 'retry':
      return 'retry';
    case 'failed':
      return outcome.attempt === null ? 'dropped' : 'failed';
    case 'skipped':
      return outcome.reason === 'endpoint_deleted' ? 'dropped' : null;
    case 'no_slot':
      return null;
  }
}

// A job that finds its endpoint's slots all taken waits in Redis's delayed set (not in a worker slot) about as long as
// the endpoint's backlog takes to drain through its slots (see SlotWaits), within these bounds: a fast endpoint's jobs
// come back as slots free up, a dead endpoint's backlog (15 s attempts) costs a few moves a second.
const SLOT_WAIT_MIN_MS = 10;
const SLOT_WAIT_CAP_MS = 30_000;
// What an attempt to an endpoint not seen yet is assumed to take.
const UNKNOWN_ATTEMPT_MS = 100;
// Jobs that found no slot within this long count as the endpoint's backlog.
const BACKLOG_WINDOW_MS = 2000;
// A job that finds no slot while this process itself has an attempt in flight to a fast endpoint (answers within
// FAST_ATTEMPT_MS on average) waits here for that attempt to end, at most LOCAL_WAIT_MS and at most as many jobs as
// LOCAL_WAITERS_PER_SLOT per slot: a hot endpoint's slots are handed on at once instead of through the delayed set. A slow or
// dead endpoint's jobs never wait in a worker slot.
const FAST_ATTEMPT_MS = 250;
const LOCAL_WAIT_MS = 500;
const LOCAL_WAITERS_PER_SLOT = 4;
// Slots lost to other processes this many times in a row send the job to the delayed set after all.
const LOCAL_WAIT_TURNS = 8;
// A slot outlives its attempt's timeout by this much before another worker may take it (a worker that died).
const SLOT_MARGIN_MS = 5000;

/**
 * The webhook workers of a process: BullMQ jobs, one per message (its id is the message id, or a replay's own), run
 * through the processor once the endpoint has a free slot. A job without a slot, or with a retry due later, moves to
 * BullMQ's delayed set (`moveToDelayed` + DelayedError), so it holds no worker slot while it waits and other
 * endpoints' messages go on.
 */
export class WebhookWorker {
  private readonly worker: Worker<WebhookJob, WebhookOutcome>;
  private readonly slots: EndpointSlots;
  private readonly slotConnection: RedisClient;
  private readonly waits: SlotWaits;
  private readonly perEndpoint: number;
  /** This process's attempts in flight per endpoint, and the jobs waiting here for one of them to end. */
  private readonly local = new Map<string, { inFlight: number; waiters: Array<() => void> }>();

  constructor(private readonly options: WebhookWorkerOptions) {
    const lockMs = options.lockMs ?? 30_000;
    // A connection of its own: a slot's round trips never queue behind the worker's own BullMQ commands.
    this.slotConnection = options.connection.duplicate();
    this.slotConnection.on('error', outageAware(options.logger, 'webhook slot connection error'));
    this.slots = new EndpointSlots({
      connection: this.slotConnection,
      prefix: options.prefix,
      perEndpoint: options.perEndpoint,
      perTenant: options.perTenant,
    });
    this.perEndpoint = options.perEndpoint ?? 4;
    this.waits = new SlotWaits(this.perEndpoint);
    this.worker = new Worker(WEBHOOK_QUEUE, (job, token) => this.run(job, token), {
      connection: options.connection,
      prefix: queuePrefix(options.connection, options.prefix, WEBHOOK_QUEUE),
      concurrency: options.concurrency ?? 50,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      // A message whose worker keeps dying is still tried; the message's own attempt budget ends it.
      maxStalledCount: 10,
      // An idle worker waits on the queue's marker and polls only this often (seconds), as the alert workers do.
      drainDelay: 10,
    });
    this.worker.on('error', outageAware(options.logger, 'webhook worker error'));
    this.worker.on('failed', (job, error) => options.logger.error({ err: error, job_id: job?.id }, 'webhook job failed'));
  }

  /** Stops taking jobs and lets running attempts finish. */
  async close(): Promise<void> {
    await this.worker.close();
    await this.slotConnection.quit().catch(() => this.slotConnection.disconnect());
  }

  private localOf(webhookId: string) {
    let local = this.local.get(webhookId);
    if (!local) {
      local = { inFlight: 0, waiters: [] };
      this.local.set(webhookId, local);
    }
    return local;
  }

  private async run(job: Job<WebhookJob, WebhookOutcome>, token: string | undefined): Promise<WebhookOutcome> {
    const { processor } = this.options;
    const jobId = job.id ?? job.data.messageId;
    const holder = `${jobId}:${token ?? ''}`;
    const { webhookId, tenantId } = job.data;
    let entered = 0;
    const local = this.localOf(webhookId);
    const outcome = await processor.process(job.data, jobId, {
      enter: async (startedAt) => {
        for (let turn = 0; ; turn++) {
          const taken = await this.slots.acquire(webhookId, tenantId, job.data.messageId, holder, processor.attemptTimeoutMs + SLOT_MARGIN_MS, startedAt);
          if (taken) {
            local.inFlight += 1;
            entered = Date.now();
            return taken;
          }
          const waitHere =
            turn < LOCAL_WAIT_TURNS &&
            local.inFlight > 0 && local.waiters.length < this.perEndpoint * LOCAL_WAITERS_PER_SLOT && this.waits.fast(webhookId, FAST_ATTEMPT_MS);
          if (!waitHere) return null;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
              const index = local.waiters.indexOf(wake);
              if (index >= 0) local.waiters.splice(index, 1);
              resolve();
            }, LOCAL_WAIT_MS);
            const wake = (): void => {
              clearTimeout(timer);
              resolve();
            };
            local.waiters.push(wake);
          });
        }
      },
      leave: async () => {
        this.waits.attempted(webhookId, Date.now() - entered);
        local.inFlight -= 1;
        try {
          await this.slots.release(webhookId, tenantId, holder);
        } finally {
          local.waiters.shift()?.();
        }
      },
      logged: () => this.slots.unmark(tenantId, job.data.messageId),
    });
    const counted = attemptOutcome(outcome);
    if (counted) this.options.attempts?.inc({ outcome: counted });
    if (outcome.kind === 'no_slot') {
      await job.moveToDelayed(Date.now() + this.waits.missed(webhookId, jobId), token);
      throw new DelayedError();
    }
    if (outcome.kind === 'retry') {
      await job.moveToDelayed(Date.now() + outcome.delayMs, token);
      throw new DelayedError();
    }
    this.options.onOutcome?.(job.data, outcome);
    return outcome;
  }
}

/**
 * How long a job that found no free slot waits before it tries again: about as long as its endpoint's backlog takes
 * to drain through its slots (backlog × attempt time ÷ slots), jittered, so the waiting jobs come back spread out at
 * about the rate slots free up: the slots stay busy, and each waiting job misses about once. The backlog is the jobs
 * of the endpoint this process saw miss lately, the attempt time this process's running average for the endpoint.
 */
class SlotWaits {
  private readonly endpoints = new Map<string, { attemptMs: number; missed: Map<string, number> }>();

  constructor(private readonly slots: number) {}

  /** A job found no slot: how long it waits (ms). */
  missed(endpointId: string, jobId: string): number {
    const now = Date.now();
    const endpoint = this.endpoint(endpointId);
    endpoint.missed.set(jobId, now);
    for (const [job, at] of endpoint.missed) {
      if (now - at > BACKLOG_WINDOW_MS) endpoint.missed.delete(job);
    }
    const drainMs = (endpoint.missed.size * endpoint.attemptMs) / this.slots;
    return Math.min(SLOT_WAIT_CAP_MS, Math.max(SLOT_WAIT_MIN_MS, drainMs)) * (0.5 + Math.random());
  }

  /** Whether the endpoint's attempts take less than `ms` on average here (unknown: no). */
  fast(endpointId: string, ms: number): boolean {
    const endpoint = this.endpoints.get(endpointId);
    return endpoint !== undefined && endpoint.attemptMs < ms;
  }

  /** An attempt to the endpoint took `ms`. */
  attempted(endpointId: string, ms: number): void {
    const endpoint = this.endpoint(endpointId);
    endpoint.attemptMs = endpoint.attemptMs * 0.8 + Math.max(1, ms) * 0.2;
    if (endpoint.missed.size === 0 && this.endpoints.size > 10_000) this.endpoints.delete(endpointId);
  }

  private endpoint(endpointId: string) {
    let endpoint = this.endpoints.get(endpointId);
    if (!endpoint) {
      endpoint = { attemptMs: UNKNOWN_ATTEMPT_MS, missed: new Map() };
      this.endpoints.set(endpointId, endpoint);
    }
    return endpoint;
  }
}
