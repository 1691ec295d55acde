import { mapBounded } from '../../src/http/routes/map-bounded';

describe('mapBounded', () => {
  it('keeps at most `limit` calls in flight and answers in the items order, whatever order they finish in', async () => {
    const pending: Array<{ item: number; resolve: (value: string) => void }> = [];
    let inFlight = 0;
    let most = 0;
    const mapped = mapBounded([1, 2, 3, 4, 5], 2, (item) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      return new Promise<string>((resolve) => pending.push({ item, resolve: (value) => { inFlight -= 1; resolve(value); } }));
    });
    // Finish the newest call each time, so results come back out of order.
    while (pending.length > 0 || inFlight > 0) {
      await Promise.resolve();
      const call = pending.pop();
      if (!call) continue;
      call.resolve(`v${call.item}`);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    expect(await mapped).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(most).toBe(2);
  });

  it('resolves an empty list without calls and refuses a limit below 1', async () => {
    const fn = jest.fn(async () => 1);
    expect(await mapBounded([], 3, fn)).toEqual([]);
    expect(fn).not.toHaveBeenCalled();
    await expect(mapBounded([1], 0, fn)).rejects.toThrow(RangeError);
  });
});
