/**
 * Which of a device's fixes are kept (API.md "Devices"): one memory per device shared by every node through Redis,
 * and each node's own while Redis does not answer (positions still flow, as request budgets do).
 */
import Redis from 'ioredis';
import { LocalFixGate, RedisFixGate } from '../../../src/devices/fix-gate';
import { unique } from '../../support/ids';
import { freePort } from '../../support/ports';
import { dropPrefix } from '../../support/redis-keys';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const clients: Redis[] = [];

function redisAt(url: string): Redis {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  clients.push(redis);
  return redis;
}

afterAll(() => {
  for (const redis of clients) redis.disconnect();
});

it('two nodes share each device\'s last kept fix: a repeat or a burst to the other node is dropped', async () => {
  const prefix = unique('fixgate');
  try {
    const [a, b] = [redisAt('redis://127.0.0.1:6379'), redisAt('redis://127.0.0.1:6379')];
    await Promise.all([new Promise((resolve) => a.once('ready', resolve)), new Promise((resolve) => b.once('ready', resolve))]);
    const nodeA = new RedisFixGate({ redis: a, prefix });
    const nodeB = new RedisFixGate({ redis: b, prefix });
    expect(await nodeA.admit('dvc_1', [T0 + 900, T0, T0 + 100, T0 + 1000])).toEqual([T0, T0 + 1000]);
    expect(await nodeB.admit('dvc_1', [T0, T0 + 1000, T0 + 1500])).toEqual([]);
    expect(await nodeB.admit('dvc_1', [T0 + 2000])).toEqual([T0 + 2000]);
    expect(await nodeA.admit('dvc_1', [T0 + 2500])).toEqual([]);
    // Devices do not share.
    expect(await nodeB.admit('dvc_2', [T0])).toEqual([T0]);
    // Times as large as milliseconds round-trip through Redis as they were written.
    expect(await a.get(`${prefix}:device-fix:dvc_1`)).toBe(String(T0 + 2000));
  } finally {
    await dropPrefix(prefix);
  }
});

it("decides with the node's own memory while Redis does not answer, going on from what Redis kept", async () => {
  const local = new LocalFixGate();
  local.note('dvc_1', T0 + 5000);
  const gone = new RedisFixGate({ redis: redisAt(`redis://127.0.0.1:${await freePort()}`), prefix: unique('fixgate'), local });
  expect(await gone.admit('dvc_1', [T0 + 5000, T0 + 5500, T0 + 6000, T0 + 6100])).toEqual([T0 + 6000]);
  expect(await gone.admit('dvc_1', [T0 + 6000])).toEqual([]);
});

it('forgets the device heard of longest ago past its bound, and refuses bad options', async () => {
  const local = new LocalFixGate({ maxDevices: 2 });
  await local.admit('dvc_1', [T0]);
  await local.admit('dvc_2', [T0]);
  await local.admit('dvc_1', [T0 + 1000]);
  await local.admit('dvc_3', [T0]);
  // dvc_2 was heard of longest ago: forgotten, its fix is new again; dvc_1, heard of since, is remembered.
  expect(await local.admit('dvc_1', [T0 + 1000])).toEqual([]);
  expect(await local.admit('dvc_2', [T0])).toEqual([T0]);
  expect(() => new LocalFixGate({ maxDevices: 0 })).toThrow(RangeError);
  expect(() => new RedisFixGate({ redis: redisAt('redis://127.0.0.1:6379'), prefix: '' })).toThrow(RangeError);
});
