/**
 * What a node keeps in Redis, read by tests from outside: its queues' keys under a REDIS_PREFIX, alert jobs, and
 * the sharded Pub/Sub channels it subscribes to.
 */
import Redis from 'ioredis';

/** A client that gives up at once instead of retrying: a test asks Redis one thing and wants the answer now. */
function oneShot(redisUrl: string): Redis {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  return redis;
}

/** Deletes every key under `prefix` (BullMQ queues, rate limits) from a Redis; best effort. */
export async function dropPrefix(prefix: string, redisUrl = 'redis://127.0.0.1:6379'): Promise<void> {
  const redis = oneShot(redisUrl);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } catch {
    // best effort
  } finally {
    redis.disconnect();
  }
}

/**
 * Whether the alert of (order, seq) is held in the Redis at `redisUrl`: as a job of its own (BullMQ's job hash
 * `<orderId>-<seq>`), or inside a batch job (`batch-…`, whose data lists the alerts of one gathering window).
 */
export async function alertJobExists(redisUrl: string, prefix: string, orderId: string, seq: number): Promise<boolean> {
  const redis = oneShot(redisUrl);
  const queueKey = `${prefix}:alerts:`;
  try {
    await redis.connect();
    if ((await redis.exists(`${queueKey}${orderId}-${seq}`)) === 1) return true;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queueKey}batch-*`, 'COUNT', 500);
      cursor = next;
      // A job's own keys (`:lock`, `:logs`) sit beside its hash; only the hash has the data.
      for (const key of keys.filter((k) => !k.slice(queueKey.length).includes(':'))) {
        const data = await redis.hget(key, 'data');
        const alerts = data ? ((JSON.parse(data) as { alerts?: Array<{ orderId: string; seq: number }> }).alerts ?? []) : [];
        if (alerts.some((alert) => alert.orderId === orderId && alert.seq === seq)) return true;
      }
    } while (cursor !== '0');
    return false;
  } finally {
    redis.disconnect();
  }
}

/**
 * Number of subscribers of each sharded Pub/Sub channel (PUBSUB SHARDNUMSUB), or null when Redis does not
 * answer. Lets a test wait until nodes have re-established the subscriptions it relies on.
 */
export async function shardSubscribers(redisUrl: string, channels: string[]): Promise<number[] | null> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => {});
  try {
    await redis.connect();
    const reply = (await redis.call('PUBSUB', 'SHARDNUMSUB', ...channels)) as Array<string | number>;
    return channels.map((_, i) => Number(reply[2 * i + 1]));
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** The sharded adapter's channel for one room (`@socket.io/redis-adapter`, dynamic subscription mode). */
export function adapterRoomChannel(prefix: string, room: string): string {
  return `${prefix}:sio#/#${room}#`;
}

/** The per-order live channel of src/gateways/live-feed.ts. */
export function orderChannel(prefix: string, orderId: string): string {
  return `${prefix}:order:${orderId}`;
}
