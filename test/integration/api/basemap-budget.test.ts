/**
 * The offline basemap under a flood of distinct tiles (API.md "Limits (more)"): what it keeps stays within its
 * memory budget, least recently used dropped first, and its slicing index does not grow with what is asked; the
 * tiles count against the client address's anonymous budget, and browsers are told to keep them. Tiles are cut on a
 * thread of their own: the node answers its API while the index is built, and a thread that dies is replaced.
 */
import { UnavailableError } from '../../../src/domain/errors';
import { ThreadedBasemap, type BasemapStats } from '../../../src/http/threaded-basemap';
import { crashThread, probedBasemap, threadHeap } from '../../support/basemap-probe';
import { eventually } from '../../support/eventually';
import { expectError } from '../../support/expect-error';
import { request } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';

/** Every tile of a 12 × 12 block at zoom `z` from (x, y): a coast, so the tiles have land to cut. */
function* block(z: number, x: number, y: number): Generator<[number, number, number]> {
  for (let dx = 0; dx < 12; dx++) for (let dy = 0; dy < 12; dy++) yield [z, x + dx, y + dy];
}

// Hong Kong at zoom 12.
const HONG_KONG: [number, number, number] = [12, 3347, 1787];

describe('the basemap in memory', () => {
  let basemap: ThreadedBasemap;
  afterEach(() => basemap.close());

  it('keeps its cut tiles within the byte budget and its slicing index within its tile budget, whatever is asked', async () => {
    const seen: BasemapStats[] = [];
    basemap = new ThreadedBasemap({ cacheBytes: 16 * 1024, slicedTiles: 200, observe: (stats) => seen.push(stats) });
    // Asked first, and again at the end, once it has long been dropped.
    const first = (await basemap.tileJson(...HONG_KONG))!;
    // The index as built, plus what this first cut sliced.
    const built = seen[0]!.indexTiles;
    expect(built).toBeGreaterThan(0);
    const flood = [...block(12, 3320, 1760), ...block(14, 13390, 7140), ...block(10, 540, 290), ...block(13, 4400, 2500)];
    for (const [z, x, y] of flood) expect(await basemap.tileJson(z, x, y)).not.toBeNull();
    // Each tile was cut once.
    expect(seen).toHaveLength(1 + flood.length);
    for (const stats of seen) {
      expect(stats.cachedBytes).toBeLessThanOrEqual(16 * 1024);
      expect(stats.indexTiles).toBeLessThanOrEqual(built + 200);
    }
    // The budgets were reached (the flood was big enough to matter): the least recently used tiles went, and the
    // index was put back as built at least once.
    expect(Math.max(...seen.map((stats) => stats.cachedBytes))).toBeGreaterThan(8 * 1024);
    expect(basemap.stats().cachedTiles).toBeLessThan(seen.length);
    expect(seen.some((stats, i) => i > 0 && stats.indexTiles < seen[i - 1]!.indexTiles)).toBe(true);

    // The most recently used tile is answered from memory; the first one, long dropped, is cut again, the same.
    const [lastZ, lastX, lastY] = flood[flood.length - 1]!;
    await basemap.tileJson(lastZ, lastX, lastY);
    expect(seen).toHaveLength(1 + flood.length);
    const again = (await basemap.tileJson(...HONG_KONG))!;
    expect(seen).toHaveLength(2 + flood.length);
    expect(again).toBe(first);
    expect((JSON.parse(again) as { land: unknown[] }).land.length).toBeGreaterThan(0);
    // Outside the world: no tile, and nothing asked of the thread.
    expect(await basemap.tileJson(5, 32, 0)).toBeNull();
    expect(seen).toHaveLength(2 + flood.length);
  });

  it('cuts a tile asked for several times at once only once, and starts its thread with the first tile', async () => {
    const seen: BasemapStats[] = [];
    basemap = new ThreadedBasemap({ observe: (stats) => seen.push(stats) });
    expect(await basemap.tileJson(3, 8, 0)).toBeNull();
    // Nothing cut yet, and no thread: a node that serves no map never pays for one.
    expect(basemap.thread()).toBeNull();
    const asked = [basemap.tileJson(...HONG_KONG), basemap.tileJson(...HONG_KONG), basemap.tileJson(...HONG_KONG)];
    expect(basemap.thread()).not.toBeNull();
    expect(basemap.cutting()).toBe(1);
    const [one, two, three] = await Promise.all(asked);
    expect(one).not.toBeNull();
    expect([two, three]).toEqual([one, one]);
    expect(seen).toHaveLength(1);
    expect(basemap.cutting()).toBe(0);
  });
});

