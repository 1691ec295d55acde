/**
 * The outbox (API.md "The courier app", offline): every action the courier does is kept on the device with its own
 * `event_id` and the time it was done, and sent when the network is there, in three steps: the pictures first
 * (`POST /v1/attachments`, each under its own `Idempotency-Key`), then every waiting scan in one batch
 * (`POST /v1/scans`), then the cash collected (`POST /v1/orders/:id/payments`). An action leaves the outbox only
 * once the server has answered it; the answer is kept as a result to show. No network, a 5xx or a 429 leave
 * everything as it is and try again later; any other 4xx is the final answer and is shown.
 */
import { ApiError } from '../shared/api';
import { Backoff } from './backoff';
import { isRetryable, type CourierApi } from './courier-api';
import type { DeviceStore, QueuedAction, ShownResult } from './device-store';
import { Observable } from './observable';
import type { AttachmentAnswer, ScanItem, ScanOutcome, ScanResult } from './wire';

/** API.md: a scan upload holds 1 to 500 scans. */
const SCANS_PER_BATCH = 500;
/** Pictures uploaded at once (each action's own in turn). */
const UPLOAD_LANES = 4;

export class Outbox extends Observable {
  /** The waiting actions, oldest first, as last read from the device. */
  waiting: QueuedAction[] = [];
  /** The latest answers, newest first. */
  results: ShownResult[] = [];
  /** A send is under way. */
  sending = false;
  private again = false;
  private closed = false;
  private readonly backoff = new Backoff(() => void this.send());

  constructor(
    private readonly store: DeviceStore,
    private readonly api: CourierApi,
    /** Told after the server applied something, so the orders are read again. */
    private readonly onSent: () => void,
  ) {
    super();
  }

  /** Reads what the device kept and sends what waits (sending resumes where it stopped). */
  async start(): Promise<void> {
    this.waiting = await this.store.actions();
    this.results = await this.store.results();
    this.changed();
    await this.send();
  }

  close(): void {
    this.closed = true;
    this.backoff.cancel();
  }

  /** The network is back (or the app came to the front): try at once. */
  retryNow(): void {
    if (this.waiting.length > 0) this.backoff.now();
  }

  /** Keeps a new action on the device, then sends. */
  async add(action: QueuedAction): Promise<void> {
    await this.store.putAction(action);
    this.waiting = await this.store.actions();
    this.changed();
    void this.send();
  }

  /** Sends everything waiting; a call while a send runs makes that send go round once more. */
  async send(): Promise<void> {
    if (this.closed) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    this.changed();
    try {
      do {
        this.again = false;
        await this.sendWaiting();
      } while (this.again && !this.closed);
      this.backoff.succeeded();
    } catch (error) {
      // A 401 ended the session (CourierApi said so); anything else that is not final is tried again later.
      if (!(error instanceof ApiError && error.status === 401) && isRetryable(error) && !this.closed) this.backoff.failed();
    } finally {
      this.sending = false;
      if (!this.closed) {
        this.waiting = await this.store.actions();
        this.changed();
      }
    }
  }

