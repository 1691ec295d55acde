import { ActorSystem, type Actor } from '../../src/actors/actor-system';
import { UnavailableError } from '../../src/domain/errors';

interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Runs every already-queued promise continuation. The actor system runs on promises only (its sweep timer is
 * bypassed with `passivateIdle()`), so once a macrotask turn has passed, whatever could happen has happened.
 * This is not a time-based wait.
 */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Message = { op: 'inc' } | { op: 'boom' } | { op: 'gate'; gate: Promise<void>; label: string };

/** A test actor that counts, can throw, and can be held inside `receive` until a gate opens. */
class Harness {
  readonly log: string[] = [];
  created = 0;
  passivated: string[] = [];
  activation: (key: string) => Promise<void> = async () => {};
  now = 1_000;

  readonly system: ActorSystem<string, Message, number>;

  constructor(maxActors = 100) {
    this.system = new ActorSystem<string, Message, number>({
      create: (key) => this.createActor(key),
      idleMs: 1_000,
      maxActors,
      now: () => this.now,
    });
  }

  private createActor(key: string): Actor<Message, number> {
    this.created++;
    let count = 0;
    return {
      activate: async () => {
        this.log.push(`activate ${key}`);
        await this.activation(key);
      },
      receive: async (message) => {
        if (message.op === 'boom') throw new Error(`boom ${key}`);
        if (message.op === 'gate') {
          this.log.push(`start ${message.label}`);
          await message.gate;
          this.log.push(`end ${message.label}`);
        }
        return ++count;
      },
      passivate: () => {
        this.passivated.push(key);
      },
    };
  }
}

