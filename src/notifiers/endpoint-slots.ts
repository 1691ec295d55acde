import type { RedisClient } from '../gateways/redis';

export interface EndpointSlotsOptions {
  /** Any connection (the commands do not block). */
  connection: RedisClient;
  prefix: string;
  /**
   * Attempts to one endpoint in flight at once, across the cluster.
   * @default 4
   */
  perEndpoint?: number;
  /**
   * Attempts to all of one tenant's endpoints in flight at once, across the cluster.
   * @default 16
   */
  perTenant?: number;
}

/**
 * Takes a slot in both sets at once or in neither. KEYS: endpoint set, tenant set, the message's attempt mark. ARGV:
 * holder, now, expiry, per-endpoint limit, per-tenant limit, the attempt's start, the mark's lifetime. Members whose
 * expiry passed (their worker died) are dropped first. With a slot, the message is marked as being attempted, and
 * the mark an earlier attempt left (its worker died before the outcome was logged) is answered.
 */
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) or redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[5]) then
  return {0, false}
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('PEXPIREAT', KEYS[2], ARGV[3])
local previous = redis.call('GET', KEYS[3])
redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
return {1, previous}
`;

// An attempt's mark outlives any lock and stall cycle of its job (BullMQ re-runs a dead worker's job within minutes).
const MARK_TTL_MS = 3600_000;

interface SlotCommands {
  webhookSlotAcquire(
    endpointKey: string,
    tenantKey: string,
    markKey: string,
    holder: string,
    now: number,
    expiry: number,
    perEndpoint: number,
    perTenant: number,
    startedAt: string,
    markTtlMs: number,
  ): Promise<[number, string | null]>;
}

/** A slot taken: and when an earlier attempt at the same message started whose outcome was never logged. */
export interface TakenSlot {
  interruptedAt: string | null;
}

/**
 * Bounds the attempts in flight per endpoint and per tenant across every worker of the cluster, so a slow or dead
 * receiver holds a few worker slots at most and never the whole pool: one sorted set per endpoint and per tenant in
 * Redis, a member per attempt in flight, scored by when it lapses (a worker that dies frees its slots that way). Each
 * attempt also marks its message until its outcome is logged, so the run after a worker's death can log the attempt
 * that was cut off without a store write before every attempt.
 */
export class EndpointSlots {
  private readonly redis: RedisClient & SlotCommands;
  private readonly prefix: string;
  private readonly perEndpoint: number;
  private readonly perTenant: number;

  constructor(options: EndpointSlotsOptions) {
    this.perEndpoint = options.perEndpoint ?? 4;
    this.perTenant = options.perTenant ?? 16;
    if (!(this.perEndpoint >= 1) || !(this.perTenant >= this.perEndpoint)) {
      throw new RangeError('EndpointSlots: perEndpoint must be >= 1 and perTenant >= perEndpoint');
    }
    this.prefix = options.prefix;
    options.connection.defineCommand('webhookSlotAcquire', { numberOfKeys: 3, lua: ACQUIRE });
    this.redis = options.connection as RedisClient & SlotCommands;
  }

  /**
   * Takes a slot for `holder` (unique per attempt) lasting at most `ttlMs`, and marks `messageId` as attempted since
   * `startedAt`; null when either limit is reached.
   */
  async acquire(endpointId: string, tenantId: string, messageId: string, holder: string, ttlMs: number, startedAt: string): Promise<TakenSlot | null> {
    const now = Date.now();
    const [taken, previous] = await this.redis.webhookSlotAcquire(
      this.endpointKey(tenantId, endpointId),
      this.tenantKey(tenantId),
      this.markKey(tenantId, messageId),
      holder,
      now,
      now + ttlMs,
      this.perEndpoint,
      this.perTenant,
      startedAt,
      MARK_TTL_MS,
    );
    return taken === 1 ? { interruptedAt: previous ?? null } : null;
  }

  /** Gives the slot back (the receiver answered, or the attempt failed). */
  async release(endpointId: string, tenantId: string, holder: string): Promise<void> {
    await this.redis.multi().zrem(this.endpointKey(tenantId, endpointId), holder).zrem(this.tenantKey(tenantId), holder).exec();
  }

  /** The attempt's outcome is logged: the message is no longer being attempted. */
  async unmark(tenantId: string, messageId: string): Promise<void> {
    await this.redis.del(this.markKey(tenantId, messageId));
  }

  // A tenant's keys share one hash tag, so the acquire script's three keys are in one slot of a Redis Cluster.
  private endpointKey(tenantId: string, endpointId: string): string {
    return `${this.prefix}:{webhook-slots:${tenantId}}:endpoint:${endpointId}`;
  }

  private markKey(tenantId: string, messageId: string): string {
    return `${this.prefix}:{webhook-slots:${tenantId}}:attempt:${messageId}`;
  }

  private tenantKey(tenantId: string): string {
    return `${this.prefix}:{webhook-slots:${tenantId}}:tenant`;
  }
}
