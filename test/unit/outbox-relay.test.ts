import pino from 'pino';
import { OutboxRelay, type OwedWork } from '../../src/services/outbox-relay';
import type { EffectKind, Outbox, PendingEffect } from '../../src/store/outbox/port';
import { createSqliteStore } from '../../src/store/sqlite/create-store';
import type { Store } from '../../src/store/store';
import { removeDir, tempDir } from '../support/temp-dir';

const HOUR = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
const owed = (orderId: string, createdAt: string, seq = 2): PendingEffect => ({ orderId, seq, tenantId: 't1', createdAt });

let dir: string;
let store: Store;
let logs: Array<{ level: number; msg: string; kind?: string; order_id?: string }>;
let errors: EffectKind[];

function relayOver(outbox: Outbox = store.outbox): OutboxRelay {
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  return new OutboxRelay({ outbox, logger, errors: { inc: ({ kind }) => void errors.push(kind) } });
}

/** A kind whose work records what it did, failing for the orders in `failing`; swept only when asked. */
function recording(failing: ReadonlySet<string> = new Set()): OwedWork & { done: string[] } {
  const done: string[] = [];
  return {
    done,
    sweepMs: HOUR,
    graceMs: 1000,
    perform: async (effect) => {
      if (failing.has(effect.orderId)) throw new Error(`${effect.orderId} refused`);
      done.push(effect.orderId);
    },
  };
}

const stillOwed = async (kind: EffectKind) => (await store.outbox.pendingEffects(kind, ago(-HOUR), 100)).map((effect) => effect.orderId);

beforeEach(async () => {
  dir = tempDir('outbox-relay-');
  store = createSqliteStore({ dataDir: dir });
  await store.lifecycle.init();
  logs = [];
  errors = [];
});

afterEach(async () => {
  await store.lifecycle.close();
  removeDir(dir);
});

describe('OutboxRelay', () => {
  it('does an effect at once and clears its row; one that fails stays owed, logged and counted', async () => {
    const work = recording(new Set(['ord_b']));
    const alerts = relayOver().register('alert', work);
    for (const orderId of ['ord_a', 'ord_b']) await store.outbox.oweEffect({ kind: 'alert', ...owed(orderId, ago(0)) });

    await alerts.perform(owed('ord_a', ago(0)));
    await alerts.perform(owed('ord_b', ago(0)));

    expect(work.done).toEqual(['ord_a']);
    expect(await stillOwed('alert')).toEqual(['ord_b']);
    expect(errors).toEqual(['alert']);
    expect(logs).toEqual([expect.objectContaining({ level: 40, kind: 'alert', order_id: 'ord_b', msg: 'owed effect left in the outbox' })]);
    await alerts.close();
  });

  it('lets the caller do the work it has in hand, and clears the row the same', async () => {
    const work = recording();
    const loyalty = relayOver().register('loyalty', work);
    await store.outbox.oweEffect({ kind: 'loyalty', ...owed('ord_a', ago(0)) });
    const inHand: string[] = [];
    await loyalty.perform(owed('ord_a', ago(0)), async () => void inHand.push('ord_a'));
    expect([inHand, work.done, await stillOwed('loyalty')]).toEqual([['ord_a'], [], []]);
    await loyalty.close();
  });

  it('sweeps the rows older than the grace, oldest first, and leaves the younger ones and the other kinds', async () => {
    const work = recording();
    const relay = relayOver();
    const webhooks = relay.register('webhook', work);
    await store.outbox.oweEffect({ kind: 'webhook', ...owed('ord_new', ago(0)) });
    await store.outbox.oweEffect({ kind: 'webhook', ...owed('ord_second', ago(5000)) });
    await store.outbox.oweEffect({ kind: 'webhook', ...owed('ord_first', ago(9000)) });
    await store.outbox.oweEffect({ kind: 'alert', ...owed('ord_alert', ago(9000)) });

    await relay.sweep('webhook');
    expect(work.done).toEqual(['ord_first', 'ord_second']);
    expect([await stillOwed('webhook'), await stillOwed('alert')]).toEqual([['ord_new'], ['ord_alert']]);

    await webhooks.sweep(0);
    expect(work.done).toEqual(['ord_first', 'ord_second', 'ord_new']);
    expect(await stillOwed('webhook')).toEqual([]);
    await webhooks.close();
  });

  it('goes on past a row that fails, which the next sweep tries again', async () => {
    const failing = new Set(['ord_a']);
    const work = recording(failing);
    const relay = relayOver();
    const alerts = relay.register('alert', work);
    for (const orderId of ['ord_a', 'ord_b']) await store.outbox.oweEffect({ kind: 'alert', ...owed(orderId, ago(5000)) });

    await relay.sweep('alert');
    expect([work.done, await stillOwed('alert'), errors]).toEqual([['ord_b'], ['ord_a'], ['alert']]);
    failing.clear();
    await relay.sweep('alert');
    expect([work.done, await stillOwed('alert')]).toEqual([['ord_b', 'ord_a'], []]);
    await alerts.close();
  });

  it('logs and counts an outbox it cannot read, rather than taking it for an empty one', async () => {
    const unreadable: Outbox = {
      pendingEffects: async () => {
        throw new Error('database is locked');
      },
      clearEffect: (...args) => store.outbox.clearEffect(...args),
      oweEffect: (effect) => store.outbox.oweEffect(effect),
    };
    const relay = relayOver(unreadable);
    const arriving = relay.register('arriving', recording());
    await relay.sweep('arriving');
    await relay.sweep('arriving');
    expect(errors).toEqual(['arriving', 'arriving']);
    // The first failure of a while is a warning, the next ones (an outage fails every sweep) debug lines.
    expect(logs.map((entry) => [entry.level, entry.msg, entry.kind])).toEqual([
      [40, 'outbox not read; swept again later', 'arriving'],
      [20, 'outbox not read; swept again later', 'arriving'],
    ]);
    await arriving.close();
  });

  it('counts what fails at once during an outage of the dependency the work needs as held, logging it at debug only', async () => {
    let up = false;
    const heldKinds: string[] = [];
    const needs = { get up() { return up; }, held: (what: string) => (up ? false : (heldKinds.push(what), true)) };
    const relay = relayOver();
    const alerts = relay.register('alert', { ...recording(new Set(['ord_a', 'ord_b'])), needs });
    for (const orderId of ['ord_a', 'ord_b']) await store.outbox.oweEffect({ kind: 'alert', ...owed(orderId, ago(5000)) });

    await alerts.perform(owed('ord_a', ago(5000)));
    await relay.sweep('alert');
    // A sweep retries what is owed already: not held again.
    expect([heldKinds, errors]).toEqual([['owed_alert'], ['alert', 'alert', 'alert']]);
    expect(logs.map((entry) => entry.level)).toEqual([20, 20, 20]);

    up = true;
    await alerts.perform(owed('ord_b', ago(5000)));
    expect(logs.map((entry) => entry.level)).toEqual([20, 20, 20, 40]);
    await alerts.close();
  });

  it('refuses a kind registered twice, and a sweep of a kind nobody registered', () => {
    const relay = relayOver();
    const first = relay.register('alert', recording());
    expect(() => relay.register('alert', recording())).toThrow('alert is registered already');
    expect(() => relay.sweep('loyalty')).toThrow('nothing registered for loyalty');
    return first.close();
  });
});
