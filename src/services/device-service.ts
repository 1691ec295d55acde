/**
 * STUB for the MQTT worktree only: the device keys / HTTP protocols worktree owns this file and its real version is
 * kept at the merge. Knows no keys: every position is answered `unknown_key`.
 */
import type { DeviceFix } from '../domain/device-fix';

/** Positions from couriers' devices, taken by the device's key. */
export class DeviceService {
  /** Takes a device's positions as its courier's. */
  async ingest(_key: string, _fixes: DeviceFix[]): Promise<{ outcome: 'taken' | 'unknown_key'; kept: number }> {
    return { outcome: 'unknown_key', kept: 0 };
  }
}
