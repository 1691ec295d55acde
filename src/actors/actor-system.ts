import { UnavailableError } from '../domain/errors';

/** An actor: state behind a mailbox. `receive` is never called concurrently for one actor. */
export interface Actor<M, R> {
  /** Loads the actor's state; runs once, before the first message (at once when it has it without waiting). */
  activate?(): Promise<void> | void;
  receive(message: M): Promise<R> | R;
  /** Called when the actor is dropped from memory (idle or evicted). */
  passivate?(): void;
  /** Forgets the state it holds (it is stale); the next message works from the store. */
  reset?(): void;
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

/** Handled messages kept in a cell's queue before they are cut off. */
const COMPACT_AT = 1024;

interface Cell<M, R> {
  actor: Actor<M, R>;
  /** Messages waiting for the actor, from `head` on (no shifting). */
  queue: M[];
  head: number;
  /**
   * The reply of the last message asked, or null when the actor is idle. A message asked while it is busy waits on
   * it: its reply is `tail.then(next, next)`, so a waiting message costs one promise and nothing else.
   */
  tail: Promise<unknown> | null;
  /** Messages asked and not yet handled. */
  pending: number;
  /** Handles the next queued message (made once per actor). */
  next: (() => Promise<R> | R) | null;
  /** Counts a handled message (made once per actor). */
  done: (() => void) | null;
  /** Why activation failed: every message waiting for it fails with this. */
  failed: unknown;
  active: boolean;
  /** Clock time the actor last went idle, for idle passivation. */
  lastUsed: number;
  /** Order of last use (a counter, so ties of a coarse clock still order), for LRU eviction. */
  useOrder: number;
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
  private uses = 0;
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
    if (!cell) {
      // Make room first, so the new actor is never the one evicted.
      if (this.cells.size >= this.maxActors) this.evict();
      cell = this.activate(key);
    }
    // No reordering here: recency is the use counter, read by the (rare) eviction; the idle clock is read when the
    // actor goes idle (a busy actor is never passivated).
    cell.useOrder = ++this.uses;
    if (cell.pending++ === 0) this.busyCount++;
    if (cell.tail === null) {
      // Idle: handled at once, and the handler's own promise is the reply.
      const reply = this.handle(cell, message);
      cell.tail = reply;
      return reply;
    }
    cell.queue.push(message);
    const reply = cell.tail.then(cell.next, cell.next) as Promise<R>;
    cell.tail = reply;
    return reply;
  }

  /**
   * Drops what the actor for `key` holds in memory (its state is known to be stale, e.g. erased): an idle actor is
   * passivated at once; a busy one is reset, so its next message loads afresh.
   */
  drop(key: K): void {
    const cell = this.cells.get(key);
    if (!cell) return;
    if (cell.pending === 0) this.remove(key, cell);
    else cell.actor.reset?.();
  }

  /** Passivates actors idle for longer than `idleMs`. Runs on a timer; exposed for tests. */
  passivateIdle(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, cell] of this.cells) {
      if (cell.lastUsed <= cutoff && cell.pending === 0) this.remove(key, cell);
    }
  }

  /** Stops accepting messages and resolves when every mailbox is empty. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    if (this.busyCount > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
    for (const [key, cell] of this.cells) this.remove(key, cell);
  }

  /**
   * A new cell for `key`. The actor's activation is the first thing its messages wait on; when it fails (e.g. the
   * store is unreachable) those messages fail with its error and the cell is dropped, so the next message retries.
   */
  private activate(key: K): Cell<M, R> {
    const cell: Cell<M, R> = {
      actor: this.options.create(key),
      queue: [],
      head: 0,
      tail: null,
      pending: 0,
      next: null,
      done: null,
      failed: undefined,
      active: false,
      lastUsed: 0,
      useOrder: 0,
    };
    cell.done = () => {
      if (--cell.pending === 0) {
        // Every queued message has been taken: start the queue afresh.
        cell.tail = null;
        cell.queue.length = 0;
        cell.head = 0;
        this.finish(cell);
      }
    };
    cell.next = () => {
      const message = cell.queue[cell.head]!;
      cell.queue[cell.head++] = undefined as M;
      if (cell.head >= COMPACT_AT && cell.head * 2 >= cell.queue.length) {
        cell.queue.splice(0, cell.head);
        cell.head = 0;
      }
      if (cell.failed !== undefined) {
        cell.done!();
        throw cell.failed;
      }
      return this.handle(cell, message);
    };
    let activation: Promise<void> | void;
    try {
      activation = cell.actor.activate?.();
    } catch (error) {
      activation = Promise.reject(error);
    }
    this.cells.set(key, cell);
    if (activation === undefined) {
      cell.active = true;
      this.options.onActivate?.();
      return cell;
    }
    cell.tail = Promise.resolve(activation).then(
      () => {
        cell.active = true;
        this.options.onActivate?.();
      },
      (error: unknown) => {
        cell.failed = error ?? new Error('actor activation failed');
        if (this.cells.get(key) === cell) this.cells.delete(key);
      },
    );
    return cell;
  }

  /** Hands one message to the actor; counts it as handled when its reply settles. */
  private handle(cell: Cell<M, R>, message: M): Promise<R> {
    let reply: Promise<R> | R;
    try {
      reply = cell.actor.receive(message);
    } catch (error) {
      cell.done!();
      return Promise.reject(error);
    }
    if (reply instanceof Promise) {
      reply.then(cell.done, cell.done);
      return reply;
    }
    cell.done!();
    return Promise.resolve(reply);
  }

  private finish(cell: Cell<M, R>): void {
    cell.lastUsed = this.now();
    if (--this.busyCount === 0 && this.onIdle.length > 0) {
      const waiting = this.onIdle;
      this.onIdle = [];
      for (const resolve of waiting) resolve();
    }
  }

  /**
   * Makes room by passivating the least recently used idle actors: a tenth of the bound at once, so a node at its
   * bound pays one scan per many activations rather than one per activation.
   */
  private evict(): void {
    const target = Math.max(0, this.maxActors - Math.max(1, Math.floor(this.maxActors / 10)));
    // Busy actors stay: the bound is exceeded briefly rather than dropping work in progress.
    const idle = [...this.cells].filter(([, cell]) => cell.pending === 0);
    idle.sort(([, a], [, b]) => a.useOrder - b.useOrder);
    for (const [key, cell] of idle) {
      if (this.cells.size <= target) return;
      this.remove(key, cell);
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