  private async sendWaiting(): Promise<void> {
    const actions = await this.store.actions();
    if (actions.length === 0) return;
    let applied = false;
    // The pictures of a few actions at once: on a phone's network each upload waits mostly on the round trip.
    const pending = actions.filter((action) => !action.scan_sent);
    const uploaded = new Set<QueuedAction>();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < pending.length) {
        const action = pending[next++]!;
        if (await this.uploadPictures(action)) uploaded.add(action);
      }
    };
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(UPLOAD_LANES, pending.length) }, lane));
    const failed = lanes.find((lane): lane is PromiseRejectedResult => lane.status === 'rejected');
    if (failed) throw failed.reason;
    // The scans go in the order they were done.
    const ready = pending.filter((action) => uploaded.has(action));
    for (let start = 0; start < ready.length; start += SCANS_PER_BATCH) {
      applied = (await this.sendScans(ready.slice(start, start + SCANS_PER_BATCH))) || applied;
    }
    for (const action of await this.store.actions()) {
      if (action.scan_sent && action.cash) applied = (await this.sendCash(action)) || applied;
    }
    if (applied) this.onSent();
  }

  /** Uploads the action's pictures not uploaded yet; false when one was refused (the action is then over). */
  private async uploadPictures(action: QueuedAction): Promise<boolean> {
    for (const picture of action.pictures) {
      if (picture.id) continue;
      try {
        const answer = await this.api.upload<AttachmentAnswer>('/v1/attachments', picture.blob, { 'idempotency-key': picture.key });
        picture.id = answer.id;
        await this.store.putAction(action);
      } catch (error) {
        if (!isFinal(error)) throw error;
        await this.finish(action, { what: 'photo', outcome: 'rejected', code: error.code });
        return false;
      }
    }
    return true;
  }

  /** Sends one batch of scans; true when any was applied. */
  private async sendScans(actions: QueuedAction[]): Promise<boolean> {
    let answer: { results: ScanResult[] };
    try {
      answer = await this.api.post<{ results: ScanResult[] }>('/v1/scans', { scans: actions.map(toScan) });
    } catch (error) {
      if (!isFinal(error)) throw error;
      for (const action of actions) await this.finish(action, { what: action.type, outcome: 'rejected', code: error.code });
      return false;
    }
    let applied = false;
    for (const [index, action] of actions.entries()) {
      const result = answer.results[index];
      const outcome: ScanOutcome = result?.outcome ?? 'rejected';
      if (outcome === 'applied') applied = true;
      if (outcome !== 'rejected' && action.cash) {
        // The scan is in; the cash waits for its own post. Its result shows now.
        action.scan_sent = true;
        await this.store.putAction(action);
        await this.show(action, action.event_id, { what: action.type, outcome });
      } else {
        // A delivery that was refused is done again, cash and all: its payment is not posted on its own.
        await this.finish(action, { what: action.type, outcome, code: result?.error?.code });
      }
    }
    return applied;
  }

  /** Posts the cash collected of a scanned delivery; true when it was recorded. */
  private async sendCash(action: QueuedAction): Promise<boolean> {
    const cash = action.cash!;
    try {
      await this.api.post(`/v1/orders/${encodeURIComponent(action.order_id)}/payments`, {
        event_id: cash.event_id,
        kind: 'cod_collected',
        amount: cash.amount,
      });
    } catch (error) {
      if (!isFinal(error)) throw error;
      await this.store.deleteAction(action.event_id);
      await this.show(action, cash.event_id, { what: 'cod_collected', outcome: 'rejected', code: error.code });
      return false;
    }
    await this.store.deleteAction(action.event_id);
    await this.show(action, cash.event_id, { what: 'cod_collected', outcome: 'applied' });
    return true;
  }

  /** The server's answer to an action is final: it leaves the outbox, and the answer is shown. */
  private async finish(action: QueuedAction, shown: Pick<ShownResult, 'what' | 'outcome' | 'code'>): Promise<void> {
    await this.store.deleteAction(action.event_id);
    await this.show(action, action.event_id, shown);
  }

  private async show(action: QueuedAction, eventId: string, shown: Pick<ShownResult, 'what' | 'outcome' | 'code'>): Promise<void> {
    const result: ShownResult = {
      event_id: eventId,
      courier_id: action.courier_id,
      order_id: action.order_id,
      order_ref: action.order_ref,
      ...shown,
      at: Date.now(),
    };
    await this.store.addResult(result);
    this.results = await this.store.results();
    this.changed();
  }
}

/** A 4xx other than 401, 408 and 429: the server's final word on this call. */
function isFinal(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status !== 401 && !isRetryable(error);
}

/** The scan an action becomes, with its proof made of the uploaded pictures. */
function toScan(action: QueuedAction): ScanItem {
  const scan: ScanItem = { event_id: action.event_id, order_id: action.order_id, type: action.type, occurred_at: action.occurred_at };
  if (action.location) scan.location = action.location;
  if (action.note) scan.note = action.note;
  if (action.type === 'failed_attempt' && action.reason) scan.reason = action.reason;
  if (action.type === 'delivered') {
    const signature = action.pictures.find((picture) => picture.kind === 'signature')?.id;
    const photos = action.pictures.filter((picture) => picture.kind === 'photo').map((picture) => picture.id!);
    const proof = {
      ...(action.recipient_name ? { recipient_name: action.recipient_name } : {}),
      ...(signature ? { signature } : {}),
      ...(photos.length > 0 ? { photos } : {}),
    };
    if (Object.keys(proof).length > 0) scan.proof = proof;
  }
  return scan;
}
