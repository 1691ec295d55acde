import { randomUUID } from 'node:crypto';
import { FIX_SPACING_MS, FixesBeingRecordedError, admitFixTimes, type FixMemory } from '../domain/device-fix';
import type { RedisClient } from '../gateways/redis';
import type { FixAdmission, FixGate } from '../services/device-service';
import { withTimeout } from '../with-timeout';

/**
 * How long a device's fixes being recorded hold off a message that repeats them, at most: a node that died while it
 * recorded them never says whether it did, and past this they count as not recorded (kept again if sent again).
 */
const DEFAULT_LEASE_MS = 30_000;

export interface LocalFixGateOptions {
  /**
   * Devices remembered at most; past it the one heard of longest ago is forgotten (its next fix is taken as new).
   * @default 100000
   */
  maxDevices?: number;
  /** See {@link DEFAULT_LEASE_MS}. @default 30000 */
  leaseMs?: number;
  /** Epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** A device as this node remembers it: its last recorded fix, and its fixes being recorded (by admission). */
interface LocalDevice {
  recorded: number | null;
  recording: Map<symbol, { last: number; until: number }>;
}

/** Each device's fixes kept on this node alone: what a node keeps when Redis does not answer. */
export class LocalFixGate implements FixGate {
  private readonly devices = new Map<string, LocalDevice>();
  private readonly maxDevices: number;
  private readonly leaseMs: number;
  private readonly now: () => number;

  constructor(options: LocalFixGateOptions = {}) {
    this.maxDevices = options.maxDevices ?? 100_000;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = options.now ?? Date.now;
    if (!(this.maxDevices >= 1)) throw new RangeError('LocalFixGate: maxDevices must be >= 1');
    if (!(this.leaseMs >= 1)) throw new RangeError('LocalFixGate: leaseMs must be >= 1');
  }

  async admit(deviceId: string, times: readonly number[]): Promise<FixAdmission> {
    const device = this.touch(deviceId);
    const now = this.now();
    for (const [admission, { until }] of device.recording) if (until <= now) device.recording.delete(admission);
    const kept = admitFixTimes(memoryOf(device), times);
    if (kept === 'recording') throw new FixesBeingRecordedError();
    if (kept.length === 0) return { kept, settle: async () => {} };
    const admission = Symbol(deviceId);
    device.recording.set(admission, { last: kept.at(-1)!, until: now + this.leaseMs });
    return {
      kept,
      settle: async (recorded) => {
        device.recording.delete(admission);
        if (recorded > 0) this.note(deviceId, kept[Math.min(recorded, kept.length) - 1]!);
      },
    };
  }

  /** Takes in a fix recorded (here, or by way of the cluster's gate), so this node goes on from it when Redis is gone. */
  note(deviceId: string, atMs: number): void {
    const device = this.touch(deviceId);
    if (device.recorded === null || device.recorded < atMs) device.recorded = atMs;
  }

