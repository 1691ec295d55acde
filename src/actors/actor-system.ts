import { UnavailableError } from '../domain/errors';

/** An actor: state behind a mailbox. `receive` is never called concurrently for one actor. */
export interface Actor<M, R> {
  /** Loads the actor's state; runs once, before the first message. */
  activate?(): Promise<void>;
  receive(message: M): Promise<R> | R;
  /** Called when the actor is dropped from memory (idle or evicted). */
  passivate?(): void;
}

export interface ActorSystemOptions<K, M, R> {
  /** Creates the actor for a key; it is activated before its first message. */
  create: (key: K) => Actor<M, R>;
  /**
   * An actor with an empty mailbox is passivated after this long without messages.
   * @default 120000
   */
  idleMs?: number;
  /**
   * Upper bound on live actors; past it the least recently used idle actors are passivated.
   * @default 100000
   */
  maxActors?: number;
  /** Clock in milliseconds, replaceable in tests. @default Date.now */
  now?: () => number;
  /** Lifecycle hooks, for metrics. */
  onActivate?: () => void;
  onPassivate?: () => void;
}

interface Envelope<M, R> {
  message: M;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

interface Cell<M, R> {
  actor: Actor<M, R>;
  mailbox: Envelope<M, R>[];
  busy: boolean;
  active: boolean;
  lastUsed: number;
}

/**
 * A mailbox per key: messages to one key are handled one at a time and in arrival order; different keys
 * run concurrently. Actors are created on first use, passivated when idle, and bounded in number.
 * A message whose handler throws fails alone: the actor keeps its mailbox and goes on.
 */
export class ActorSystem<K, M, R> {
  private readonly cells = new Map<K, Cell<M, R>>();
  private readonly idleMs: number;
  private readonly maxActors: number;
  private readonly now: () => number;
  private readonly sweeper: NodeJS.Timeout;
  private stopping = false;
  private busyCount = 0;
  private onIdle: Array<() => void> = [];

  constructor(private readonly options: ActorSystemOptions<K, M, R>) {
    this.idleMs = options.idleMs ?? 120_000;
    this.maxActors = options.maxActors ?? 100_000;
    if (!(this.idleMs > 0)) throw new RangeError('ActorSystem: idleMs must be > 0');
    if (!(this.maxActors >= 1)) throw new RangeError('ActorSystem: maxActors must be >= 1');
    this.now = options.now ?? Date.now;
    // Sweeping at half the idle time passivates an actor between 1× and 1.5× idleMs after its last message.
    this.sweeper = setInterval(() => this.passivateIdle(), Math.max(10, this.idleMs / 2));
    this.sweeper.unref();
  }

  /** Number of live (activated or activating) actors. */
  get size(): number {
    return this.cells.size;
  }

  /** Whether an actor for `key` is in memory. */
  has(key: K): boolean {
    return this.cells.has(key);
  }

  /** Delivers `message` to the actor for `key` and resolves with its reply. */
  ask(key: K, message: M): Promise<R> {
    if (this.stopping) return Promise.reject(new UnavailableError('actor system'));
    let cell = this.cells.get(key);
    if (cell) {
      // Re-insert so Map order stays least-recently-used first.
      this.cells.delete(key);
      this.cells.set(key, cell);
    } else {
      // Make room first, so the new actor is never the one evicted.
      if (this.cells.size >= this.maxActors) this.evict(this.maxActors - 1);
      cell = { actor: this.options.create(key), mailbox: [], busy: false, active: false, lastUsed: 0 };
      this.cells.set(key, cell);
    }
    cell.lastUsed = this.now();
    const target = cell;
    return new Promise<R>((resolve, reject) => {
      target.mailbox.push({ message, resolve, reject });
      if (!target.busy) void this.run(key, target);
    });
  }

  /** Passivates actors idle for longer than `idleMs`. Runs on a timer; exposed for tests. */
  passivateIdle(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, cell] of this.cells) {
      // Map order is least recently used first: the first recent one ends the scan.
      if (cell.lastUsed > cutoff) break;
      if (!cell.busy) this.remove(key, cell);
    }
  }

  /** Stops accepting messages and resolves when every mailbox is empty. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    if (this.busyCount > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
    for (const [key, cell] of this.cells) this.remove(key, cell);
  }

  private async run(key: K, cell: Cell<M, R>): Promise<void> {
    cell.busy = true;
    this.busyCount++;
    try {
      if (!cell.active) {
        try {
          await cell.actor.activate?.();
          cell.active = true;
          this.options.onActivate?.();
        } catch (error) {
          // Activation failed (e.g. the store is unreachable): fail what is waiting; the next message retries.
          const waiting = cell.mailbox.splice(0);
          if (this.cells.get(key) === cell) this.cells.delete(key);
          for (const envelope of waiting) envelope.reject(error);
          return;
        }
      }
      let envelope: Envelope<M, R> | undefined;
      while ((envelope = cell.mailbox.shift()) !== undefined) {
        try {
          envelope.resolve(await cell.actor.receive(envelope.message));
        } catch (error) {
          envelope.reject(error);
        }
      }
    } finally {
      cell.busy = false;
      cell.lastUsed = this.now();
      // Finishing counts as use: move to the most-recent end so the idle scan can stop at the first recent one.
      if (this.cells.get(key) === cell) {
        this.cells.delete(key);
        this.cells.set(key, cell);
      }
      if (--this.busyCount === 0 && this.onIdle.length > 0) {
        const waiting = this.onIdle;
        this.onIdle = [];
        for (const resolve of waiting) resolve();
      }
    }
  }

  private evict(target: number): void {
    for (const [key, cell] of this.cells) {
      if (this.cells.size <= target) return;
      // Busy actors stay: the bound is exceeded briefly rather than dropping work in progress.
      if (!cell.busy && cell.mailbox.length === 0) this.remove(key, cell);
    }
  }

  private remove(key: K, cell: Cell<M, R>): void {
    this.cells.delete(key);
    if (cell.active) {
      cell.actor.passivate?.();
      this.options.onPassivate?.();
    }
  }
}
