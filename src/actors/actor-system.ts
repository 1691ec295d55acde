import { UnavailableError } from '../domain/errors';

/** An actor: state behind a mailbox. `receive` is never called concurrently for one actor. */
export interface Actor<M, R> {
  /** Loads the actor's state; runs once, before the first message. */
  activate?(): Promise<void>;
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

interface Cell<M, R> {
  actor: Actor<M, R>;
  /**
   * Pending messages as flat triples (message, resolve, reject): no object per message, which matters at
   * a million messages a second.
   */
  mailbox: unknown[];
  /** Settles the message being handled; made once per actor rather than once per message. */
  onReply: ((value: R) => void) | null;
  onError: ((error: unknown) => void) | null;
  settle: ((value: R) => void) | null;
  fail: ((error: unknown) => void) | null;
  busy: boolean;
  active: boolean;
  /** Clock time of the last message, for idle passivation. */
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
      cell = {
        actor: this.options.create(key),
        mailbox: [],
        onReply: null,
        onError: null,
        settle: null,
        fail: null,
        busy: false,
        active: false,
        lastUsed: 0,
        useOrder: 0,
      };
      this.cells.set(key, cell);
    }
    // No reordering here: recency is the timestamp, read by the (rare) idle scan and eviction.
    cell.lastUsed = this.now();
    cell.useOrder = ++this.uses;
    const target = cell;
    return new Promise<R>((resolve, reject) => {
      target.mailbox.push(message, resolve, reject);
      if (!target.busy) this.run(key, target);
    });
  }

  /**
   * Drops what the actor for `key` holds in memory (its state is known to be stale, e.g. erased): an idle actor is
   * passivated at once; a busy one is reset, so its next message loads afresh.
   */
  drop(key: K): void {
    const cell = this.cells.get(key);
    if (!cell) return;
    if (!cell.busy && cell.mailbox.length === 0) this.remove(key, cell);
    else cell.actor.reset?.();
  }

  /** Passivates actors idle for longer than `idleMs`. Runs on a timer; exposed for tests. */
  passivateIdle(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, cell] of this.cells) {
      if (cell.lastUsed <= cutoff && !cell.busy && cell.mailbox.length === 0) this.remove(key, cell);
    }
  }

  /** Stops accepting messages and resolves when every mailbox is empty. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    if (this.busyCount > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
    for (const [key, cell] of this.cells) this.remove(key, cell);
  }

  private run(key: K, cell: Cell<M, R>): void {
    cell.busy = true;
    this.busyCount++;
    if (cell.active) {
      this.drain(cell);
      return;
    }
    let activation: Promise<void> | void;
    try {
      activation = cell.actor.activate?.();
    } catch (error) {
      activation = Promise.reject(error);
    }
    Promise.resolve(activation).then(
      () => {
        cell.active = true;
        this.options.onActivate?.();
        this.drain(cell);
      },
      (error: unknown) => {
        // Activation failed (e.g. the store is unreachable): fail what is waiting; the next message retries.
        const waiting = cell.mailbox.splice(0);
        if (this.cells.get(key) === cell) this.cells.delete(key);
        for (let index = 2; index < waiting.length; index += 3) (waiting[index] as (error: unknown) => void)(error);
        this.finish(cell);
      },
    );
  }

  /**
   * Handles queued messages one at a time. Written with callbacks rather than `async`/`await`: this is the hot
   * path, and a synchronous reply is handled without a promise hop.
   */
  private drain(cell: Cell<M, R>): void {
    const mailbox = cell.mailbox;
    while (mailbox.length > 0) {
      const message = mailbox.shift() as M;
      const resolve = mailbox.shift() as (value: R) => void;
      const reject = mailbox.shift() as (error: unknown) => void;
      let reply: Promise<R> | R;
      try {
        reply = cell.actor.receive(message);
      } catch (error) {
        reject(error);
        continue;
      }
      if (reply instanceof Promise) {
        cell.settle = resolve;
        cell.fail = reject;
        cell.onReply ??= (value) => {
          const settle = cell.settle!;
          cell.settle = cell.fail = null;
          settle(value);
          this.drain(cell);
        };
        cell.onError ??= (error) => {
          const fail = cell.fail!;
          cell.settle = cell.fail = null;
          fail(error);
          this.drain(cell);
        };
        reply.then(cell.onReply, cell.onError);
        return;
      }
      resolve(reply);
    }
    this.finish(cell);
  }

  private finish(cell: Cell<M, R>): void {
    cell.busy = false;
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
    const idle = [...this.cells].filter(([, cell]) => !cell.busy && cell.mailbox.length === 0);
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
