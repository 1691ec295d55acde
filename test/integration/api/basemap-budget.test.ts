/**
 * The offline basemap under a flood of distinct tiles (API.md "Limits (more)"): what it keeps stays within its
 * memory budget, least recently used dropped first, and its slicing index does not grow with what is asked; the
 * tiles count against the client address's anonymous budget, and browsers are told to keep them.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Basemap, type BasemapStats } from '../../../src/http/basemap';
import { expectError } from '../../support/expect-error';
import { request } from '../../support/http';
import { unique } from '../../support/ids';
import { startTestNode, type TestNode } from '../../support/node';

/** Every tile of a 12 × 12 block at zoom `z` from (x, y): a coast, so the tiles have land to cut. */
function* block(z: number, x: number, y: number): Generator<[number, number, number]> {
  for (let dx = 0; dx < 12; dx++) for (let dy = 0; dy < 12; dy++) yield [z, x + dx, y + dy];
}

describe('the basemap in memory', () => {
  it('keeps its cut tiles within the byte budget and its slicing index within its tile budget, whatever is asked', () => {
    const seen: BasemapStats[] = [];
    const basemap = new Basemap({ cacheBytes: 16 * 1024, slicedTiles: 200, observe: (stats) => seen.push(stats) });
    // Hong Kong at zoom 12 (asked first, and again at the end, once it has long been dropped).
    const first = basemap.tileJson(12, 3347, 1787)!;
    // The index as built, plus what this first cut sliced.
    const built = seen[0]!.indexTiles;
    const flood = [...block(12, 3320, 1760), ...block(14, 13390, 7140), ...block(10, 540, 290), ...block(13, 4400, 2500)];
    for (const [z, x, y] of flood) expect(basemap.tileJson(z, x, y)).not.toBeNull();
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
    basemap.tileJson(lastZ, lastX, lastY);
    expect(seen).toHaveLength(1 + flood.length);
    const again = basemap.tileJson(12, 3347, 1787)!;
    expect(seen).toHaveLength(2 + flood.length);
    expect(again).toBe(first);
    expect((JSON.parse(again) as { land: unknown[] }).land.length).toBeGreaterThan(0);
    expect(basemap.tileJson(5, 32, 0)).toBeNull();
  });
});

describe("the basemap in the process's memory", () => {
  // The heap after a full collection, the only reading of it that does not move with when the collector last ran.
  const collect = (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
  const heapAfterGc = () => {
    collect();
    collect();
    return process.memoryUsage().heapUsed;
  };

  it('stays within its budgets in the heap over 8,100 distinct tiles (it kept every tile it cut and sliced)', () => {
    const MiB = 1024 * 1024;
    const basemap = new Basemap({ cacheBytes: MiB / 4, slicedTiles: 1024 });
    // The index is built on the first tile; what is measured is what the flood adds to it.
    basemap.tileJson(12, 3347, 1787);
    const before = heapAfterGc();
    let cut = 0;
    for (let x = 0; x < 90; x++) {
      for (let y = 0; y < 90; y++) if (basemap.tileJson(14, 13340 + x, 7090 + y) !== null) cut++;
    }
    const grown = heapAfterGc() - before;
    expect(cut).toBe(90 * 90);
    // 256 KiB of tiles and 1,024 sliced tiles at most (2.8 MiB measured); kept whole, the same flood holds
    // 14.5 MiB, and every further tile asked for adds to it.
    expect(grown).toBeLessThan(6 * MiB);
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