describe("the basemap's thread", () => {
  let basemap: ThreadedBasemap;
  afterEach(() => basemap.close());

  it('answers the tiles it was cutting as unavailable when it dies, and the next tile starts a new thread', async () => {
    const exits: Error[] = [];
    const seen: BasemapStats[] = [];
    basemap = probedBasemap({ onThreadExit: (error) => exits.push(error), observe: (stats) => seen.push(stats) });
    // Stopped from outside while it builds its index.
    const first = basemap.tileJson(...HONG_KONG);
    const stopped = basemap.thread()!;
    await stopped.terminate();
    await expect(first).rejects.toBeInstanceOf(UnavailableError);
    expect(basemap.thread()).toBeNull();
    expect(exits).toHaveLength(1);

    const tile = await basemap.tileJson(...HONG_KONG);
    expect((JSON.parse(tile!) as { land: unknown[] }).land.length).toBeGreaterThan(0);
    const second = basemap.thread()!;
    expect(second).not.toBe(stopped);
    expect(seen[seen.length - 1]!.indexTiles).toBeGreaterThan(0);

    // A bug thrown out of the thread while a cut waits behind it: one exit (its error, then its end), the cut unavailable.
    crashThread(second);
    const behind = basemap.tileJson(12, 3348, 1787);
    await expect(behind).rejects.toBeInstanceOf(UnavailableError);
    expect(exits).toHaveLength(2);
    expect(exits[1]!.message).toMatch(/crashed as asked/);
    // The new thread has not built its index yet; the tiles kept on this side outlived the thread.
    expect(basemap.stats()).toMatchObject({ indexTiles: 0, cachedTiles: 1 });
    expect(await basemap.tileJson(...HONG_KONG)).toBe(tile);
    expect(basemap.thread()).toBeNull();
    expect(await basemap.tileJson(12, 3348, 1787)).not.toBeNull();
    expect(basemap.thread()).not.toBe(second);
  });

  it('answers every tile as unavailable once closed', async () => {
    basemap = new ThreadedBasemap();
    const cutting = expect(basemap.tileJson(...HONG_KONG)).rejects.toBeInstanceOf(UnavailableError);
    await basemap.close();
    await cutting;
    await expect(basemap.tileJson(...HONG_KONG)).rejects.toBeInstanceOf(UnavailableError);
    expect(basemap.thread()).toBeNull();
  });

  it("stays within its budgets in the thread's heap over 8,100 distinct tiles (it kept every tile it sliced)", async () => {
    const MiB = 1024 * 1024;
    basemap = probedBasemap({ cacheBytes: MiB / 4, slicedTiles: 1024 });
    // The index is built on the first tile; what is measured is what the flood adds to it.
    await basemap.tileJson(...HONG_KONG);
    const thread = basemap.thread()!;
    const before = await threadHeap(thread);
    let cut = 0;
    // A column of 90 tiles at a time, as a page asks for the tiles it shows at once.
    for (let x = 0; x < 90; x++) {
      const column = await Promise.all(Array.from({ length: 90 }, (_, y) => basemap.tileJson(14, 13340 + x, 7090 + y)));
      cut += column.filter((tile) => tile !== null).length;
    }
    const grown = (await threadHeap(thread)) - before;
    expect(cut).toBe(90 * 90);
    expect(basemap.thread()).toBe(thread);
    // 1,024 sliced tiles at most (1.8 MiB measured); an index that keeps every tile it sliced holds 13 MiB more
    // after the same flood, and every further tile asked for adds to it. The tiles kept on this side stay within
    // their own budget.
    expect(grown).toBeLessThan(6 * MiB);
    expect(basemap.stats().cachedBytes).toBeLessThanOrEqual(MiB / 4);
  });
});

