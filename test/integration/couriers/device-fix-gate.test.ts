/**
 * Which of a device's fixes are kept (API.md "Devices"): one memory per device shared by every node through Redis,
 * and each node's own while Redis does not answer (positions still flow, as request budgets do). A fix counts as kept
 * once it was recorded: one whose recording failed is taken when the app sends it again, and a repeat that comes
 * while another node is still recording it is held off (503) rather than answered "taken".
 */
import Redis, { Cluster } from 'ioredis';
import { FixesBeingRecordedError } from '../../../src/domain/device-fix';
import { LocalFixGate, RedisFixGate } from '../../../src/devices/fix-gate';
import { DeviceService, type DeviceServiceOptions } from '../../../src/services/device-service';
import { UnavailableError } from '../../../src/domain/errors';
import { unique } from '../../support/ids';
import { freePort } from '../../support/ports';
import { startRedisCluster, stopAllRedisClusters } from '../../support/redis-cluster';
import { dropPrefix } from '../../support/redis-keys';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const clients: Redis[] = [];

function redisAt(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
}

async function twoNodes(prefix: string, now?: () => number): Promise<[RedisFixGate, RedisFixGate, Redis]> {
  const [a, b] = [redisAt('redis://127.0.0.1:6379'), redisAt('redis://127.0.0.1:6379')];
  await Promise.all([new Promise((resolve) => a.once('ready', resolve)), new Promise((resolve) => b.once('ready', resolve))]);
  return [new RedisFixGate({ redis: a, prefix, now }), new RedisFixGate({ redis: b, prefix, now }), a];
}

/** The times a gate keeps, settled as all recorded (what a message that went through comes to). */
async function recorded(gate: LocalFixGate | RedisFixGate, deviceId: string, times: number[]): Promise<number[]> {
  const admission = await gate.admit(deviceId, times);
  await admission.settle(admission.kept.length);
  return admission.kept;
}

afterAll(async () => {
  // A client whose connection was refused has ended already (disconnecting it would hold Jest for its timeout).
  await Promise.all(clients.filter((redis) => redis.status === 'ready').map((redis) => redis.quit()));
});

it("two nodes share each device's last kept fix: a repeat or a burst to the other node is dropped", async () => {
  const prefix = unique('fixgate');
  try {
    const [nodeA, nodeB, a] = await twoNodes(prefix);
    expect(await recorded(nodeA, 'dvc_1', [T0 + 900, T0, T0 + 100, T0 + 1000])).toEqual([T0, T0 + 1000]);
    expect(await recorded(nodeB, 'dvc_1', [T0, T0 + 1000, T0 + 1500])).toEqual([]);
    expect(await recorded(nodeB, 'dvc_1', [T0 + 2000])).toEqual([T0 + 2000]);
    expect(await recorded(nodeA, 'dvc_1', [T0 + 2500])).toEqual([]);
    // Devices do not share.
    expect(await recorded(nodeB, 'dvc_2', [T0])).toEqual([T0]);
    // Times as large as milliseconds round-trip through Redis as they were written; no admission is left recording.
    expect(await a.get(`${prefix}:{device-fix:dvc_1}`)).toBe(String(T0 + 2000));
    expect(await a.exists(`${prefix}:{device-fix:dvc_1}:recording`)).toBe(0);
  } finally {
    await dropPrefix(prefix);
  }
});

it('a batch whose recording failed is taken when sent again; one sent again while it is recorded is held off, never dropped', async () => {
  const prefix = unique('fixgate');
  try {
    const [nodeA, nodeB] = await twoNodes(prefix);
    const batch = [T0, T0 + 1000, T0 + 2000];
    const first = await nodeA.admit('dvc_1', batch);
    expect(first.kept).toEqual(batch);
    // The app, missing the answer, sends the batch again to the other node while the first is being recorded.
    await expect(nodeB.admit('dvc_1', batch)).rejects.toBeInstanceOf(FixesBeingRecordedError);
    await expect(nodeB.admit('dvc_1', batch)).rejects.toBeInstanceOf(UnavailableError);
    // The first recording failed after the oldest fix: the rest is taken when the batch comes again.
    await first.settle(1);
    expect(await recorded(nodeB, 'dvc_1', batch)).toEqual([T0 + 1000, T0 + 2000]);
    expect(await recorded(nodeA, 'dvc_1', batch)).toEqual([]);

    // None recorded at all: all of it is taken again. Newer fixes meanwhile are not held off by it.
    const none = await nodeA.admit('dvc_2', batch);
    expect(await recorded(nodeB, 'dvc_2', [T0 + 3000])).toEqual([T0 + 3000]);
    await none.settle(0);
    expect(await recorded(nodeB, 'dvc_2', [T0 + 4000])).toEqual([T0 + 4000]);
    const third = await nodeA.admit('dvc_3', batch);
    await third.settle(0);
    expect(await recorded(nodeB, 'dvc_3', batch)).toEqual(batch);
  } finally {
    await dropPrefix(prefix);
  }
});