  /** The device's memory, made the one heard of last (Map order is insertion order: the oldest is first). */
  private touch(deviceId: string): LocalDevice {
    let device = this.devices.get(deviceId);
    this.devices.delete(deviceId);
    if (!device) {
      if (this.devices.size >= this.maxDevices) this.devices.delete(this.devices.keys().next().value!);
      device = { recorded: null, recording: new Map() };
    }
    this.devices.set(deviceId, device);
    return device;
  }
}

function memoryOf(device: LocalDevice): FixMemory {
  let last = device.recorded;
  for (const flight of device.recording.values()) if (last === null || flight.last > last) last = flight.last;
  return { recorded: device.recorded, last };
}

export interface RedisFixGateOptions {
  /** The node's fail-fast Redis connection (`enableOfflineQueue: false`): while Redis is down a call fails at once. */
  redis: RedisClient;
  /** Prefix of the Redis keys: the cluster's `redisPrefix`. */
  prefix: string;
  /**
   * How long a device's last recorded fix is remembered after it. A device silent for longer takes its next fix as
   * new (an app resending a batch does so within minutes).
   * @default 86400000 (a day)
   */
  ttlMs?: number;
  /** See {@link DEFAULT_LEASE_MS}. @default 30000 */
  leaseMs?: number;
  /**
   * A Redis answer later than this counts as Redis being down for that message (this node's own memory decides).
   * @default 500
   */
  timeoutMs?: number;
  /** What decides while Redis does not answer. @default a new LocalFixGate */
  local?: LocalFixGate;
  /** Epoch milliseconds (the leases' clock; nodes' clocks agree far closer than a lease). @default Date.now */
  now?: () => number;
}

// The rule of admitFixTimes, in Redis so every node shares each device's memory. KEYS[1]: the last recorded fix (as
// the client wrote it, so no float formatting); KEYS[2]: the admissions being recorded, as members `<last kept>|<id>`
// scored by the end of their lease. ARGV: the TTL, the spacing, now, the lease's end, the admission's id, then the
// fix times, ascending. Answers `recording`, or `kept` and the kept times. Leases that ended are skipped as read and
// removed only when there are some (a node died while recording): a message costs GET and ZRANGE, then ZADD and
// PEXPIRE when it keeps a fix.
const ADMIT = `
local recorded = tonumber(redis.call('GET', KEYS[1]))
local last = recorded
local now = tonumber(ARGV[3])
local expired = false
local recording = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #recording, 2 do
  if tonumber(recording[i + 1]) <= now then
    expired = true
  else
    local at = tonumber(string.match(recording[i], '^[^|]+'))
    if last == nil or at > last then last = at end
  end
end
if expired then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3]) end
local spacing = tonumber(ARGV[2])
local kept = { 'kept' }
for i = 6, #ARGV do
  local at = tonumber(ARGV[i])
  if last == nil or at - last >= spacing then
    kept[#kept + 1] = ARGV[i]
    last = at
  elseif #kept == 1 and (recorded == nil or at - recorded >= spacing) then
    return { 'recording' }
  end
end
if #kept > 1 then
  redis.call('ZADD', KEYS[2], ARGV[4], kept[#kept] .. '|' .. ARGV[5])
  redis.call('PEXPIRE', KEYS[2], ARGV[1])
end
return kept
`;

// An admission's end. KEYS as ADMIT's; ARGV: the TTL, the admission's member, the last fix recorded of it ('' for none).
const SETTLE = `
redis.call('ZREM', KEYS[2], ARGV[2])
if ARGV[3] ~= '' then
  local recorded = tonumber(redis.call('GET', KEYS[1]))
  if recorded == nil or recorded < tonumber(ARGV[3]) then redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[1]) end
end
return 1
`;

interface GateCommands {
  deviceFixAdmit(recorded: string, recording: string, ttlMs: number, spacingMs: number, now: number, leaseEnd: number, id: string, ...times: string[]): Promise<string[]>;
  deviceFixSettle(recorded: string, recording: string, ttlMs: number, member: string, recordedLast: string): Promise<number>;
}

/**
 * The cluster's one memory of each device's fixes, in Redis: MQTT's shared subscription hands a device's messages to
 * any node and an app may resend a batch to another node, and still each fix is recorded once and at most one a
 * second. Kept fixes count as the device's while they are being recorded and, once settled, only those recorded:
 * a fix whose recording failed is taken when the app sends it again. While Redis does not answer, the node's own
 * memory decides (a fix another node kept meanwhile may then be kept again), as the request budgets do.
 */
export class RedisFixGate implements FixGate {
  private readonly redis: RedisClient & GateCommands;
  private readonly local: LocalFixGate;
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: RedisFixGateOptions) {
    this.ttlMs = options.ttlMs ?? 86_400_000;
    this.leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 1)) throw new RangeError('RedisFixGate: ttlMs must be >= 1');
    if (!(this.leaseMs >= 1)) throw new RangeError('RedisFixGate: leaseMs must be >= 1');
    if (!(this.timeoutMs > 0)) throw new RangeError('RedisFixGate: timeoutMs must be > 0');
    if (options.prefix === '') throw new RangeError('RedisFixGate: prefix must not be empty');
    this.local = options.local ?? new LocalFixGate({ leaseMs: this.leaseMs, now: this.now });
    options.redis.defineCommand('deviceFixAdmit', { numberOfKeys: 2, lua: ADMIT });
    options.redis.defineCommand('deviceFixSettle', { numberOfKeys: 2, lua: SETTLE });
    this.redis = options.redis as RedisClient & GateCommands;
  }

  async admit(deviceId: string, times: readonly number[]): Promise<FixAdmission> {
    if (times.length === 0) return { kept: [], settle: async () => {} };
    const ascending = [...times].sort((a, b) => a - b);
    // One hash tag per device: both keys of the scripts are in one slot of a Redis Cluster.
    const tag = `${this.options.prefix}:{device-fix:${deviceId}}`;
    const keys = [tag, `${tag}:recording`] as const;
    const id = randomUUID();
    const now = this.now();
    let answer: string[];
    try {
      answer = await withTimeout(
        this.redis.deviceFixAdmit(...keys, this.ttlMs, FIX_SPACING_MS, now, now + this.leaseMs, id, ...ascending.map(String)),
        this.timeoutMs,
      );
    } catch {
      return this.local.admit(deviceId, ascending);
    }
    if (answer[0] === 'recording') throw new FixesBeingRecordedError();
    const written = answer.slice(1);
    const kept = written.map(Number);
    if (kept.length === 0) return { kept, settle: async () => {} };
    return {
      kept,
      settle: async (recorded) => {
        const last = recorded > 0 ? written[Math.min(recorded, written.length) - 1]! : '';
        if (last !== '') this.local.note(deviceId, Number(last));
        // Not told (Redis gone meanwhile), the cluster counts the admission as recording until its lease ends, then
        // as not recorded: a resend is held off until then and taken after.
        await withTimeout(this.redis.deviceFixSettle(...keys, this.ttlMs, `${written.at(-1)}|${id}`, last), this.timeoutMs).catch(() => {});
      },
    };
  }
}
