import Redis, { type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';

/**
 * An ioredis connection that never crashes the process: errors are logged (once per outage), and the
 * client reconnects forever with capped backoff, restoring its subscriptions.
 */
export function createRedis(url: string, name: string, logger: Logger, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    connectionName: name,
    // Reconnect forever, backing off to at most 2 s so pushes resume soon after Redis is back.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 6), 2000),
    lazyConnect: false,
    ...options,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (!down) logger.warn({ redis: name, err: error.message }, 'redis connection error');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: name }, 'redis connection restored');
    down = false;
  });
  return client;
}
