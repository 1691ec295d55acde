import type { Socket } from 'socket.io-client';
import type { TrackingClient } from '../../src/client/tracking-client';
import { Recorded } from './recorded';

export interface Received {
  event: string;
  data: any;
}

/**
 * Everything a socket or TrackingClient receives, in arrival order. `until` resolves with the first entry (already
 * recorded or still to come) that matches, so a marker can prove that an unwanted entry did not come before it.
 */
export class Recorder {
  private readonly log = new Recorded<Received>();
  readonly received: Received[] = this.log.items;

  /** Records every server event of a raw socket. */
  static of(socket: Socket): Recorder {
    const recorder = new Recorder();
    socket.onAny((event: string, data: unknown) => recorder.push(event, data));
    return recorder;
  }

  /** Records a TrackingClient's `update`, `location` and `loyalty` events. */
  static ofClient(live: TrackingClient): Recorder {
    const recorder = new Recorder();
    live.on('update', (update) => recorder.push('update', update));
    live.on('location', (update) => recorder.push('location', update));
    live.on('loyalty', (update) => recorder.push('loyalty', update));
    return recorder;
  }

  push(event: string, data: unknown): void {
    this.log.push({ event, data });
  }

  /** Payloads of one event name, in arrival order. */
  of(event: string): any[] {
    return this.received.filter((entry) => entry.event === event).map((entry) => entry.data);
  }

  /** Seqs of the status updates (raw `order_status_update` or client `update`) of one order, in arrival order. */
  seqs(orderId: string): number[] {
    return this.received
      .filter((entry) => (entry.event === 'order_status_update' || entry.event === 'update') && entry.data?.order_id === orderId)
      .map((entry) => entry.data.seq as number);
  }

  async until(match: (entry: Received) => boolean, what = 'a matching event', timeoutMs = 15_000): Promise<Received> {
    const [entry] = await this.log.waitFor(1, what, match, timeoutMs);
    return entry!;
  }

  /** Waits for the status update of `orderId` with `seq` and returns everything received before it. */
  async untilSeq(orderId: string, seq: number, timeoutMs?: number): Promise<Received[]> {
    const entry = await this.until(
      (e) => (e.event === 'order_status_update' || e.event === 'update') && e.data?.order_id === orderId && e.data.seq === seq,
      `update seq ${seq} of ${orderId}`,
      timeoutMs,
    );
    return this.received.slice(0, this.received.indexOf(entry));
  }
}