it('a recording whose node died counts as not recorded once its lease ends', async () => {
  const prefix = unique('fixgate');
  let now = T0;
  try {
    const [nodeA, nodeB] = await twoNodes(prefix, () => now);
    expect((await nodeA.admit('dvc_1', [T0])).kept).toEqual([T0]); // never settled
    await expect(nodeB.admit('dvc_1', [T0])).rejects.toBeInstanceOf(FixesBeingRecordedError);
    now += 30_000;
    expect(await recorded(nodeB, 'dvc_1', [T0])).toEqual([T0]);
  } finally {
    await dropPrefix(prefix);
  }
});

it('works on a Redis Cluster: a device\'s keys share one slot, so the cluster decides (not each node alone)', async () => {
  const cluster = await startRedisCluster();
  const redis = new Cluster(
    cluster.seeds.split(',').map((seed) => ({ host: '127.0.0.1', port: Number(seed.split(':')[1]) })),
    { enableOfflineQueue: false, redisOptions: { maxRetriesPerRequest: 1 } },
  );
  try {
    await new Promise((resolve) => redis.once('ready', resolve));
    // Each node's own memory starts empty: had a script failed (CROSSSLOT), each would keep the repeat again.
    const [nodeA, nodeB] = [new RedisFixGate({ redis, prefix: 'fixgate' }), new RedisFixGate({ redis, prefix: 'fixgate' })];
    const first = await nodeA.admit('dvc_1', [T0, T0 + 1000]);
    expect(first.kept).toEqual([T0, T0 + 1000]);
    await expect(nodeB.admit('dvc_1', [T0])).rejects.toBeInstanceOf(FixesBeingRecordedError);
    await first.settle(2);
    expect(await recorded(nodeB, 'dvc_1', [T0, T0 + 1000, T0 + 2000])).toEqual([T0 + 2000]);
    expect(await redis.get('fixgate:{device-fix:dvc_1}')).toBe(String(T0 + 2000));
  } finally {
    redis.disconnect();
    await stopAllRedisClusters();
  }
}, 60_000);

it("decides with the node's own memory while Redis does not answer, going on from what Redis kept", async () => {
  const local = new LocalFixGate();
  local.note('dvc_1', T0 + 5000);
  const gone = new RedisFixGate({ redis: redisAt(`redis://127.0.0.1:${await freePort()}`), prefix: unique('fixgate'), local });
  expect(await recorded(gone, 'dvc_1', [T0 + 5000, T0 + 5500, T0 + 6000, T0 + 6100])).toEqual([T0 + 6000]);
  expect(await recorded(gone, 'dvc_1', [T0 + 6000])).toEqual([]);
  // The node's own memory, too, counts only what was recorded.
  const failed = await gone.admit('dvc_1', [T0 + 7000]);
  await expect(gone.admit('dvc_1', [T0 + 7000])).rejects.toBeInstanceOf(FixesBeingRecordedError);
  await failed.settle(0);
  expect(await recorded(gone, 'dvc_1', [T0 + 7000])).toEqual([T0 + 7000]);
});

it('forgets the device heard of longest ago past its bound, and refuses bad options', async () => {
  const local = new LocalFixGate({ maxDevices: 2 });
  await recorded(local, 'dvc_1', [T0]);
  await recorded(local, 'dvc_2', [T0]);
  await recorded(local, 'dvc_1', [T0 + 1000]);
  await recorded(local, 'dvc_3', [T0]);
  // dvc_2 was heard of longest ago: forgotten, its fix is new again; dvc_1, heard of since, is remembered.
  expect(await recorded(local, 'dvc_1', [T0 + 1000])).toEqual([]);
  expect(await recorded(local, 'dvc_2', [T0])).toEqual([T0]);
  expect(() => new LocalFixGate({ maxDevices: 0 })).toThrow(RangeError);
  expect(() => new LocalFixGate({ leaseMs: 0 })).toThrow(RangeError);
  expect(() => new RedisFixGate({ redis: new Redis({ lazyConnect: true }), prefix: '' })).toThrow(RangeError);
});

it('a position the store could not take (503) is taken when the app sends it again, on either node', async () => {
  const prefix = unique('fixgate');
  try {
    const [gateA, gateB] = await twoNodes(prefix);
    const taken: string[] = [];
    let refuse = 1;
    // The courier position path, its store answering 503 once.
    const couriers: DeviceServiceOptions['couriers'] = {
      record: async (_tenantId, _courierId, position) => {
        if (refuse-- > 0) throw new UnavailableError('store');
        taken.push(position.at!);
      },
    };
    const node = (gate: RedisFixGate) => new DeviceService({ gate, couriers } as unknown as DeviceServiceOptions);
    const device = { id: 'dvc_1', tenant_id: 't1', courier_id: 'k1' };
    const fix = { at: new Date(T0).toISOString(), lat: 22.3, lng: 114.17 };
    await expect(node(gateA).take(device, [fix], 'osmand')).rejects.toBeInstanceOf(UnavailableError);
    expect(await node(gateB).take(device, [fix], 'osmand')).toBe(1);
    expect(taken).toEqual([fix.at]);
    // Recorded now: a further repeat adds nothing.
    expect(await node(gateA).take(device, [fix], 'osmand')).toBe(0);
    expect(taken).toEqual([fix.at]);
  } finally {
    await dropPrefix(prefix);
  }
});
