import { FIX_SPACING_MS, thinFixTimes } from '../domain/device-fix';
import type { RedisClient } from '../gateways/redis';
import type { FixGate } from '../services/device-service';

export interface LocalFixGateOptions {
  /**
   * Devices remembered at most; past it the one heard of longest ago is forgotten (its next fix is taken as new).
   * @default 100000
   */
  maxDevices?: number;
}

/** Each device's last kept fix time on this node alone: what a node keeps when Redis does not answer. */
export class LocalFixGate implements FixGate {
  private readonly lastKept = new Map<string, number>();
  private readonly maxDevices: number;

  constructor(options: LocalFixGateOptions = {}) {
    this.maxDevices = options.maxDevices ?? 100_000;
    if (!(this.maxDevices >= 1)) throw new RangeError('LocalFixGate: maxDevices must be >= 1');
  }

  async admit(deviceId: string, times: readonly number[]): Promise<number[]> {
    const kept = thinFixTimes(this.lastKept.get(deviceId) ?? null, times);
    if (kept.length > 0) this.note(deviceId, kept.at(-1)!);
    return kept;
  }

  /** Takes in a fix kept elsewhere (by the cluster's gate), so this node goes on from it when Redis is gone. */
  note(deviceId: string, atMs: number): void {
    const last = this.lastKept.get(deviceId);
    if (last !== undefined && last >= atMs) return;
    // Map order is insertion order: re-inserting moves the device to the end, the oldest is first.
    this.lastKept.delete(deviceId);
    if (this.lastKept.size >= this.maxDevices) this.lastKept.delete(this.lastKept.keys().next().value!);
    this.lastKept.set(deviceId, atMs);
  }
}

export interface RedisFixGateOptions {
  /** The node's fail-fast Redis connection (`enableOfflineQueue: false`): while Redis is down a call fails at once. */
  redis: RedisClient;
  /** Prefix of the Redis keys: the cluster's `redisPrefix`. */
  prefix: string;
  /**
   * How long a device's last kept fix is remembered after it. A device silent for longer takes its next fix as new
   * (an app resending a batch does so within minutes).
   * @default 86400000 (a day)
   */
  ttlMs?: number;
  /**
   * A Redis answer later than this counts as Redis being down for that message (this node's own memory decides).
   * @default 500
   */
  timeoutMs?: number;
  /** What decides while Redis does not answer. @default a new LocalFixGate */
  local?: LocalFixGate;
}

// The rule of thinFixTimes, in Redis so every node shares one last kept time per device: KEYS[1] holds it (as the
// client wrote it, so no float formatting); ARGV: the TTL, the spacing, then the fix times, ascending.
const ADMIT = `
local last = tonumber(redis.call('GET', KEYS[1]))
local spacing = tonumber(ARGV[2])
local kept = {}
for i = 3, #ARGV do
  local at = tonumber(ARGV[i])
  if last == nil or at - last >= spacing then
    kept[#kept + 1] = ARGV[i]
    last = at
  end
end
if #kept > 0 then redis.call('SET', KEYS[1], kept[#kept], 'PX', ARGV[1]) end
return kept
`;

interface AdmitCommand {
  deviceFixAdmit(key: string, ttlMs: number, spacingMs: number, ...times: string[]): Promise<string[]>;
}

/**
 * The cluster's one memory of each device's last kept fix, in Redis: MQTT's shared subscription hands a device's
 * messages to any node and an app may resend a batch to another node, and still each fix is kept once and at most
 * one a second. While Redis does not answer, the node's own memory decides (a fix another node kept meanwhile may
 * then be kept again), as the request budgets do.
 */
export class RedisFixGate implements FixGate {
  private readonly redis: RedisClient & AdmitCommand;
  private readonly local: LocalFixGate;
  private readonly ttlMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: RedisFixGateOptions) {
    this.ttlMs = options.ttlMs ?? 86_400_000;
    this.timeoutMs = options.timeoutMs ?? 500;
    if (!(this.ttlMs >= 1)) throw new RangeError('RedisFixGate: ttlMs must be >= 1');
    if (!(this.timeoutMs > 0)) throw new RangeError('RedisFixGate: timeoutMs must be > 0');
    if (options.prefix === '') throw new RangeError('RedisFixGate: prefix must not be empty');
    this.local = options.local ?? new LocalFixGate();
    options.redis.defineCommand('deviceFixAdmit', { numberOfKeys: 1, lua: ADMIT });
    this.redis = options.redis as RedisClient & AdmitCommand;
  }

  async admit(deviceId: string, times: readonly number[]): Promise<number[]> {
    if (times.length === 0) return [];
    const ascending = [...times].sort((a, b) => a - b);
    let kept: number[];
    try {
      const answer = this.redis.deviceFixAdmit(`${this.options.prefix}:device-fix:${deviceId}`, this.ttlMs, FIX_SPACING_MS, ...ascending.map(String));
      kept = (await withTimeout(answer, this.timeoutMs)).map(Number);
    } catch {
      return this.local.admit(deviceId, ascending);
    }
    if (kept.length > 0) this.local.note(deviceId, kept.at(-1)!);
    return kept;
  }
}

/** `promise`, or a rejection once `ms` passed (the late answer is left to settle on its own). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
