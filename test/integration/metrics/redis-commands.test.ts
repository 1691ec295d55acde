/**
 * `redis_commands_total{connection}` against what Redis itself counted (`INFO commandstats`) on a private server:
 * single commands, auto-pipelined ones, a pipeline, a transaction, scripts (one each: what they run inside Redis is
 * Redis's count, not the connection's) and a duplicate of the connection (BullMQ's blocking connection is one). On
 * one server: a Redis Cluster's connections go through the same `sendCommand` (promtool.test.ts runs there too).
 */
import Redis from 'ioredis';
import { Counter, Registry } from 'prom-client';
import type { ConnectionWatch } from '../../../src/dependency-state';
import { createRedis, type RedisClient } from '../../../src/gateways/redis';
import { startRedis, type RedisServer } from '../../support/redis-server';

const watch: ConnectionWatch = { lost: () => {}, regained: () => {} };

let server: RedisServer;
let probe: Redis;
const clients: RedisClient[] = [];

beforeAll(async () => {
  server = await startRedis();
  probe = new Redis(server.url);
});

afterAll(async () => {
  for (const client of clients) client.disconnect();
  probe?.disconnect();
  await server?.close();
});

/** Calls of each command Redis ran since its start, INFO (the probe's own question) left out. */
async function serverCalls(): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const line of (await probe.info('commandstats')).split('\n')) {
    const match = /^cmdstat_([a-z|]+):calls=(\d+),.*failed_calls=(\d+)/.exec(line.trim());
    if (match && match[1] !== 'info') calls.set(match[1]!, Number(match[2]) + Number(match[3]));
  }
  return calls;
}

const sum = (calls: Map<string, number>) => [...calls.values()].reduce((total, count) => total + count, 0);

async function ready(client: RedisClient): Promise<RedisClient> {
  clients.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
}

it('counts each command the connection and its duplicates send, a script once', async () => {
  const registry = new Registry();
  const counter = new Counter({ name: 'redis_commands_total', help: 'commands', labelNames: ['connection'], registers: [registry] });
  const counted = () => counter.get().then((got) => got.values.find((value) => value.labels.connection === 'publisher')?.value ?? 0);
  const client = await ready(createRedis({ url: server.url }, 'publisher', watch, { commands: counter, enableAutoPipelining: true }));
  client.defineCommand('bump', { numberOfKeys: 1, lua: "redis.call('incr', KEYS[1]) return redis.call('get', KEYS[1])" });
  // The command defineCommand added (ioredis's types cannot know it).
  const bump = (key: string) => (client as RedisClient & { bump(key: string): Promise<string> }).bump(key);
  // Ready before the count starts: a connection's handshake (CLIENT SETNAME, the ready check) is not counted.
  const duplicate = await ready(client.duplicate());
  const before = await serverCalls();
  const countedBefore = await counted();

  await client.set('a', '1');
  await client.get('a');
  await Promise.all(Array.from({ length: 50 }, () => client.incr('n'))); // auto-pipelined
  await client.pipeline().set('b', '2').get('b').del('b').exec();
  await client.multi().set('c', '3').get('c').exec(); // MULTI, SET, GET, EXEC
  expect(await bump('s')).toBe('1'); // EVAL (ioredis knows the connection has not loaded it)
  expect(await bump('s')).toBe('2'); // EVALSHA
  await duplicate.ping();

  const after = await serverCalls();
  const ran = new Map([...after].map(([name, calls]) => [name, calls - (before.get(name) ?? 0)]));
  // Redis counts what the scripts ran inside as commands too (two each); the connection sent each as one.
  expect(ran.get('evalsha')! + ran.get('eval')!).toBe(2);
  const inner = 2 * 2;
  expect((await counted()) - countedBefore).toBe(sum(ran) - inner);
  expect(sum(ran) - inner).toBe(2 + 50 + 3 + 4 + 2 + 1);
});
