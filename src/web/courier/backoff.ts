/**
 * Waits between tries of a call the network or the server could not answer: doubling from 2 s up to a minute, with
 * jitter, so a fleet of phones coming back online together does not knock at the same instant. The 'online' event
 * and a focus of the app try again at once (see {@link Backoff.now}).
 */
const FIRST_MS = 2_000;
const LONGEST_MS = 60_000;

export class Backoff {
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly task: () => void) {}

  /** The last try failed: try again after the next wait. */
  failed(): void {
    const wait = Math.min(LONGEST_MS, FIRST_MS * 2 ** this.failures) * (0.75 + Math.random() * 0.5);
    this.failures += 1;
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = null;
      this.task();
    }, wait);
  }

  /** The last try went through: the next failure waits the shortest time again. */
  succeeded(): void {
    this.failures = 0;
    this.cancel();
  }

  /** Tries now (the network is back). */
  now(): void {
    this.failures = 0;
    this.cancel();
    this.task();
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