describe('basemap tiles over HTTP', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('basemap'), BASEMAP_CACHE_MB: '1' } });
  });
  afterAll(() => server.close());

  it('keeps the node\'s cut tiles within BASEMAP_CACHE_MB over every tile of zoom 4, as /metrics shows', async () => {
    let served = 0;
    for (let x = 0; x < 16; x++) {
      for (let y = 0; y < 16; y++) {
        const response = await fetch(`${server.url}/basemap/4/${x}/${y}.json`);
        expect(response.status).toBe(200);
        served += (await response.text()).length;
      }
    }
    // More than the budget was served, less than it is kept.
    expect(served).toBeGreaterThan(1024 * 1024);
    const metrics = (await request(server.url, 'GET', '/metrics')).body as string;
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('basemap_cache_bytes')).toBeGreaterThan(0);
    expect(gauge('basemap_cache_bytes')).toBeLessThanOrEqual(1024 * 1024);
    expect(gauge('basemap_cache_tiles')).toBeLessThan(256);
  });

  it('tells browsers to keep a tile (public, a long max-age, immutable)', async () => {
    const tile = await fetch(`${server.url}/basemap/12/3347/1787.json`);
    expect(tile.status).toBe(200);
    // Counted against the address's anonymous budget, as every tile is.
    expect(tile.headers.get('ratelimit-limit')).toBe('100000000');
    const cacheControl = tile.headers.get('cache-control') ?? '';
    expect(cacheControl).toMatch(/\bpublic\b/);
    expect(cacheControl).toMatch(/\bimmutable\b/);
    expect(Number(/max-age=(\d+)/.exec(cacheControl)?.[1])).toBeGreaterThanOrEqual(7 * 24 * 3600);
  });
});

describe('the basemap beside the API', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('basemap-thread') } });
  });
  afterAll(() => server.close());
  const basemap = () => server.node.parts.basemap!;

  it("answers the API while the first tile's index is being built", async () => {
    // A node starts no basemap thread until a tile is asked for.
    expect(basemap().thread()).toBeNull();
    const answered: string[] = [];
    const tile = fetch(`${server.url}/basemap/12/3347/1787.json`).then((response) => {
      answered.push('tile');
      return response;
    });
    // The tile is past its admission and waits for the thread, which builds the index first.
    await eventually(() => basemap().cutting() > 0, 'the first tile asked of the basemap thread');
    const health = request(server.url, 'GET', '/healthz').then((response) => {
      answered.push('healthz');
      return response;
    });
    const [tileResponse, healthResponse] = await Promise.all([tile, health]);
    expect(healthResponse.status).toBe(200);
    expect(tileResponse.status).toBe(200);
    expect(((await tileResponse.json()) as { land: unknown[] }).land.length).toBeGreaterThan(0);
    // The API's answer came while the index was being built, not after it.
    expect(answered).toEqual(['healthz', 'tile']);
  });

  it('answers 503 unavailable for a tile whose thread died, and the next tile from a new thread', async () => {
    // A thread that dies while idle: the next tile is cut by a new one.
    const idle = basemap().thread()!;
    await idle.terminate();
    expect(basemap().thread()).toBeNull();
    const afterIdle = await fetch(`${server.url}/basemap/12/3347/1788.json`);
    expect(afterIdle.status).toBe(200);
    expect(basemap().thread()).not.toBe(idle);

    // A thread that dies while it cuts (here, while it builds its index again): that tile is 503, to be asked again.
    await basemap().thread()!.terminate();
    const cut = request(server.url, 'GET', '/basemap/12/3348/1788.json');
    await eventually(() => basemap().cutting() > 0, 'the tile asked of a new basemap thread');
    const dying = basemap().thread()!;
    await dying.terminate();
    const refused = await cut;
    expectError(refused, 503, 'unavailable');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // Not kept by the browser as if it were the tile.
    expect(refused.headers.get('cache-control') ?? '').not.toMatch(/immutable|max-age/);

    const again = await fetch(`${server.url}/basemap/12/3348/1788.json`);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { land: unknown[] }).land.length).toBeGreaterThan(0);
    expect(basemap().thread()).not.toBe(dying);
  });
});

describe('basemap tiles and the anonymous budget', () => {
  let server: TestNode;
  beforeAll(async () => {
    server = await startTestNode({ env: { REDIS_PREFIX: unique('basemap-budget'), RATE_LIMIT_ANON: '3/min' } });
  });
  afterAll(() => server.close());

  it('spends the client address\'s anonymous budget: past it a tile is 429 rate_limited with Retry-After', async () => {
    // Tiles outside the world (zoom 3 has x and y up to 7): asked like any other, without the wait for the index.
    for (let x = 0; x < 3; x++) {
      const response = await request(server.url, 'GET', `/basemap/3/${8 + x}/3.json`);
      expectError(response, 404, 'not_found');
      expect(response.headers.get('ratelimit-remaining')).toBe(String(2 - x));
    }
    const refused = await request(server.url, 'GET', '/basemap/3/4/3.json');
    expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    // A refusal is not kept by the browser as if it were the tile.
    expect(refused.headers.get('cache-control') ?? '').not.toMatch(/immutable|max-age/);
    // The same budget as a call with bad credentials from this address.
    expectError(await request(server.url, 'GET', '/v1/orders', { token: 'not-a-token' }), 429, 'rate_limited');
  });
});
