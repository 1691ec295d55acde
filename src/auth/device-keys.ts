import { createHash } from 'node:crypto';
import type { DeviceDirectory, StoredDevice } from '../store/devices/port';

export interface DeviceKeysOptions {
  store: { devices: Pick<DeviceDirectory, 'findDeviceByKeyHash'> };
  /**
   * How long a device found in the store is trusted without asking it again. A removed device's key leaves every
   * node's cache at once (see {@link DeviceKeys.forget}); this bounds how long a node that missed that word still
   * takes the key.
   * @default 60000
   */
  ttlMs?: number;
  /**
   * Devices held at most; past it the cache starts over (a cluster with more devices than this reads the store more).
   * @default 100000
   */
  maxEntries?: number;
  /** Epoch ms. @default Date.now */
  now?: () => number;
}

/** SHA-256 of a device key: keys are random 256-bit secrets, so a fast hash is enough and lookups stay cheap. */
export function hashDeviceKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Device keys as every node holds them: a position from a tracker (one a second, per device) finds its device
 * here, not in the store. Only found devices are cached, so a device added on another node works at once; a removed
 * device is forgotten by every node at once through the credential broadcast (`device_removed`), and a store read
 * begun before that word is not trusted.
 */
export class DeviceKeys {
  private readonly byHash = new Map<string, { device: StoredDevice; until: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  /** Moves on whenever a key is forgotten: a store read begun before then may predate the removal. */
  private generation = 0;

  constructor(private readonly options: DeviceKeysOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    if (!(this.ttlMs >= 0)) throw new RangeError('DeviceKeys: ttlMs must be >= 0');
    if (!(this.maxEntries >= 1)) throw new RangeError('DeviceKeys: maxEntries must be >= 1');
  }

  /** The device holding this key; null when none does (unknown or removed). */
  async find(key: string): Promise<StoredDevice | null> {
    const hash = hashDeviceKey(key);
    const cached = this.byHash.get(hash);
    if (cached && cached.until > this.now()) return cached.device;
    const generation = this.generation;
    const device = await this.options.store.devices.findDeviceByKeyHash(hash);
    // A key was forgotten while the store answered: the answer may predate its removal, so ask again.
    if (generation !== this.generation) return this.find(key);
    if (!device) {
      this.byHash.delete(hash);
      return null;
    }
    if (this.byHash.size >= this.maxEntries) this.byHash.clear();
    this.byHash.set(hash, { device, until: this.now() + this.ttlMs });
    return device;
  }

  /** Drops a removed device's key from this node: its next position asks the store, which has it no more. */
  forget(keyHash: string): void {
    this.generation += 1;
    this.byHash.delete(keyHash);
  }
}
