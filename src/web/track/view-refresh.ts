import type { TrackingViewWithHistory } from '../../domain/tracking-view';

/**
 * Waits before reading again while the page still lacks what it asked for (a failed read, or one that did not hold
 * the event yet), doubling; after the last it gives up until the next ask.
 */
const AGAIN_MS = [1000, 2000, 4000, 8000];

export interface ViewRefreshOptions {
  /** Reads the order's tracking view with its history (`GET /v1/orders/:id` with the link's token). */
  read: () => Promise<TrackingViewWithHistory>;
  /** Takes a view that was read. */
  apply: (view: TrackingViewWithHistory) => void;
  /** Whether the page still lacks something only a read gives it. */
  wanted: () => boolean;
}

/**
 * Reads the tracking view again when the page lacks what the live updates leave out: a delivery's proof and a failed
 * attempt's reason (`order_status_update` carries neither) and new links for pictures whose links ran out. Those
 * are once or twice an order, so a read is cheaper than making every update bigger for every watcher. One read at a
 * time; asks made meanwhile are answered by the next read.
 */
export class ViewRefresh {
  private reading = false;
  private askedAgain = false;

  constructor(private readonly options: ViewRefreshOptions) {}

  /** Reads the view soon, unless a read is already under way that will look again. */
  ask(): void {
    if (this.reading) {
      this.askedAgain = true;
      return;
    }
    void this.run();
  }

  private async run(): Promise<void> {
    this.reading = true;
    try {
      let waits = 0;
      for (;;) {
        this.askedAgain = false;
        try {
          this.options.apply(await this.options.read());
        } catch {
          // Unreachable, busy or an expired link: the page keeps what it shows; the next attempt or ask reads again.
        }
        if (!this.options.wanted()) return;
        if (this.askedAgain) {
          waits = 0; // something new since this read began: read again at once
          continue;
        }
        if (waits === AGAIN_MS.length) return;
        await new Promise((resolve) => setTimeout(resolve, AGAIN_MS[waits++]));
      }
    } finally {
      this.reading = false;
    }
  }
}