describe('ActorSystem', () => {
  let harnesses: Harness[] = [];
  let harness: Harness;
  const make = (maxActors?: number): Harness => {
    const made = new Harness(maxActors);
    harnesses.push(made);
    return made;
  };
  beforeEach(() => {
    harness = make();
  });
  afterEach(async () => {
    await Promise.all(harnesses.map((made) => made.system.stop()));
    harnesses = [];
  });

  it('handles messages to one key one at a time, in arrival order', async () => {
    const gates = [deferred(), deferred(), deferred()];
    const replies = gates.map((gate, index) =>
      harness.system.ask('a', { op: 'gate', gate: gate.promise, label: `m${index}` }),
    );
    await settle();
    expect(harness.log).toEqual(['activate a', 'start m0']);

    // Releasing the last one first must not let it overtake: m1 has not even started.
    gates[2]!.resolve();
    await settle();
    expect(harness.log).toEqual(['activate a', 'start m0']);

    gates[0]!.resolve();
    await settle();
    expect(harness.log).toEqual(['activate a', 'start m0', 'end m0', 'start m1']);

    gates[1]!.resolve();
    await expect(Promise.all(replies)).resolves.toEqual([1, 2, 3]);
    expect(harness.log).toEqual(['activate a', 'start m0', 'end m0', 'start m1', 'end m1', 'start m2', 'end m2']);
  });

  it('runs different keys concurrently', async () => {
    const gateA = deferred();
    const gateB = deferred();
    const a = harness.system.ask('a', { op: 'gate', gate: gateA.promise, label: 'a' });
    const b = harness.system.ask('b', { op: 'gate', gate: gateB.promise, label: 'b' });
    await settle();
    // Both handlers are in progress at once: neither waits for the other.
    expect(harness.log).toEqual(expect.arrayContaining(['start a', 'start b']));
    expect(harness.log).not.toContain('end a');
    gateB.resolve();
    await expect(b).resolves.toBe(1);
    expect(harness.log).not.toContain('end a');
    gateA.resolve();
    await expect(a).resolves.toBe(1);
  });

  it('fails only the message whose handler throws; the actor keeps its state and goes on', async () => {
    const first = harness.system.ask('a', { op: 'inc' });
    const failing = harness.system.ask('a', { op: 'boom' });
    const third = harness.system.ask('a', { op: 'inc' });
    await expect(first).resolves.toBe(1);
    await expect(failing).rejects.toThrow('boom a');
    await expect(third).resolves.toBe(2);
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(3);
    expect(harness.created).toBe(1);
    expect(harness.passivated).toEqual([]);
  });

  it('keeps order over a backlog of thousands on one key, and starts afresh once it drains', async () => {
    const gate = deferred();
    const first = harness.system.ask('a', { op: 'gate', gate: gate.promise, label: 'first' });
    const backlog = Array.from({ length: 5_000 }, (_, index) =>
      harness.system.ask('a', index % 997 === 0 ? { op: 'boom' } : { op: 'inc' }).catch(() => -1),
    );
    await settle();
    expect(harness.log).toEqual(['activate a', 'start first']); // nothing of the backlog ran while the first waits
    gate.resolve();
    expect(await first).toBe(1);
    const replies = await Promise.all(backlog);
    // Each successful reply is one more than the last; the failures in between change nothing.
    const counted = replies.filter((reply) => reply !== -1);
    expect(counted).toEqual(Array.from({ length: counted.length }, (_, index) => index + 2));
    expect(replies.filter((reply) => reply === -1)).toHaveLength(Math.ceil(5_000 / 997));
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(counted.length + 2);
  });

  it('serialises an actor whose receive answers synchronously or throws synchronously', async () => {
    let count = 0;
    const system = new ActorSystem<string, string, number>({
      create: () => ({
        receive: (message) => {
          if (message === 'throw') throw new Error('sync boom');
          return ++count;
        },
      }),
    });
    try {
      const replies = ['a', 'throw', 'b'].map((message) => system.ask('k', message).catch((error: Error) => error.message));
      await expect(Promise.all(replies)).resolves.toEqual([1, 'sync boom', 2]);
      await expect(system.ask('k', 'c')).resolves.toBe(3);
    } finally {
      await system.stop();
    }
  });

  it('activates once, before the first message, while messages wait', async () => {
    const activated = deferred();
    harness.activation = () => activated.promise;
    const replies = [1, 2, 3].map(() => harness.system.ask('a', { op: 'gate', gate: Promise.resolve(), label: 'm' }));
    await settle();
    expect(harness.log).toEqual(['activate a']);
    activated.resolve();
    await expect(Promise.all(replies)).resolves.toEqual([1, 2, 3]);
    await harness.system.ask('a', { op: 'inc' });
    expect(harness.log.filter((line) => line.startsWith('activate'))).toEqual(['activate a']);
    expect(harness.log[0]).toBe('activate a');
    expect(harness.created).toBe(1);
  });

  it('rejects the waiting messages when activation fails, and re-activates on the next message', async () => {
    const failure = new Error('store down');
    const activated = deferred();
    harness.activation = () => activated.promise;
    const waiting = [harness.system.ask('a', { op: 'inc' }), harness.system.ask('a', { op: 'inc' })];
    await settle();
    activated.reject(failure);
    for (const reply of waiting) await expect(reply).rejects.toBe(failure);
    expect(harness.system.size).toBe(0);
    expect(harness.passivated).toEqual([]);

    harness.activation = async () => {};
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(1);
    expect(harness.log).toEqual(['activate a', 'activate a']);
    expect(harness.created).toBe(2);
  });

  it('passivates an actor idle for longer than idleMs; the next message gets a fresh one', async () => {
    await harness.system.ask('a', { op: 'inc' });
    await harness.system.ask('a', { op: 'inc' });

    harness.now += 999;
    harness.system.passivateIdle();
    expect(harness.passivated).toEqual([]);
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(3);

    harness.now += 1_500;
    harness.system.passivateIdle();
    expect(harness.passivated).toEqual(['a']);
    expect(harness.system.size).toBe(0);

    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(1);
    expect(harness.created).toBe(2);
    expect(harness.log).toEqual(['activate a', 'activate a']);
  });

  it('never passivates a busy actor, however long its message takes', async () => {
    const gate = deferred();
    const reply = harness.system.ask('a', { op: 'gate', gate: gate.promise, label: 'slow' });
    await settle();
    harness.now += 60_000;
    harness.system.passivateIdle();
    expect(harness.passivated).toEqual([]);
    gate.resolve();
    await expect(reply).resolves.toBe(1);
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(2);
  });

  it('passivates an idle actor even when an actor asked before it finished more recently', async () => {
    const gate = deferred();
    const slow = harness.system.ask('a', { op: 'gate', gate: gate.promise, label: 'slow' });
    await harness.system.ask('b', { op: 'inc' }); // b is idle from t=1000
    harness.now += 900;
    gate.resolve();
    await slow; // a is idle from t=1900
    harness.now += 600; // t=2500: b idle 1500 ms (> idleMs), a idle 600 ms
    harness.system.passivateIdle();
    expect(harness.passivated).toEqual(['b']);
  });

  it('past maxActors, evicts the least recently used idle actor', async () => {
    harness = make(2);
    await harness.system.ask('a', { op: 'inc' });
    await harness.system.ask('b', { op: 'inc' });
    await harness.system.ask('a', { op: 'inc' }); // a is now more recent than b
    await harness.system.ask('c', { op: 'inc' });
    expect(harness.passivated).toEqual(['b']);
    expect(harness.system.size).toBe(2);
    // a survived with its state; b comes back fresh.
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(3);
    await expect(harness.system.ask('b', { op: 'inc' })).resolves.toBe(1);
    expect(harness.passivated).toEqual(['b', 'c']);
  });

  it('never evicts a busy actor to make room', async () => {
    harness = make(1);
    const gate = deferred();
    const busy = harness.system.ask('a', { op: 'gate', gate: gate.promise, label: 'a' });
    await settle();
    await expect(harness.system.ask('b', { op: 'inc' })).resolves.toBe(1);
    expect(harness.passivated).toEqual([]);
    expect(harness.system.size).toBe(2); // the bound is exceeded rather than dropping work in progress
    gate.resolve();
    await expect(busy).resolves.toBe(1);
    await expect(harness.system.ask('a', { op: 'inc' })).resolves.toBe(2);
  });

  it('stop() waits for in-flight messages, then passivates, and refuses new asks', async () => {
    const gate = deferred();
    const inFlight = harness.system.ask('a', { op: 'gate', gate: gate.promise, label: 'a' });
    const queued = harness.system.ask('a', { op: 'inc' });
    await settle();
    let stopped = false;
    const stopping = harness.system.stop().then(() => {
      stopped = true;
    });
    await expect(harness.system.ask('b', { op: 'inc' })).rejects.toBeInstanceOf(UnavailableError);
    await settle();
    expect(stopped).toBe(false);
    expect(harness.passivated).toEqual([]);

    gate.resolve();
    await stopping;
    await expect(inFlight).resolves.toBe(1);
    await expect(queued).resolves.toBe(2);
    expect(harness.passivated).toEqual(['a']);
    await expect(harness.system.ask('a', { op: 'inc' })).rejects.toBeInstanceOf(UnavailableError);
  });

  it('rejects bad options at once', () => {
    expect(() => new ActorSystem({ create: () => ({ receive: () => 1 }), idleMs: 0 })).toThrow(RangeError);
    expect(() => new ActorSystem({ create: () => ({ receive: () => 1 }), maxActors: 0 })).toThrow(RangeError);
  });
});
