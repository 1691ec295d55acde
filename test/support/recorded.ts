import { EventEmitter } from 'node:events';

/**
 * What something received, in arrival order (emails, SMS requests, webhook requests, socket events, alert
 * outcomes), which a test can await until it holds what it expects.
 */
export class Recorded<T> {
  readonly items: T[] = [];
  private readonly changed = new EventEmitter();

  /** `show` condenses the items for a failure message. */
  constructor(private readonly show: (items: T[]) => unknown = (items) => items.slice(-20)) {}

  push(item: T): void {
    this.items.push(item);
    this.changed.emit('push');
  }

  /**
   * Resolves with the first `n` items that `match` accepts, already recorded or still to come, once there are
   * that many; rejects naming `what` after `timeoutMs`.
   */
  waitFor(n: number, what: string, match: (item: T) => boolean = () => true, timeoutMs = 15_000): Promise<T[]> {
    const matching = () => this.items.filter(match);
    if (matching().length >= n) return Promise.resolve(matching().slice(0, n));
    return new Promise((resolve, reject) => {
      const onPush = (): void => {
        const found = matching();
        if (found.length < n) return;
        clearTimeout(timer);
        this.changed.off('push', onPush);
        resolve(found.slice(0, n));
      };
      const timer = setTimeout(() => {
        this.changed.off('push', onPush);
        reject(new Error(`only ${matching().length} of ${n} ${what} within ${timeoutMs} ms; recorded: ${JSON.stringify(this.show(this.items))}`));
      }, timeoutMs);
      this.changed.on('push', onPush);
    });
  }
}
