import { TurnBatch } from '../../src/store/postgres/turn-batch';

describe('TurnBatch', () => {
  it('answers the calls of one turn with one run over their distinct keys, each caller with its own copy', async () => {
    const runs: string[][] = [];
    const batch = new TurnBatch<string, { id: string } | null>(async (keys) => {
      runs.push(keys);
      return keys.map((key) => (key === 'missing' ? null : { id: key }));
    }, String);
    const answers = await Promise.all([batch.load('a'), batch.load('b'), batch.load('a'), batch.load('missing')]);
    expect(runs).toEqual([['a', 'b', 'missing']]);
    expect(answers).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'a' }, null]);
    expect(answers[0]).not.toBe(answers[2]);
    // A later turn is a new run: nothing is cached between turns.
    expect(await batch.load('a')).toEqual({ id: 'a' });
    expect(runs).toEqual([['a', 'b', 'missing'], ['a']]);
  });

  it('never answers a call from a run that started before it', async () => {
    let stored = 1;
    const batch = new TurnBatch<string, number>(async (keys) => keys.map(() => stored), String);
    const first = batch.load('k');
    await new Promise((resolve) => setImmediate(resolve)); // the first run is issued
    stored = 2;
    expect(await Promise.all([first, batch.load('k')])).toEqual([1, 2]);
  });

  it('fails every call of a run that fails, and splits a turn past its key limit', async () => {
    const sizes: number[] = [];
    const batch = new TurnBatch<number, number>(async (keys) => {
      sizes.push(keys.length);
      if (keys.includes(-1)) throw new Error('statement failed');
      return keys;
    }, String, 3);
    const results = await Promise.allSettled([1, 2, 3, 4, -1].map((key) => batch.load(key)));
    expect(sizes).toEqual([3, 2]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected']);
  });
});
