/**
 * What the alert workers did: every `processed` and `held` alert job of the nodes a test watches (and every alert
 * those nodes decided without a job), awaitable per order, and the delivery log (`GET /v1/orders/:id/notifications`).
 */
import type { AlertOutcome } from '../../src/notifiers/alert-processor';
import type { Node } from '../../src/node';
import { eventually } from './eventually';
import type { Client } from './http';
import { Recorded } from './recorded';

/** One finished (`processed`) or postponed (`held`, quiet hours) alert job. */
export interface AlertJob {
  orderId: string;
  seq: number;
  outcome: AlertOutcome;
  event: 'processed' | 'held';
  /** `status` for a status change's alert, `arriving` for the courier's approach. */
  kind: string;
}

/** Every alert job the watched nodes' workers finished or held. Attach before the alert is due. */
export class AlertRecorder {
  private readonly jobs = new Recorded<AlertJob>();
  private readonly detachers: Array<() => void> = [];

  constructor(nodes: Node[] = []) {
    for (const node of nodes) this.attach(node);
  }

  /**
   * Watches one more node: its alert workers' jobs (an API-only node runs none), and the alerts it decided as it
   * applied their events (a watching socket was handed them: no job).
   */
  attach(node: Node): void {
    const { notifier, alertsAtOnce } = node.parts;
    const sources = notifier ? [notifier.events, alertsAtOnce] : [alertsAtOnce];
    for (const source of sources) {
      for (const event of ['processed', 'held'] as const) {
        const listener = (orderId: string, seq: number, outcome: AlertOutcome, kind: string): void =>
          this.jobs.push({ orderId, seq, outcome, event, kind });
        source.on(event, listener);
        this.detachers.push(() => source.off(event, listener));
      }
    }
  }

  /** The outcome of the alert (orderId, seq), once a job for it has finished on one of the nodes. */
  async outcome(orderId: string, seq: number, timeoutMs = 15_000): Promise<AlertOutcome> {
    const match = (job: AlertJob) => job.event === 'processed' && job.orderId === orderId && job.seq === seq;
    const [job] = await this.jobs.waitFor(1, `processed alert ${orderId}#${seq}`, match, timeoutMs);
    return job!.outcome;
  }

  /** The outcome of the alert (orderId, seq) once it has been held for quiet hours. */
  async held(orderId: string, seq: number, timeoutMs = 10_000): Promise<AlertOutcome> {
    const match = (job: AlertJob) => job.event === 'held' && job.orderId === orderId && job.seq === seq;
    const [job] = await this.jobs.waitFor(1, `held alert ${orderId}#${seq}`, match, timeoutMs);
    return job!.outcome;
  }

  /** The first outcome of the order's arriving alert that was `event`. */
  async arriving(orderId: string, event: 'processed' | 'held' = 'processed', timeoutMs = 15_000): Promise<AlertOutcome> {
    const match = (job: AlertJob) => job.kind === 'arriving' && job.orderId === orderId && job.event === event;
    const [job] = await this.jobs.waitFor(1, `${event} arriving alert of ${orderId}`, match, timeoutMs);
    return job!.outcome;
  }

  /** The finished alert jobs of an order so far. */
  processedOf(orderId: string): AlertJob[] {
    return this.jobs.items.filter((job) => job.event === 'processed' && job.orderId === orderId);
  }

  /** The held alert jobs of an order so far. */
  heldOf(orderId: string): AlertJob[] {
    return this.jobs.items.filter((job) => job.event === 'held' && job.orderId === orderId);
  }

  /** The arriving alert jobs of an order so far, finished or held. */
  arrivingOf(orderId: string): AlertJob[] {
    return this.jobs.items.filter((job) => job.kind === 'arriving' && job.orderId === orderId);
  }

  detach(): void {
    for (const detach of this.detachers.splice(0)) detach();
  }
}

export interface LogEntry {
  channel: 'websocket' | 'email' | 'sms';
  status: 'sent' | 'failed' | 'skipped';
  seq: number;
  attempts: number;
  at: string;
  reason?: string;
  error?: string;
}

/** GET /v1/orders/:id/notifications, failing on anything but 200. */
export async function deliveryLog(api: Client, orderId: string): Promise<LogEntry[]> {
  const response = await api.get(`/v1/orders/${orderId}/notifications`);
  if (response.status !== 200) throw new Error(`GET notifications: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.items as LogEntry[];
}

/** The delivery log once `done` holds (for alerts run by another process, which has no event to await). */
export async function waitForLog(api: Client, orderId: string, done: (items: LogEntry[]) => boolean, timeoutMs = 20_000): Promise<LogEntry[]> {
  let items: LogEntry[] = [];
  await eventually(
    async () => done((items = await deliveryLog(api, orderId))),
    () => `delivery log of ${orderId} as expected (${JSON.stringify(items)})`,
    timeoutMs,
    100,
  );
  return items;
}
